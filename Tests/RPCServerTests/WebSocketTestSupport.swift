import HummingbirdWSClient
import Logging
import RPCServer
import Synchronization
import Testing

/// A real server on a loopback port with a fake backend and a chain head the test advances.
struct LiveWebSocketServer: Sendable {
    let server: RPCServer
    let port: Int
    let backend: FakeBackend
    let chainHead: ChainHead

    /// Starts a server, runs `body` against it, then cancels the server and waits for `run()` to return.
    static func with(
        _ configuration: RPCServerConfiguration = RPCServerConfiguration(host: "127.0.0.1", port: 0),
        _ body: (LiveWebSocketServer) async throws -> Void
    ) async throws {
        let backend = FakeBackend()
        let chainHead = ChainHead(height: try await backend.latestHeight())
        let server = RPCServer(configuration: configuration, backend: backend, chainHead: chainHead, logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.listeningPort()
            do {
                try await body(LiveWebSocketServer(server: server, port: port, backend: backend, chainHead: chainHead))
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            try await group.next()
        }
    }

    /// Appends `count` empty blocks to the fake chain and announces the new head.
    @discardableResult
    func finalize(blocks count: Int) async -> UInt64 {
        let height = await backend.appendBlocks(count)
        chainHead.advance(to: height)
        return height
    }

    /// Opens a WebSocket connection to `path`, runs `body` on it and returns the server's close frame.
    ///
    /// The whole exchange must end within `deadline`; a test never waits on wall time otherwise.
    @discardableResult
    func connect(
        path: String = "/ws", origin: String? = nil, deadline: Duration = .seconds(60),
        _ body: @escaping @Sendable (WebSocketTestConnection) async throws -> Void
    ) async throws -> WebSocketCloseFrame? {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 24)
        if let origin { configuration.additionalHeaders[.origin] = origin }
        let url = "ws://127.0.0.1:\(port)\(path)"
        let settings = configuration
        return try await withDeadline(deadline) {
            let client = WebSocketClient(url: url, configuration: settings, logger: quietLogger) { inbound, outbound, _ in
                try await body(WebSocketTestConnection(inbound: inbound, outbound: outbound))
            }
            return try await client.run()
        }
    }
}

/// The test's side of one connection: send text, read messages one at a time.
final class WebSocketTestConnection: @unchecked Sendable {
    private var iterator: WebSocketInboundStream.AsyncIterator
    let outbound: WebSocketOutboundWriter

    init(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) {
        self.iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    func send(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    /// The next message as JSON; nil when the server closed the connection.
    func next() async throws -> JSONValue? {
        guard let message = try await iterator.nextMessage(maxSize: 1 << 26) else { return nil }
        switch message {
        case .text(let text): return try JSONParser.parse(Array(text.utf8))
        case .binary(let buffer): return try JSONParser.parse(Array(buffer.readableBytesView))
        }
    }

    /// The next message, which the test requires to be there.
    func receive(sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        try #require(try await next(), "the server closed the connection", sourceLocation: sourceLocation)
    }

    /// Sends a request and reads messages until its response, keeping the notifications that came first.
    func call(_ text: String, notifications: inout [JSONValue]) async throws -> JSONValue {
        try await send(text)
        while true {
            let message = try await receive()
            if message["method"] == .string("subscription") {
                notifications.append(message)
            } else {
                return message
            }
        }
    }

    /// Sends a request whose response must come before any notification.
    func call(_ text: String) async throws -> JSONValue {
        var notifications: [JSONValue] = []
        let response = try await call(text, notifications: &notifications)
        #expect(notifications.isEmpty, "notifications arrived before the response: \(notifications)")
        return response
    }
}

/// Runs `operation`, failing with `DeadlineExceeded` if it takes longer than `limit`.
func withDeadline<Value: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)  // a deadline, not synchronization
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded(limit: limit) }
        return value
    }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "did not finish within \(limit)" }
}

/// Waits until `condition` holds, checking again after every scheduler turn, for at most `limit`.
func eventually(
    within limit: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation, _ condition: @Sendable () async -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: limit)
    while !(await condition()) {
        guard clock.now < deadline else {
            Issue.record("condition not met within \(limit)", sourceLocation: sourceLocation)
            throw DeadlineExceeded(limit: limit)
        }
        try await Task.sleep(for: .milliseconds(5))  // between checks of an observable condition, bounded by the deadline
    }
}

extension JSONValue {
    /// `params` of a subscription notification.
    var notification: JSONValue? { self["params"] }
}

/// A value a `@Sendable` test closure hands back to the test.
final class Captured<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
