import ChainTypes
import Foundation
import HummingbirdWSClient
import Ledger
import LedgerFixtures
import Logging
import RPCServer
import Storage
import Testing

@testable import Node

/// Subscriptions over `/ws` against the node's real backend: an in-memory ledger on the fixture chain,
/// its event indexes and its mempool, with the chain head announced as blocks are committed.
@Suite("WebSocket subscriptions over a real ledger")
struct NodeWebSocketTests {
    static let logger = Logger(label: "sbp.node.ws.test", factory: { _ in SwiftLogNoOpLogHandler() })

    let chain: FixtureChain
    let ledger: Ledger
    let mempool: Mempool
    let backend: NodeRPCBackend

    init() throws {
        chain = try FixtureChain()
        ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle)
        mempool = Mempool(application: ledger)
        let interfaces = ContractInterfaces.load(
            genesis: chain.genesis, directory: FixtureChain.repositoryRoot.appendingPathComponent("Genesis").path, logger: Self.logger)
        let host = FixedNodeHost(consensusAddress: chain.validatorKeys[0].address, driverStatus: DriverStatus())
        backend = NodeRPCBackend(ledger: ledger, mempool: mempool, interfaces: interfaces, host: host)
    }

    /// Commits a block issuing (or renewing) licences and announces it.
    func commitLicences(_ calls: [(String, [String])], head: ChainHead) throws {
        let issuer = chain.issuers["TD"]!
        let transactions = try calls.map { method, arguments in try chain.licenceCall(method, arguments, from: issuer) }
        _ = try chain.commit(transactions, on: ledger)
        head.advance(to: ledger.height)
    }

    /// The events `events_query` lists strictly after `cursor`, as the subscription must deliver them.
    func eventsAfter(_ cursor: String, filter: String, server: RPCServer) async throws -> [JSONValue] {
        var found: [JSONValue] = []
        var next: JSONValue = .string(cursor)
        while case .string(let page) = next {
            let body = #"{"jsonrpc": "2.0", "method": "events_query", "params": [\#(filter), "\#(page)", 100], "id": 1}"#
            let response = try JSONParser.parse(try #require(await server.engine.respond(to: Array(body.utf8))))
            let result = try #require(response["result"], "\(response)")
            found += result["events"].flatMap { if case .array(let events) = $0 { events } else { nil } } ?? []
            next = result["nextCursor"] ?? .null
        }
        return found
    }

    @Test("events resumed from the last cursor after a disconnect arrive exactly once, in events_query order")
    func eventsExactlyOnce() async throws {
        try commitLicences([("issue", NodeRPCBackendTests.issueArguments("L-1"))], head: ChainHead())
        let head = ChainHead(height: ledger.height)
        let server = RPCServer(
            configuration: RPCServerConfiguration(host: "127.0.0.1", port: 0), backend: backend, chainHead: head, logger: Self.logger)
        let filter = #"{"contracts": ["0x\#(Hex.encode(chain.licenceRegistry.bytes))"]}"#
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.listeningPort()
            let received = Captured<[JSONValue]>([])
            let startCursor = Captured("")
            try await WebSocketProbe.connect(port: port) { connection in
                let response = try await connection.call(
                    #"{"jsonrpc": "2.0", "method": "subscribe", "params": {"kind": "events", "filter": \#(filter)}, "id": 1}"#)
                startCursor.value = try #require(response["result"]?["cursor"]?.text)
                try commitLicences(
                    [("issue", NodeRPCBackendTests.issueArguments("L-2")), ("renew", ["L-1", "5000000000000"])], head: head)
                try commitLicences([("issue", NodeRPCBackendTests.issueArguments("L-3"))], head: head)
                let expected = try await eventsAfter(startCursor.value, filter: filter, server: server).count
                #expect(expected >= 3)
                for _ in 0..<expected { received.value.append(try await connection.receive()) }
            }
            let lastCursor = try #require(received.value.last?["params"]?["cursor"]?.text)
            try commitLicences([("issue", NodeRPCBackendTests.issueArguments("L-4"))], head: head)
            try commitLicences([], head: head)
            try commitLicences([("renew", ["L-2", "6000000000000"])], head: head)
            try await WebSocketProbe.connect(port: port) { connection in
                let body =
                    #"{"jsonrpc": "2.0", "method": "subscribe", "params": {"kind": "events", "filter": \#(filter), "cursor": "\#(lastCursor)"}, "id": 2}"#
                _ = try await connection.call(body)
                let missed = try await eventsAfter(lastCursor, filter: filter, server: server).count
                #expect(missed >= 2)
                var second: [JSONValue] = []
                for _ in 0..<missed { second.append(try await connection.receive()) }
                try commitLicences([("issue", NodeRPCBackendTests.issueArguments("L-5"))], head: head)
                let live = try await eventsAfter(second.last?["params"]?["cursor"]?.text ?? lastCursor, filter: filter, server: server)
                    .count
                for _ in 0..<live { second.append(try await connection.receive()) }
                var extra: [JSONValue] = []
                _ = try await connection.call(#"{"jsonrpc": "2.0", "method": "node_status", "id": 3}"#, notifications: &extra)
                #expect(extra.isEmpty, "delivered twice: \(extra)")
                #expect(second.map { $0["params"]?["sequence"] } == (1...second.count).map { .number($0) })
                received.value += second
            }
            let all = try await eventsAfter(startCursor.value, filter: filter, server: server)
            #expect(received.value.map { $0["params"]?["result"] } == all.map { Optional($0) })
            #expect(
                received.value.map { $0["params"]?["cursor"] }
                    == all.map { event in
                        let position = EventCursor(
                            height: RPCJSON.uint64(from: event["height"] ?? .null) ?? 0,
                            transactionIndex: UInt32(RPCJSON.uint64(from: event["transactionIndex"] ?? .null) ?? 0),
                            eventIndex: UInt16(RPCJSON.uint64(from: event["eventIndex"] ?? .null) ?? 0))
                        return .string(position.encoded)
                    })
            group.cancelAll()
        }
    }

    @Test("txStatus over the node's mempool: pending while in the mempool, then committed with the receipt")
    func transactionStatus() async throws {
        let head = ChainHead(height: ledger.height)
        let server = RPCServer(
            configuration: RPCServerConfiguration(host: "127.0.0.1", port: 0), backend: backend, chainHead: head, logger: Self.logger)
        let transaction = try chain.licenceCall("issue", NodeRPCBackendTests.issueArguments("L-9"), from: chain.issuers["TD"]!)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.listeningPort()
            try await WebSocketProbe.connect(port: port) { connection in
                let hex = "0x" + Hex.encode(transaction.canonicalBytes)
                let sent = try await connection.call(#"{"jsonrpc": "2.0", "method": "tx_send", "params": ["\#(hex)"], "id": 1}"#)
                #expect(sent["result"] == RPCJSON.hash(transaction.hash), "\(sent)")
                _ = try await connection.call(
                    #"{"jsonrpc": "2.0", "method": "subscribe", "params": {"kind": "txStatus", "hash": "0x\#(transaction.hash.hex)"}, "id": 2}"#
                )
                let pending = try await connection.receive()
                #expect(pending["params"]?["result"]?["status"] == .string("pending"))
                _ = try chain.commit([transaction], on: ledger)
                _ = try mempool.removeCommitted(try #require(try ledger.view().block(at: ledger.height)))
                head.advance(to: ledger.height)
                let committed = try await connection.receive()
                #expect(committed["params"]?["result"]?["status"] == .string("committed"))
                #expect(committed["params"]?["result"]?["receipt"]?["height"] == .number(Int(ledger.height)))
                #expect(committed["params"]?["sequence"] == .number(2))
            }
            group.cancelAll()
        }
    }
}

/// A minimal WebSocket client for these tests (RPCServerTests has the full one).
final class WebSocketProbe: @unchecked Sendable {
    private var iterator: WebSocketInboundStream.AsyncIterator
    let outbound: WebSocketOutboundWriter

    init(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) {
        iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Connects to `/ws`, runs `body`, and fails if the whole exchange takes more than `deadline`.
    static func connect(port: Int, deadline: Duration = .seconds(60), _ body: @escaping @Sendable (WebSocketProbe) async throws -> Void)
        async throws
    {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                let client = WebSocketClient(
                    url: "ws://127.0.0.1:\(port)/ws", configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 24),
                    logger: NodeWebSocketTests.logger
                ) { inbound, outbound, _ in try await body(WebSocketProbe(inbound: inbound, outbound: outbound)) }
                try await client.run()
                return true
            }
            group.addTask {
                try await Task.sleep(for: deadline)  // a deadline, not synchronization
                return false
            }
            defer { group.cancelAll() }
            let finished = try await group.next() ?? false
            #expect(finished, "the WebSocket exchange did not finish within \(deadline)")
        }
    }

    func receive() async throws -> JSONValue {
        let message = try #require(try await iterator.nextMessage(maxSize: 1 << 26), "the server closed the connection")
        guard case .text(let text) = message else { throw ProbeError.binary }
        return try JSONParser.parse(Array(text.utf8))
    }

    func call(_ text: String, notifications: inout [JSONValue]) async throws -> JSONValue {
        try await outbound.write(.text(text))
        while true {
            let message = try await receive()
            guard message["method"] == .string("subscription") else { return message }
            notifications.append(message)
        }
    }

    func call(_ text: String) async throws -> JSONValue {
        var notifications: [JSONValue] = []
        let response = try await call(text, notifications: &notifications)
        #expect(notifications.isEmpty, "notifications before the response: \(notifications)")
        return response
    }

    enum ProbeError: Error { case binary }
}

/// A value a `@Sendable` test closure hands back.
final class Captured<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
