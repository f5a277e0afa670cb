import Foundation
import HummingbirdWSClient
import Logging
import Synchronization

/// One node's finalized heads, pushed over its WebSocket `/ws` (`subscribe` kind `newHeads`).
///
/// The open loop must see each commit on every node soon after it happens. Polling each node's height
/// every 10 ms cost 400 requests a second across four nodes, on the same two cores the nodes run on
/// (20-32 % of a core in the benchmark client, plus the nodes' HTTP work: docs/performance.md, "The open
/// loop's small batches"); a subscription costs one notification per block per node.
enum HeadFeed {
    /// Why following stopped early: the node refused the subscription or ended it.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// Largest message accepted from the node: one header notification is well under this.
    static let messageBytesMax = 1 << 20

    /// Subscribes to `url`'s new heads and calls `onHead` after each notification until `stop` is set;
    /// throws when the connection fails or the node refuses or ends the subscription.
    ///
    /// `onHead` runs before the next notification is read, so a slow reader falls behind rather than
    /// running reads concurrently; the node ends a subscription that falls too far behind (-32006),
    /// which this reports as `Refused`.
    static func follow(_ url: String, until stop: StopFlag, onHead: @escaping @Sendable () async -> Void) async throws {
        var logger = Logger(label: "sbp-bench.heads")
        logger.logLevel = .critical
        let client = WebSocketClient(
            url: url, configuration: WebSocketClientConfiguration(maxFrameSize: messageBytesMax), logger: logger
        ) { inbound, outbound, _ in
            try await outbound.write(.text(#"{"jsonrpc":"2.0","id":1,"method":"subscribe","params":["newHeads"]}"#))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await stop.wait()
                    try? await outbound.close(.normalClosure, reason: nil)
                }
                defer { group.cancelAll() }
                var iterator = inbound.makeAsyncIterator()
                while let message = try await iterator.nextMessage(maxSize: messageBytesMax) {
                    guard case .text(let text) = message else { continue }
                    if try isHead(text) { await onHead() }
                }
            }
        }
        try await client.run()
        if !stop.isSet { throw Refused(description: "\(url) closed the connection") }
    }

    /// Whether `text` is a head notification; false for the subscription's own response, and throws for
    /// an error response or a notification that ends the subscription.
    static func isHead(_ text: String) throws -> Bool {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw Refused(description: "not a JSON object: \(text.prefix(200))")
        }
        if let error = object["error"] { throw Refused(description: "subscribe: \(error)") }
        guard object["method"] as? String == "subscription" else { return false }
        guard let params = object["params"] as? [String: Any] else { throw Refused(description: "notification without params") }
        if let error = params["error"] { throw Refused(description: "subscription ended: \(error)") }
        return params["result"] != nil
    }
}

/// A flag one task sets and others poll or wait for, for loops that must not be stopped by cancellation.
final class StopFlag: Sendable {
    private struct State {
        var isSet = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var isSet: Bool { state.withLock { $0.isSet } }

    func set() {
        let waiters = state.withLock { state in
            state.isSet = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the flag is set or the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.isSet || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
