import ChainTypes
import Foundation
import LedgerFixtures
import StateTree
import Storage
import StorageRocksDB
import Testing

@testable import Ledger

/// Tree-history pruning on a real RocksDB store (issue 19, deliverable 3; docs/state-tree.md §5): kept
/// versions prove exactly what they proved before, pruned ones fail with the oldest kept height, and every
/// state a crash can leave in the middle keeps every kept version whole.
@Suite("Tree-history pruning")
struct TreePruningTests {
    /// Licence L-1 as the registry stores it.
    static let licenceKey = Array("LL-1".utf8)

    /// Block 1 issues L-1; every later block renews it: the same keys (the licence, the issuer's nonce,
    /// the registry's counters) are rewritten block after block, so old versions pile up stale nodes.
    static func build(blocks: Int, chain: FixtureChain, ledger: Ledger, from first: Int = 1) throws {
        let issuer = try #require(chain.issuers["TD"])
        for index in first...blocks {
            let transaction =
                index == 1
                ? try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
                : try chain.licenceCall("renew", ["L-1", "\(5_000_000_000_000 + index)"], from: issuer)
            let receipt = try chain.commit([transaction], on: ledger).receipts[0]
            try #require(receipt.status == .success)
        }
    }

    struct Proven: Equatable {
        var value: [UInt8]?
        var proof: StateProof
        var stateRoot: Hash
    }

    /// L-1's proof at every height of `heights`, with the root recorded for that height.
    static func proofs(_ ledger: Ledger, chain: FixtureChain, heights: ClosedRange<UInt64>) throws -> [UInt64: Proven] {
        let view = try ledger.view()
        var proofs: [UInt64: Proven] = [:]
        for height in heights {
            let (value, proof, root) = try view.storageProof(contract: chain.licenceRegistry, key: licenceKey, at: height)
            #expect(root == (try view.roots(at: height))?.stateRoot, "height \(height): the tree's root is not the recorded one")
            proofs[height] = Proven(value: value, proof: proof, stateRoot: root)
        }
        return proofs
    }

    /// Every stored node key (`0x01` ‖ node key) in the `treeNodes` family.
    static func storedNodes(_ store: any KeyValueReader) throws -> Set<[UInt8]> {
        Set(try store.keys(prefix: [0x01], in: .treeNodes))
    }

    /// The stored keys of every node a version in `versions` reaches, walked from each root.
    static func reachableNodes(_ store: any KeyValueReader, versions: ClosedRange<UInt64>) throws -> Set<[UInt8]> {
        let reader = KeyValueTreeReader(store: store)
        var keys: Set<[UInt8]> = []
        var pending = versions.map { NodeKey.root(version: $0) }
        while let key = pending.popLast() {
            guard keys.insert([0x01] + key.encodedBytes).inserted else { continue }
            guard let node = try reader.node(at: key) else {
                Issue.record("node \(key) is missing")
                continue
            }
            if case .internal(let internalNode) = node {
                for (nibble, child) in internalNode.childPairs {
                    pending.append(NodeKey(version: child.version, path: key.path.appending(nibble)))
                }
            }
        }
        return keys
    }

    /// Prunes until nothing is left, checking after every step (each one a state a crash can leave).
    static func pruneFully(
        _ ledger: Ledger, keeping versions: UInt64, nodesMax: Int = LedgerLimits.pruneRecordsPerStep,
        afterEachStep check: (PruneProgress) throws -> Void = { _ in }
    ) throws -> (oldest: UInt64, steps: Int) {
        var steps = 0
        while true {
            let progress = try ledger.pruneStep(keepingVersions: versions, nodesMax: nodesMax)
            steps += 1
            try check(progress)
            if progress.isComplete { return (progress.oldestStateHeight, steps) }
        }
    }

