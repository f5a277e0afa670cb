import ChainTypes
import Foundation
import Synchronization

/// One open-loop phase of `sbp-bench network`: pre-signed transactions offered at a fixed rate whatever
/// the network does, and for each the time from its offer to its commit on every node.
///
/// A closed loop (the saturation phase) only says how fast the network drains a full queue; a client of a
/// deployed network offers transactions at its own pace, and what it feels is the delay. Transaction i of
/// the phase is due at `start + i / rate`; its latency runs from that instant, not from the moment it was
/// actually sent, so a client that falls behind (a send that took long, a refusal sent again later)
/// counts against the network and the figure has no coordinated omission. Senders send what is due every
/// `tick` in one JSON-RPC batch; a transaction refused for a full pool is sent again. A transaction not
/// committed on every node `drain` after the last one was due is counted as never committed.
struct OpenLoopPhase: Sendable {
    /// Share of the saturation rate offered, for the report.
    let fraction: Double
    /// Transactions per second offered, all senders together.
    let rate: Double
    /// Each sender's transactions, in nonce order (`LicenceSigner.sign`), encoded as requests.
    let transactions: [[TxSendRequest]]
    /// How long after the last due instant a transaction may still commit.
    let drain: Duration
    /// Whether commits are seen through each node's head feed (false: by polling its height).
    var followHeads = true

    /// Shortest interval between two batches of one sender.
    static let tick: Duration = .milliseconds(10)
    /// How often each node's height is read when its head feed fails; a commit is then seen at most this
    /// much (plus one request) late.
    static let pollInterval: Duration = .milliseconds(10)
    /// Pause before sending again after a refusal (the pool is full: give the network a block).
    static let refusalPause: Duration = .milliseconds(20)

    /// Transaction k of sender j is transaction k × senders + j of the phase.
    private func due(sender: Int, index: Int, start: ContinuousClock.Instant) -> ContinuousClock.Instant {
        start + .seconds(Double(index * transactions.count + sender) / rate)
    }

    /// Offers the phase's transactions (sender j's to `targets[j]`, its department's node), watches every
    /// node's commits, and returns the figures once every transaction committed everywhere or the drain ran out.
    func run(nodes: [BenchRPC], targets: [BenchRPC], senders: [Address], firstNonces: [UInt64]) async throws -> OpenLoopResult {
        let offered = transactions.reduce(0) { $0 + $1.count }
        let book = CommitBook(nodes: nodes.count, firstNonces: firstNonces, counts: transactions.map(\.count))
        let clock = ContinuousClock()
        // Watchers stop at a flag, never by cancellation: cancelling a task inside a URLSession request races
        // the request's completion and deadlocks FoundationNetworking on Linux (seen in 2 of 5 smoke runs).
        let stop = StopFlag()
        let watchers = nodes.enumerated().map { index, rpc in
            Task { [followHeads] in
                await Self.watch(rpc, node: index, senders: senders, book: book, until: stop, followHeads: followHeads)
            }
        }
        do {
            var result = try await offerAndDrain(targets: targets, book: book, offered: offered, clock: clock)
            stop.set()
            for watcher in watchers {
                if await watcher.value { result.nodesFollowedByFeed += 1 }
            }
            result.nodesWatched = nodes.count
            return result
        } catch {
            stop.set()
            for watcher in watchers { _ = await watcher.value }
            throw error
        }
    }

