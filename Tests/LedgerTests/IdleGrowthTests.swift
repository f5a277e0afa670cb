import ChainTypes
import LedgerFixtures
import Storage
import Testing

@testable import Ledger

/// What an empty block leaves in the store (issue 19, deliverable 3: growth with records, not with time).
@Suite("Idle growth")
struct IdleGrowthTests {
    /// Keys in the `treeNodes` family of `store`.
    static func treeNodeCount(_ store: MemoryKeyValueStore) throws -> Int {
        try store.keys(prefix: [], in: .treeNodes).count
    }

    /// Every block wrote the governance book again, unchanged: the tree kept a new copy of its path (six
    /// nodes and their stale records) per block, the larger part of an idle chain's growth.
    @Test("an empty block writes no state value and keeps the state root: the tree adds only the new version's root")
    func emptyBlocksRewriteNothing() throws {
        let store = MemoryKeyValueStore()
        let (chain, ledger) = try makeLedger(store: store)
        try chain.commit([], on: ledger)  // the first block may write records genesis left absent
        let root = try ledger.view().roots(at: ledger.height)?.stateRoot
        let nodes = try Self.treeNodeCount(store)
        let blocks = 5
        for _ in 0..<blocks {
            let executed = try chain.commit([], on: ledger)
            let flatWrites = executed.writes.operations.filter { operation in
                if case .put(let key, _, .indexes) = operation { key.first == IndexKeys.Tag.flatState.rawValue } else { false }
            }
            #expect(flatWrites.isEmpty, "block \(executed.block.height) wrote \(flatWrites.count) state values")
        }
        // Per version: its root node and the stale record of the previous root.
        #expect(try Self.treeNodeCount(store) == nodes + 2 * blocks)
        #expect(try ledger.view().roots(at: ledger.height)?.stateRoot == root)
    }
}
