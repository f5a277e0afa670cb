import ChainTypes
import Ledger
import RPCServer
import Storage

/// One `tx_search` page over a ledger view: the sender index when the filter names a sender, otherwise
/// a scan of blocks in the height range, both within a budget (`RPCLimits.searchScan*`).
///
/// A page ends when it holds `limit` transactions (the cursor is the last one), when the budget runs out
/// (the cursor is the last position examined, so the next call goes on from there), or at the end of the
/// range (no cursor). Every position up to the cursor has been examined, so pages never skip or repeat.
struct TransactionSearch {
    let view: LedgerView
    let filter: TransactionFilter
    let limit: Int
    /// The heights the filter allows that are committed.
    let lowestHeight: UInt64
    let highestHeight: UInt64
    /// The budget of one call (`RPCLimits.searchScan*`; tests pass small ones).
    let scanBlocksMax: UInt64
    let scanEntriesMax: Int

    init(
        view: LedgerView, filter: TransactionFilter, limit: Int, scanBlocksMax: UInt64 = RPCLimits.searchScanBlocksMax,
        scanEntriesMax: Int = RPCLimits.searchScanEntriesMax
    ) {
        precondition(limit >= 1, "a page holds at least one transaction")
        precondition(scanBlocksMax >= 1 && scanEntriesMax >= 1, "a search reads at least one block or entry")
        self.scanBlocksMax = scanBlocksMax
        self.scanEntriesMax = scanEntriesMax
        self.view = view
        self.filter = filter
        self.limit = limit
        lowestHeight = max(filter.fromHeight ?? 1, 1)
        highestHeight = min(filter.toHeight ?? view.height, view.height)
    }

    func run(after cursor: TransactionCursor?) throws(LedgerError) -> TransactionPage {
        guard lowestHeight <= highestHeight else { return TransactionPage(transactions: [], nextCursor: nil) }
        if let sender = filter.sender { return try searchIndex(of: sender, after: cursor) }
        return try scanBlocks(after: cursor)
    }

    /// Walks the sender index from the cursor (or the start of the range).
    private func searchIndex(of sender: Address, after cursor: TransactionCursor?) throws(LedgerError) -> TransactionPage {
        var position = cursor.map { TransactionLocation(height: $0.height, index: $0.index) }
        if position == nil, lowestHeight > 1 { position = TransactionLocation(height: lowestHeight - 1, index: .max) }
        var found: [CommittedTransaction] = []
        var examined = 0
        var blocks = BlockCache(view: view)
        while examined < scanEntriesMax {
            let chunk = min(256, scanEntriesMax - examined)
            let entries = try view.transactions(sender: sender, after: position, limit: chunk)
            for entry in entries {
                examined += 1
                position = entry.location
                guard entry.location.height <= highestHeight else { return TransactionPage(transactions: found, nextCursor: nil) }
                let block = try blocks.block(at: entry.location.height)
                guard Int(entry.location.index) < block.transactions.count else {
                    throw .corruption("sender index points past block \(entry.location.height)")
                }
                if let match = try match(block.transactions[Int(entry.location.index)], in: block, index: entry.location.index) {
                    found.append(match)
                    if found.count == limit { return TransactionPage(transactions: found, nextCursor: Self.cursor(entry.location)) }
                }
            }
            if entries.count < chunk { return TransactionPage(transactions: found, nextCursor: nil) }
        }
        return TransactionPage(transactions: found, nextCursor: position.map(Self.cursor))
    }

    /// Reads blocks from the cursor (or the start of the range), at most `searchScanBlocksMax` of them.
    private func scanBlocks(after cursor: TransactionCursor?) throws(LedgerError) -> TransactionPage {
        var height = lowestHeight
        if let cursor {
            // Past the range: nothing left. The check also keeps `cursor.height + 1` from overflowing.
            guard cursor.height < highestHeight || (cursor.height == highestHeight && cursor.index != .max) else {
                return TransactionPage(transactions: [], nextCursor: nil)
            }
            height = max(lowestHeight, cursor.index == .max ? cursor.height + 1 : cursor.height)
        }
        var found: [CommittedTransaction] = []
        var blocksRead: UInt64 = 0
        while height <= highestHeight {
            guard blocksRead < scanBlocksMax else {
                return TransactionPage(transactions: found, nextCursor: .endOfBlock(height - 1))
            }
            guard let block = try view.block(at: height) else { throw .corruption("block \(height) is missing") }
            blocksRead += 1
            for (offset, transaction) in block.transactions.enumerated() {
                let index = UInt32(offset)
                if let cursor, TransactionCursor(height: height, index: index) <= cursor { continue }
                guard let match = try match(transaction, in: block, index: index) else { continue }
                found.append(match)
                if found.count == limit {
                    return TransactionPage(transactions: found, nextCursor: TransactionCursor(height: height, index: index))
                }
            }
            height += 1
        }
        return TransactionPage(transactions: found, nextCursor: nil)
    }

    /// The transaction as a result when it passes the filter; its receipt is read only when the rest matches.
    private func match(_ transaction: Transaction, in block: Block, index: UInt32) throws(LedgerError) -> CommittedTransaction? {
        var withoutStatus = filter
        withoutStatus.status = nil
        guard withoutStatus.matches(transaction, height: block.height, status: .success) else { return nil }
        guard let receipt = try view.receipt(height: block.height, index: index) else {
            throw .corruption("block \(block.height) has no receipt \(index)")
        }
        guard filter.status == nil || filter.status == receipt.status else { return nil }
        return CommittedTransaction(
            transaction: transaction, height: block.height, index: index, blockHash: block.hash, status: receipt.status)
    }

    private static func cursor(_ location: TransactionLocation) -> TransactionCursor {
        TransactionCursor(height: location.height, index: location.index)
    }
}

/// The last block read, so consecutive index entries in one block read it once.
struct BlockCache {
    let view: LedgerView
    private var last: Block?

    init(view: LedgerView) {
        self.view = view
    }

    mutating func block(at height: UInt64) throws(LedgerError) -> Block {
        if let last, last.height == height { return last }
        guard let block = try view.block(at: height) else { throw .corruption("block \(height) is missing") }
        last = block
        return block
    }
}