    private func offerAndDrain(
        targets: [BenchRPC], book: CommitBook, offered: Int, clock: ContinuousClock
    ) async throws -> OpenLoopResult {
        let start = clock.now + .milliseconds(100)
        let refusals = try await withThrowingTaskGroup(of: [String: Int].self) { group in
            for (sender, batch) in transactions.enumerated() {
                let rpc = targets[sender]
                group.addTask { try await offer(batch, sender: sender, to: rpc, start: start) }
            }
            var refusals: [String: Int] = [:]
            for try await refused in group { refusals.merge(refused, uniquingKeysWith: +) }
            return refusals
        }
        let lastDue =
            transactions.indices.compactMap { sender in
                transactions[sender].indices.last.map { due(sender: sender, index: $0, start: start) }
            }.max() ?? start
        let deadline = max(lastDue, clock.now) + drain
        while book.committedEverywhere < offered && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))  // polling the nodes' state, read by the watchers
        }
        let committed = book.commits()
        var latencies: [Duration] = []
        latencies.reserveCapacity(offered)
        var bySender: [LatencySummary?] = []
        for (sender, instants) in committed.instants.enumerated() {
            var own: [Duration] = []
            for (index, instant) in instants.enumerated() {
                if let instant { own.append(instant - due(sender: sender, index: index, start: start)) }
            }
            latencies += own
            bySender.append(LatencySummary(own))
        }
        let span = (committed.last ?? start) - start
        return OpenLoopResult(
            fraction: fraction, offeredRate: rate, offered: offered, committed: latencies.count,
            refusals: refusals,
            achievedRate: span > .zero ? Double(latencies.count) / span.seconds : 0,
            latency: LatencySummary(latencies), latencyBySender: bySender)
    }

    /// Sends one sender's transactions as they fall due; the refusals met, by reason.
    private func offer(
        _ batch: [TxSendRequest], sender: Int, to rpc: BenchRPC, start: ContinuousClock.Instant
    ) async throws -> [String: Int] {
        let clock = ContinuousClock()
        var refusals: [String: Int] = [:]
        var next = 0
        while next < batch.count {
            let now = clock.now
            var end = next
            while end < batch.count && end - next < NetworkCommand.batchSize && due(sender: sender, index: end, start: start) <= now {
                end += 1
            }
            if end == next {
                try await Task.sleep(until: due(sender: sender, index: next, start: start), clock: clock)  // the offer schedule
                continue
            }
            if let refused = try await rpc.offer(Array(batch[next..<end])) {
                refusals[refused.reason, default: 0] += end - next - refused.index
                next += refused.index
                try await Task.sleep(for: Self.refusalPause)  // pacing the resend, not synchronization
            } else {
                next = end
            }
            try await Task.sleep(until: now + Self.tick, clock: clock)  // batching: one request per tick
        }
        return refusals
    }

    /// Reads the senders' nonces on `rpc` after each head the node pushes over its WebSocket, until
    /// `stop` is set; polls the height every `pollInterval` instead if the node's WebSocket fails or
    /// `followHeads` is false. True when the feed served the whole phase. The closed loop watches the same way.
    static func watch(
        _ rpc: BenchRPC, node: Int, senders: [Address], book: CommitBook, until stop: StopFlag, followHeads: Bool
    ) async -> Bool {
        let observe: @Sendable () async -> Void = {
            if let nonces = try? await rpc.nonces(of: senders) { book.observe(node: node, nonces: nonces, at: .now) }
        }
        if followHeads {
            do {
                await observe()  // what committed before the subscription started
                try await HeadFeed.follow(rpc.webSocketURL, until: stop, onHead: observe)
                return true
            } catch {
                if !stop.isSet {
                    FileHandle.standardError.write(Data("node \(node): head feed failed (\(error)); polling its height\n".utf8))
                }
            }
        }
        var height: UInt64 = 0
        while !stop.isSet {
            if let latest = try? await rpc.height(), latest != height,
                let nonces = try? await rpc.nonces(of: senders)
            {
                height = latest
                book.observe(node: node, nonces: nonces, at: .now)
            }
            try? await Task.sleep(for: pollInterval)  // polling another process's state
        }
        return false
    }
}