    @Test("a pruned ledger proves every kept version exactly as before, and names the oldest kept height for the others")
    func keptVersionsProveTheSame() throws {
        let directory = TemporaryDirectory()
        let store = try RocksDBStore(path: directory.path + "/db")
        defer { store.close() }
        let (chain, ledger) = try makeLedger(store: store)
        try Self.build(blocks: 12, chain: chain, ledger: ledger)
        let before = try Self.proofs(ledger, chain: chain, heights: 0...12)
        let nodesBefore = try Self.storedNodes(store).count

        let (oldest, _) = try Self.pruneFully(ledger, keeping: 4)
        #expect(oldest == 9)
        #expect(try ledger.oldestStateHeight() == 9)
        // A pruned store no longer holds every version: a build that assumes it does must refuse it.
        #expect(try store.get(StorageFormat.key, in: .metadata) == StorageFormat.encode(StorageFormat.current))
        #expect(throws: StorageFormatError.unsupported(found: 3, readable: 1...1)) { try StorageFormat.check(store, readable: 1...1) }
        #expect(try Self.proofs(ledger, chain: chain, heights: 9...12) == before.filter { $0.key >= 9 })
        // What is left is exactly what the kept versions reach: nothing needed went, nothing stale stayed.
        let stored = try Self.storedNodes(store)
        #expect(stored == (try Self.reachableNodes(store, versions: 9...12)))
        #expect(stored.count < nodesBefore)

        let view = try ledger.view()
        #expect(view.oldestStateHeight == 9)
        for height: UInt64 in [0, 1, 8] {
            #expect(throws: LedgerError.statePruned(height: height, oldestHeight: 9)) {
                try view.storageProof(contract: chain.licenceRegistry, key: Self.licenceKey, at: height)
            }
            #expect(throws: LedgerError.statePruned(height: height, oldestHeight: 9)) {
                try view.storageValue(contract: chain.licenceRegistry, key: Self.licenceKey, at: height)
            }
            #expect(throws: LedgerError.statePruned(height: height, oldestHeight: 9)) {
                try view.query(contract: chain.licenceRegistry, input: [], at: height)
            }
        }
        // Blocks, receipts and the recorded roots stay: pruning touches the tree's history only.
        #expect(try view.block(at: 1) != nil && view.receipts(height: 1).count == 1)
        #expect(try view.roots(at: 1)?.stateRoot == before[1]?.stateRoot)

        // Execution goes on over the pruned tree, and the next rounds prune as blocks come.
        try Self.build(blocks: 15, chain: chain, ledger: ledger, from: 13)
        #expect(try Self.pruneFully(ledger, keeping: 4).oldest == 12)
        #expect(try Self.storedNodes(store) == (try Self.reachableNodes(store, versions: 12...15)))
    }

    @Test("a crash at any step of pruning leaves every kept version whole, and a reopened ledger finishes the job")
    func crashMidPrune() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/db"
        let chain = try FixtureChain()
        var before: [UInt64: Proven] = [:]
        do {
            let store = try RocksDBStore(path: path)
            defer { store.close() }
            let ledger = try Ledger(store: store, genesis: chain.bundle)
            try Self.build(blocks: 10, chain: chain, ledger: ledger)
            before = try Self.proofs(ledger, chain: chain, heights: 0...10)
            // Steps of 3 deletions: after each (a state a crash between two batches leaves), kept versions prove
            // the same and a view refuses the pruned ones instead of reading half-deleted paths.
            var steps = 0
            while steps < 4 {
                let progress = try ledger.pruneStep(keepingVersions: 3, nodesMax: 3)
                steps += 1
                #expect(progress.oldestStateHeight == 8 && !progress.isComplete)
                #expect(try Self.proofs(ledger, chain: chain, heights: 8...10) == before.filter { $0.key >= 8 })
            }
            // The process dies here: the rest of the round never runs.
        }
        let store = try RocksDBStore(path: path)
        defer { store.close() }
        let ledger = try Ledger(store: store, genesis: chain.bundle)
        #expect(try ledger.oldestStateHeight() == 8)
        #expect(try Self.proofs(ledger, chain: chain, heights: 8...10) == before.filter { $0.key >= 8 })
        #expect(throws: LedgerError.statePruned(height: 7, oldestHeight: 8)) {
            try ledger.view().storageProof(contract: chain.licenceRegistry, key: Self.licenceKey, at: 7)
        }
        let (oldest, steps) = try Self.pruneFully(ledger, keeping: 3, nodesMax: 3) { (_: PruneProgress) throws in
            #expect(try Self.proofs(ledger, chain: chain, heights: 8...10) == before.filter { $0.key >= 8 })
        }
        #expect(oldest == 8 && steps > 1)
        #expect(try Self.storedNodes(store) == (try Self.reachableNodes(store, versions: 8...10)))
        // The chain goes on from the reopened, pruned store.
        try Self.build(blocks: 11, chain: chain, ledger: ledger, from: 11)
        #expect(try ledger.view().roots(at: 11) != nil)
    }

    @Test("pruning keeps nothing below the window on an archive-sized backlog, in bounded steps")
    func boundedSteps() throws {
        let (chain, ledger) = try makeLedger()
        try Self.build(blocks: 6, chain: chain, ledger: ledger)
        var largest = 0
        let (oldest, steps) = try Self.pruneFully(ledger, keeping: 2, nodesMax: 4) { largest = max(largest, $0.nodesDeleted) }
        #expect(oldest == 5 && steps > 2 && largest <= 4)
        // A window wider than the chain prunes nothing.
        let (fresh, freshLedger) = try makeLedger()
        try Self.build(blocks: 3, chain: fresh, ledger: freshLedger)
        #expect(try freshLedger.pruneStep(keepingVersions: 10) == PruneProgress(oldestStateHeight: 0, nodesDeleted: 0, isComplete: true))
    }
}
