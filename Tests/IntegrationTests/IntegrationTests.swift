import ChainTypes
import Foundation
import Synchronization
import Testing

/// The node's multi-process tests (DESIGN §8 level 5): a real four-department network of `sbp node start`
/// processes with mutual TLS on loopback, driven and observed only through JSON-RPC and the nodes' logs.
///
/// One test at a time: each starts four debug-build nodes on a two-core machine. Every test has a time limit,
/// and `withNetwork` kills its processes and removes its directory however the test ends. Waiting is always
/// polling with a deadline (`eventually`); the one fixed-length observation window (no progress without a
/// quorum) is itself the assertion and says so.
@Suite(
    "Integration: four sbp nodes on loopback", .serialized,
    .compactMapIssues { issue in
        FailureFlag.set()
        return issue
    })
struct IntegrationTests {
    /// All four validators.
    static let all = [0, 1, 2, 3]
    /// Time for four debug nodes to start and commit their first blocks on a loaded machine.
    static let startTimeout: Duration = .seconds(90)
    /// Time for a receipt, a catch-up or a few blocks.
    static let progressTimeout: Duration = .seconds(60)
}

// MARK: Shared checks

extension IntegrationTests {
    /// Starts the network and waits until every node has committed a block.
    static func start(_ network: TestNetwork) async throws {
        try network.startAll()
        try await network.waitForHeight(1, on: all, within: startTimeout)
    }

    /// The primary of the current view: all nodes in `indices` must report the same view, and the primary of
    /// view v is validator v mod n in genesis order (PBFT-NOTES rule 1).
    static func currentPrimary(_ network: TestNetwork, among indices: [Int] = all) async throws -> (view: UInt64, primary: Int) {
        let view = try await eventually("nodes \(network.names(indices)) report one view", within: progressTimeout) { () -> UInt64? in
            guard let views = await network.statuses(indices).map({ Set($0.map(\.view)) }) else { return nil }
            return views.count == 1 ? views.first : nil
        }
        return (view, Int(view % UInt64(network.nodes.count)))
    }

    /// Requires a success receipt for every transaction in `hashes` (read from node `index`), that every
    /// node in `indices` agrees on the chain up to a common height covering them, and that each transaction
    /// appears in exactly one block of that chain: the block its receipt names.
    @discardableResult
    static func requireCommittedOnce(
        _ hashes: [Hash], network: TestNetwork, receiptsFrom index: Int, agreeing indices: [Int] = all
    ) async throws -> [BlockReply] {
        var receipts: [Hash: ReceiptReply] = [:]
        for hash in hashes {
            let receipt = try await network.receipt(hash, on: index, within: progressTimeout)
            try #require(receipt.status == "success", "\(hash): \(receipt.status) \(receipt.errorMessage ?? "")")
            receipts[hash] = receipt
        }
        let highest = receipts.values.map(\.height).max() ?? 1
        let chain = try await network.waitForAgreement(on: indices, atLeast: highest, within: progressTimeout)
        var places: [String: [BlockReply]] = [:]
        for block in chain {
            for transaction in block.transactions { places[transaction.lowercased(), default: []].append(block) }
        }
        for (hash, receipt) in receipts {
            let blocks = places["0x" + hash.hex] ?? []
            try #require(blocks.count == 1, "\(hash) is in \(blocks.count) blocks (heights \(blocks.map(\.height)))")
            #expect(blocks[0].height == receipt.height && blocks[0].hash == receipt.blockHash, "\(hash): receipt names another block")
        }
        return chain
    }
}

// MARK: Load

/// Keeps submitting licence issues from some issuers to some nodes, paced, until stopped; records the
/// hashes the nodes accepted. The pause between submissions sets the load's rate, it synchronizes nothing.
final class LoadGenerator: Sendable {
    private let network: TestNetwork
    private let issuers: [Account]
    private let targets: [Int]
    private let label: String
    private let stopping = Mutex(false)
    private let accepted = Mutex<[Hash]>([])
    private let task = Mutex<Task<Void, any Error>?>(nil)
    static let pace: Duration = .milliseconds(150)

    init(network: TestNetwork, issuers: [Account], targets: [Int], label: String) {
        self.network = network
        self.issuers = issuers
        self.targets = targets
        self.label = label
    }

    func start() {
        let task = Task { try await run() }
        self.task.withLock { $0 = task }
    }

    private func run() async throws {
        var number = 0
        while !stopping.withLock({ $0 }) {
            let transaction = try network.licences.issue("\(label)-\(number)", by: issuers[number % issuers.count])
            let first = number % targets.count
            try await network.submit(transaction, to: Array(targets[first...] + targets[..<first]), within: .seconds(60))
            accepted.withLock { $0.append(transaction.hash) }
            number += 1
            try await Task.sleep(for: Self.pace)  // the load's rate
        }
    }

    /// Transactions accepted so far.
    var acceptedCount: Int { accepted.withLock { $0.count } }

    /// Stops after the submission in flight and returns every accepted transaction; throws if the load failed.
    func stop() async throws -> [Hash] {
        stopping.withLock { $0 = true }
        try await task.withLock { $0 }?.value
        return accepted.withLock { $0 }
    }

    /// Abandons the load (a failing test's cleanup).
    func cancel() {
        stopping.withLock { $0 = true }
        task.withLock { $0 }?.cancel()
    }
}