/// What one open-loop phase measured.
struct OpenLoopResult {
    let fraction: Double
    let offeredRate: Double
    let offered: Int
    /// Transactions committed on every node before the drain ran out.
    let committed: Int
    /// Transaction sends refused and repeated, by the refusal's reason.
    let refusals: [String: Int]
    /// Committed transactions per second from the phase's start to the last commit.
    let achievedRate: Double
    /// Offer-to-commit-everywhere latency of the committed transactions; nil when none committed.
    let latency: LatencySummary?
    /// The same for each sender's transactions alone, in sender order: a sender whose node is not the
    /// primary reaches the primary's pool only by gossip, so a gap here is what that path costs.
    let latencyBySender: [LatencySummary?]
    /// Nodes whose commits were seen through their head feed for the whole phase (the others were polled).
    var nodesFollowedByFeed = 0
    /// Nodes watched.
    var nodesWatched = 0

    var neverCommitted: Int { offered - committed }
}

/// Percentiles of a set of latencies (nearest rank).
struct LatencySummary {
    let p50: Duration
    let p95: Duration
    let p99: Duration
    let max: Duration

    init?(_ samples: [Duration]) {
        let sorted = samples.sorted()
        guard let last = sorted.last else { return nil }
        func rank(_ quantile: Double) -> Duration {
            sorted[Swift.max(0, Swift.min(sorted.count - 1, Int((quantile * Double(sorted.count)).rounded(.up)) - 1))]
        }
        p50 = rank(0.50)
        p95 = rank(0.95)
        p99 = rank(0.99)
        max = last
    }
}

/// When each transaction of an open-loop phase was first seen committed on each node, and so on every node.
///
/// A sender's transactions commit in nonce order, so a node whose account nonce for the sender moved from
/// a to b has committed nonces a..<b: one batch of account reads covers every transaction of the phase.
final class CommitBook: Sendable {
    private struct State {
        let firstNonces: [UInt64]
        let counts: [Int]
        /// [node][sender]: the account nonce last seen.
        var seen: [[UInt64]]
        /// [sender][index]: nodes that have committed the transaction.
        var nodesSeen: [[Int]]
        /// [sender][index]: when the last of the nodes that committed it was seen doing so.
        var latest: [[ContinuousClock.Instant?]]
        var everywhere = 0
        var last: ContinuousClock.Instant?
    }

    private let nodeCount: Int
    private let state: Mutex<State>

    init(nodes: Int, firstNonces: [UInt64], counts: [Int]) {
        nodeCount = nodes
        state = Mutex(
            State(
                firstNonces: firstNonces, counts: counts, seen: Array(repeating: firstNonces, count: nodes),
                nodesSeen: counts.map { Array(repeating: 0, count: $0) }, latest: counts.map { Array(repeating: nil, count: $0) }))
    }

    /// Transactions committed on every node so far.
    var committedEverywhere: Int { state.withLock { $0.everywhere } }

    /// Node `node` reported `nonces` (one per sender) at `instant`.
    func observe(node: Int, nonces: [UInt64], at instant: ContinuousClock.Instant) {
        state.withLock { state in
            for (sender, nonce) in nonces.enumerated() where sender < state.counts.count {
                let first = state.firstNonces[sender]
                let from = state.seen[node][sender]
                guard nonce > from else { continue }
                state.seen[node][sender] = nonce
                let lower = Int(clamping: from - first)
                let upper = Swift.min(state.counts[sender], Int(clamping: nonce - first))
                guard lower < upper else { continue }
                for index in lower..<upper {
                    state.nodesSeen[sender][index] += 1
                    state.latest[sender][index] = instant
                    if state.nodesSeen[sender][index] == nodeCount {
                        state.everywhere += 1
                        state.last = Swift.max(state.last ?? instant, instant)
                    }
                }
            }
        }
    }

    /// Each transaction's commit-everywhere instant (nil where some node has not committed it) and the latest.
    func commits() -> (instants: [[ContinuousClock.Instant?]], last: ContinuousClock.Instant?) {
        state.withLock { state in
            let instants = state.latest.enumerated().map { sender, row in
                row.enumerated().map { index, instant in state.nodesSeen[sender][index] == nodeCount ? instant : nil }
            }
            return (instants, state.last)
        }
    }
}
