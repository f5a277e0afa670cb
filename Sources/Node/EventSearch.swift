import ChainTypes
import Ledger
import RPCServer

/// One `events_query` page over a ledger view: a merge of the contract event indexes when the filter
/// names contracts, otherwise a scan of the receipts of blocks in the height range, both within a budget.
///
/// Events come in position order (height, transaction, event), so the cursor (the last position
/// examined, or the last event returned) tells the next call exactly where to go on.
struct EventSearch {
    let view: LedgerView
    let filter: EventFilter
    let limit: Int
    let interfaces: ContractInterfaces
    let lowestHeight: UInt64
    let highestHeight: UInt64
    /// The budget of one call (`RPCLimits.searchScan*`; tests pass small ones).
    let scanBlocksMax: UInt64
    let scanEntriesMax: Int
    /// Blocks' receipts the backend shares between searches (subscriptions read the same new blocks); nil
    /// reads every block's from the view.
    let recentReceipts: RecentByHeight<[Receipt]>?
    /// Index entries read per contract at a time.
    static let chunkEntries = 128

    init(
        view: LedgerView, filter: EventFilter, limit: Int, interfaces: ContractInterfaces,
        scanBlocksMax: UInt64 = RPCLimits.searchScanBlocksMax, scanEntriesMax: Int = RPCLimits.searchScanEntriesMax,
        recentReceipts: RecentByHeight<[Receipt]>? = nil
    ) {
        self.recentReceipts = recentReceipts
        precondition(limit >= 1, "a page holds at least one event")
        precondition(scanBlocksMax >= 1 && scanEntriesMax >= 1, "a search reads at least one block or entry")
        self.scanBlocksMax = scanBlocksMax
        self.scanEntriesMax = scanEntriesMax
        self.view = view
        self.filter = filter
        self.limit = limit
        self.interfaces = interfaces
        lowestHeight = max(filter.fromHeight ?? 1, 1)
        highestHeight = min(filter.toHeight ?? view.height, view.height)
    }

    func run(after cursor: EventCursor?) throws(LedgerError) -> EventPage {
        guard lowestHeight <= highestHeight else { return EventPage(events: [], nextCursor: nil) }
        if !filter.contracts.isEmpty { return try mergeIndexes(after: cursor) }
        return try scanBlocks(after: cursor)
    }

    /// One contract's index, read a chunk at a time.
    private struct IndexStream {
        let contract: Address
        var buffer: [(position: EventPosition, event: IndexedEvent)] = []
        var next = 0
        var after: EventPosition?
        var exhausted = false

        var head: (position: EventPosition, event: IndexedEvent)? { next < buffer.count ? buffer[next] : nil }
    }

    private func mergeIndexes(after cursor: EventCursor?) throws(LedgerError) -> EventPage {
        let start =
            cursor.map { EventPosition(height: $0.height, transactionIndex: $0.transactionIndex, eventIndex: $0.eventIndex) }
            ?? (lowestHeight > 1 ? EventPosition(height: lowestHeight - 1, transactionIndex: .max, eventIndex: .max) : nil)
        var streams = Set(filter.contracts).sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }.map {
            IndexStream(contract: $0, after: start)
        }
        var found: [EventRecord] = []
        var examined = 0
        var lastExamined: EventPosition?
        while true {
            for index in streams.indices where streams[index].head == nil && !streams[index].exhausted {
                try refill(&streams[index])
            }
            guard let chosen = Self.earliest(streams), let (position, entry) = streams[chosen].head else {
                return EventPage(events: found, nextCursor: nil)
            }
            guard position.height <= highestHeight else { return EventPage(events: found, nextCursor: nil) }
            guard examined < scanEntriesMax else { return EventPage(events: found, nextCursor: lastExamined.map(Self.cursor)) }
            streams[chosen].next += 1
            examined += 1
            lastExamined = position
            guard filter.matches(entry.event, height: position.height) else { continue }
            found.append(record(entry.event, at: Self.cursor(position), transactionHash: entry.transactionHash))
            if found.count == limit { return EventPage(events: found, nextCursor: Self.cursor(position)) }
        }
    }

    /// The stream whose next event comes first; nil when every stream is drained.
    private static func earliest(_ streams: [IndexStream]) -> Int? {
        var chosen: Int?
        var earliest: EventPosition?
        for (index, stream) in streams.enumerated() {
            guard let head = stream.head else { continue }
            if let earliest, earliest < head.position { continue }
            chosen = index
            earliest = head.position
        }
        return chosen
    }

    private func refill(_ stream: inout IndexStream) throws(LedgerError) {
        let entries = try view.events(contract: stream.contract, after: stream.after, limit: Self.chunkEntries)
        stream.buffer = entries
        stream.next = 0
        stream.after = entries.last?.position ?? stream.after
        stream.exhausted = entries.count < Self.chunkEntries
    }

    /// Reads receipts from the cursor's block (or the start of the range), at most `searchScanBlocksMax` blocks.
    private func scanBlocks(after cursor: EventCursor?) throws(LedgerError) -> EventPage {
        var height = lowestHeight
        if let cursor {
            let atEnd = cursor.transactionIndex == .max && cursor.eventIndex == .max
            // Past the range: nothing left. The check also keeps `cursor.height + 1` from overflowing.
            guard cursor.height < highestHeight || (cursor.height == highestHeight && !atEnd) else {
                return EventPage(events: [], nextCursor: nil)
            }
            height = max(lowestHeight, atEnd ? cursor.height + 1 : cursor.height)
        }
        var found: [EventRecord] = []
        var blocksRead: UInt64 = 0
        while height <= highestHeight {
            guard blocksRead < scanBlocksMax else { return EventPage(events: found, nextCursor: .endOfBlock(height - 1)) }
            blocksRead += 1
            for (transactionOffset, receipt) in try receipts(height).enumerated() {
                for (eventOffset, event) in receipt.events.enumerated() {
                    let position = EventCursor(height: height, transactionIndex: UInt32(transactionOffset), eventIndex: UInt16(eventOffset))
                    if let cursor, position <= cursor { continue }
                    guard filter.matches(event, height: height) else { continue }
                    found.append(record(event, at: position, transactionHash: receipt.transactionHash))
                    if found.count == limit { return EventPage(events: found, nextCursor: position) }
                }
            }
            height += 1
        }
        return EventPage(events: found, nextCursor: nil)
    }

    /// The receipts of the block at `height` (within the view's range), kept in `recentReceipts` once read.
    private func receipts(_ height: UInt64) throws(LedgerError) -> [Receipt] {
        guard let recentReceipts else { return try view.receipts(height: height) }
        return try recentReceipts.value(at: height) { () throws(LedgerError) in try view.receipts(height: height) } ?? []
    }

    private func record(_ event: Event, at position: EventCursor, transactionHash: Hash) -> EventRecord {
        EventRecord(
            event: event, position: position, transactionHash: transactionHash, decoded: DecodedJSON.event(event, interfaces: interfaces))
    }

    static func cursor(_ position: EventPosition) -> EventCursor {
        EventCursor(height: position.height, transactionIndex: position.transactionIndex, eventIndex: position.eventIndex)
    }
}
