import ChainTypes
import Testing

@testable import RPCServer

/// What a subscription reads per page while it replays: it holds a page until its connection's backlog has
/// room, over every subscription of every connection, so pages are small.
@Suite("Subscription replay pages")
struct SubscriptionFeedTests {
    @Test("a newHeads replay reads 16 headers a page and resumes after the last one")
    func headerPages() async throws {
        let backend = FakeBackend()
        let head = await backend.appendBlocks(40)
        var feed = SubscriptionFeed(topic: .newHeads, position: .height(0))
        var heights: [String] = []
        var pages = 0
        while true {
            let page = try await feed.next(head: head, backend: backend)
            #expect(page.items.count <= RPCLimits.subscriptionPageItemsMax)
            heights += page.items.map(\.cursor)
            pages += 1
            if page.complete { break }
        }
        #expect(heights == (1...head).map { HeightCursor(height: $0).encoded }, "every header once, in order")
        #expect(pages == Int((head + UInt64(RPCLimits.subscriptionPageItemsMax) - 1) / UInt64(RPCLimits.subscriptionPageItemsMax)))
    }

    @Test("an events replay cuts a page at its bytes: large events come one or two a page, and none is skipped")
    func eventPagesByBytes() async throws {
        let backend = FakeBackend()
        let before = await backend.events.count
        var head: UInt64 = 0
        for _ in 0..<5 { head = await backend.appendBlock(events: ["Big", "Big", "Big"], dataBytes: Limits.eventDataBytesMax) }
        let start = EventCursor(height: 0, transactionIndex: 0, eventIndex: 0)
        var feed = SubscriptionFeed(topic: .events(EventFilter(topics: ["Big"])), position: .event(start))
        var cursors: [String] = []
        while true {
            let page = try await feed.next(head: head, backend: backend)
            let bytes = page.items.count * RPCLimits.eventPageBytes(dataBytes: Limits.eventDataBytesMax)
            #expect(page.items.count == 1 || bytes <= RPCLimits.subscriptionPageBytesMax, "\(page.items.count) large events in one page")
            cursors += page.items.map(\.cursor)
            if page.complete { break }
        }
        let expected = await backend.events.dropFirst(before).map(\.position.encoded)
        #expect(cursors == Array(expected), "every event once, in order")
        #expect(cursors.count == 15)
    }

    @Test("small events fill a page of 16")
    func smallEventPages() {
        let record = EventRecord(
            event: Event(contract: Fixtures.contract, topic: "T", data: [1, 2, 3]),
            position: EventCursor(height: 1, transactionIndex: 0, eventIndex: 0), transactionHash: Fixtures.hash(1), decoded: nil)
        let records = Array(repeating: record, count: RPCLimits.subscriptionPageItemsMax)
        #expect(SubscriptionFeed.eventsWithinPageBytes(records) == records.count)
        #expect(SubscriptionFeed.eventsWithinPageBytes([]) == 0)
    }
}
