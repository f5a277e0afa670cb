import Testing

@testable import RPCServer

/// The backlog and slow-client rules of one connection, without sockets.
@Suite("WebSocket session state")
struct WebSocketSessionStateTests {
    static let limits = WebSocketSessionState.Limits(
        backlogMessagesMax: 4, backlogBytesMax: 1 << 20, subscriptionsMax: 2, stalledBlocksMax: 3)

    func queueNotifications(_ state: inout WebSocketSessionState, _ key: UInt64, count: Int, head: UInt64) -> [WebSocketSessionState
        .Admission]
    {
        (0..<count).map { index in state.enqueueNotification(key, .result(.number(index)), cursor: "c\(index)", head: head) }
    }

    @Test("producers wait once the backlog is full and may queue again only when half of it is sent")
    func backpressureWithHysteresis() {
        var state = WebSocketSessionState(limits: Self.limits)
        let key = state.addSubscription(startCursor: "start")!.key
        #expect(queueNotifications(&state, key, count: 5, head: 10) == [.queued, .queued, .queued, .queued, .wait])
        #expect(state.isFull && state.fullSinceHeight == 10)
        _ = state.nextWriterStep()
        #expect(state.isFull, "one sent message is not half the backlog")
        let waiting = state.enqueueResponse([1], head: 10)
        #expect(waiting == .wait)
        _ = state.nextWriterStep()
        #expect(!state.isFull)
        let queued = state.enqueueResponse([1], head: 11)
        #expect(queued == .queued)
    }

    @Test("a share of the server's backlog bytes smaller than the connection's own bound fills the backlog, and half of it frees it")
    func shareOfTheServersBacklog() {
        var state = WebSocketSessionState(limits: Self.limits)
        state.backlogShareBytes = 100
        #expect(state.backlogBytesMaxNow == 100)
        let sixty = [UInt8](repeating: 7, count: 60)
        #expect(state.enqueueResponse(sixty, head: 5) == .queued)
        #expect(state.enqueueResponse(sixty, head: 5) == .queued, "under the share before it, so it is queued whole")
        #expect(state.enqueueResponse(sixty, head: 5) == .wait)
        #expect(state.isFull && state.fullSinceHeight == 5)
        // A larger share later does not free it: producers wait for half of the bound in force when it filled.
        state.backlogShareBytes = 1 << 30
        #expect(state.backlogBytesMaxNow == Self.limits.backlogBytesMax, "never above the connection's own bound")
        _ = state.nextWriterStep()
        #expect(state.isFull, "60 bytes queued of a bound of 100 is more than half")
        _ = state.nextWriterStep()
        #expect(!state.isFull)
    }

    @Test("sequence numbers count 1, 2, 3 per subscription; unsubscribe drops its queued notifications")
    func sequencesAndUnsubscribe() throws {
        var state = WebSocketSessionState(limits: Self.limits)
        let first = state.addSubscription(startCursor: "s1")!
        let second = state.addSubscription(startCursor: "s2")!
        #expect(state.addSubscription(startCursor: "s3") == nil, "over subscriptionsMax")
        _ = queueNotifications(&state, first.key, count: 2, head: 1)
        _ = queueNotifications(&state, second.key, count: 1, head: 1)
        let removed = state.unsubscribe(second.key)
        let removedAgain = state.unsubscribe(second.key)
        #expect(removed && !removedAgain)
        var sequences: [JSONValue?] = []
        while case .write(let bytes) = state.nextWriterStep() {
            sequences.append(try JSONParser.parse(bytes)["params"]?["sequence"])
        }
        #expect(sequences == [.number(1), .number(2)])
        #expect(state.subscriptions[first.key]?.lastSentSequence == 2 && state.subscriptions[first.key]?.lastSentCursor == "c1")
    }

    @Test(
        "a backlog full for more than stalledBlocksMax finalized blocks makes the client too slow",
        arguments: [(head: UInt64(12), slow: false), (head: 13, slow: false), (head: 14, slow: true)])
    func stalledBacklog(head: UInt64, slow: Bool) throws {
        var state = WebSocketSessionState(limits: Self.limits)
        let key = state.addSubscription(startCursor: "start")!.key
        _ = queueNotifications(&state, key, count: 5, head: 10)
        guard case .write = state.nextWriterStep() else { Issue.record("nothing to write"); return }
        let verdict = state.headAdvanced(to: head)
        #expect(verdict == slow)
        guard slow else {
            #expect(state.phase == .open)
            return
        }
        guard case .write(let farewell) = state.nextWriterStep() else { Issue.record("no farewell"); return }
        let params = try JSONParser.parse(farewell)["params"]
        #expect(params?["error"]?["code"] == .number(-32006))
        #expect(params?["sequence"] == .number(2), "the farewell follows the last notification sent")
        #expect(params?["cursor"] == .string("c0"))
        #expect(params?["error"]?["data"]?["lastCursor"] == .string("c0"))
        #expect(params?["error"]?["data"]?["unsentMessages"] == .number(3))
        guard case .close(let code, _) = state.nextWriterStep() else { Issue.record("no close"); return }
        #expect(code == 1008)
        let last = state.nextWriterStep()
        #expect(last == .finished)
    }

    @Test("a backlog that drains to half between blocks is never slow, however long it runs")
    func drainingBacklogIsNotSlow() {
        var state = WebSocketSessionState(limits: Self.limits)
        let key = state.addSubscription(startCursor: "start")!.key
        for head in UInt64(1)...100 {
            _ = queueNotifications(&state, key, count: 5, head: head)
            for _ in 0..<3 { _ = state.nextWriterStep() }
            let slow = state.headAdvanced(to: head + 1)
            #expect(!slow)
        }
    }
}
