import ChainTypes
import Testing

@testable import RPCServer

/// The limits fit together (STYLE.md "Limits").
@Suite("RPC limits")
struct RPCLimitsTests {
    @Test("the default body holds a tx_send request for the largest transaction")
    func bodyHoldsLargestTransaction() {
        let envelope = #"{"jsonrpc":"2.0","method":"tx_send","params":[""],"id":1}"#.utf8.count
        #expect(RPCLimits.transactionHexCharactersMax + envelope < RPCLimits.requestBodyBytesMaxDefault)
    }

    @Test("the default body holds a full batch of small requests")
    func bodyHoldsBatch() {
        let request = #"{"jsonrpc":"2.0","method":"chain_getBlockByHeight","params":[18446744073709551615,"full"],"id":1000},"#
        #expect(request.utf8.count * RPCLimits.batchRequestsMaxDefault < RPCLimits.requestBodyBytesMaxDefault)
    }

    @Test("2^53 - 1 is the largest integer a double holds exactly with its neighbours")
    func safeInteger() {
        #expect(RPCLimits.jsonSafeIntegerMax == 9_007_199_254_740_991)
        let next = Double(RPCLimits.jsonSafeIntegerMax + 1)
        #expect(next == Double(RPCLimits.jsonSafeIntegerMax + 2))
    }

    @Test("page, scan and wait limits fit together")
    func explorerLimits() {
        #expect(1 <= RPCLimits.pageItemsDefault && RPCLimits.pageItemsDefault <= RPCLimits.pageItemsMax)
        // A scan budget smaller than a page would end every full page early.
        #expect(RPCLimits.pageItemsMax <= RPCLimits.searchScanEntriesMax)
        #expect(RPCLimits.searchScanBlocksMax >= 1)
        #expect(RPCLimits.sendAndWaitTimeoutMsDefault <= RPCLimits.sendAndWaitTimeoutMsMax)
        #expect(RPCLimits.sendAndWaitPollIntervalMs < RPCLimits.sendAndWaitTimeoutMsDefault)
        // A waiting call must finish before its keep-alive connection is closed as idle.
        let idle = RPCServerConfiguration().connectionIdleTimeout
        #expect(Duration.milliseconds(Int64(RPCLimits.sendAndWaitTimeoutMsMax)) < idle)
    }

    @Test("each open WebSocket connection gets an even share of the backlog bytes, never below the floor")
    func backlogShares() {
        let connections = WebSocketConnections(connectionsMax: 8, backlogBytesTotal: 1 << 20)
        #expect(connections.backlogShare() == 1 << 20, "no connection open: the whole total")
        for _ in 0..<4 { #expect(connections.open()) }
        #expect(connections.backlogShare() == 1 << 18)
        connections.close()
        #expect(connections.backlogShare() == (1 << 20) / 3)
        let many = WebSocketConnections(connectionsMax: 1_000, backlogBytesTotal: 1 << 20)
        for _ in 0..<1_000 { #expect(many.open()) }
        #expect(many.backlogShare() == RPCLimits.webSocketBacklogShareBytesMin)
    }

    @Test("WebSocket limits fit together")
    func webSocketLimits() {
        // Every subscription id the server writes ("0x" + hex of a 64-bit counter) is accepted by unsubscribe.
        #expect(("0x" + String(UInt64.max, radix: 16)).utf8.count <= RPCLimits.subscriptionIdCharactersMax)
        // A backlog holds a whole page of a replay and a response as large as the largest request.
        #expect(RPCLimits.webSocketBacklogMessagesMaxDefault >= 2 * max(RPCLimits.pageItemsMax, RPCLimits.headersMax))
        #expect(RPCLimits.webSocketBacklogBytesMaxDefault >= RPCLimits.requestBodyBytesMaxDefault)
        // All backlogs together hold at most an eighth of a node's 1 GiB; one connection alone gets its whole
        // bound, and every connection's floor fits inside the total.
        #expect(RPCLimits.webSocketBacklogBytesTotalDefault <= (1 << 30) / 8)
        #expect(RPCLimits.webSocketBacklogBytesTotalDefault >= RPCLimits.webSocketBacklogBytesMaxDefault)
        let floors = RPCLimits.webSocketBacklogShareBytesMin * RPCLimits.webSocketConnectionsMaxDefault
        #expect(floors <= RPCLimits.webSocketBacklogBytesTotalDefault)
        // One frame holds a tx_send of the largest transaction, and frames in transit on every connection at
        // most a fifth of a node's memory budget of 1 GiB.
        let envelope = #"{"jsonrpc":"2.0","method":"tx_send","params":[""],"id":1}"#.utf8.count
        #expect(RPCLimits.transactionHexCharactersMax + envelope <= RPCLimits.webSocketFrameBytesMax)
        #expect(RPCLimits.webSocketFrameBytesMax <= RPCLimits.requestBodyBytesMaxDefault)
        #expect(RPCLimits.webSocketFrameBytesMax * RPCLimits.webSocketConnectionsMaxDefault <= (1 << 30) / 5)
        #expect(RPCLimits.subscriptionsPerConnectionMaxDefault >= 1 && RPCLimits.webSocketStalledBlocksMaxDefault >= 1)
        // A waiting tx_sendAndWait still looks for its receipt several times per wait when blocks are announced.
        #expect(RPCLimits.sendAndWaitAnnouncedPollIntervalMs * 4 <= RPCLimits.sendAndWaitTimeoutMsDefault)
        // The slow-client close reason fits a close frame even for the largest block count.
        #expect("client too slow: backlog unread for \(UInt64.max) blocks".utf8.count <= RPCLimits.closeReasonBytesMax)
    }

    @Test("protection limits fit together: a full batch of lookups fits every budget, and one full block fits a response")
    func protectionLimits() {
        // A full batch of ordinary calls passes the rate burst and the block budget.
        #expect(RPCLimits.clientRequestsBurstDefault >= RPCLimits.batchRequestsMaxDefault)
        #expect(RPCLimits.batchBlocksMaxDefault >= UInt64(RPCLimits.batchRequestsMaxDefault) * RPCCost.lookup.blocks)
        // One unindexed search, one full headers range and one contract call each fit a request on their own.
        #expect(RPCLimits.batchBlocksMaxDefault >= RPCCost.search.blocks)
        #expect(RPCLimits.batchBlocksMaxDefault >= UInt64(RPCLimits.headersMax))
        #expect(RPCLimits.batchFuelMaxDefault >= RPCCost.contractQuery.fuel)
        // The largest block with full transactions as JSON (hex doubles its bytes) fits one response.
        #expect(RPCLimits.responseBytesMaxDefault >= 3 * Limits.blockBytesMax)
        #expect(RPCLimits.clientRequestsPerSecondDefault >= 1 && RPCLimits.clientConcurrentRequestsMaxDefault >= 1)
        #expect(RPCLimits.apiTokenBytesMin <= RPCLimits.apiTokenBytesMax)
        #expect(RPCLimits.workThreadsDefault >= 1 && RPCLimits.workAdmissionsMaxDefault >= RPCLimits.clientConcurrentRequestsMaxDefault)
    }

    @Test("a transaction over the size limit is -32004, not decoded")
    func oversizeTransaction() async throws {
        let hex = "0x" + String(repeating: "00", count: Limits.transactionBytesMax + 1)
        let response = try #require(
            try await EngineHarness().send(#"{"jsonrpc": "2.0", "method": "tx_send", "params": ["\#(hex)"], "id": 1}"#))
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["limit"] == .number(Limits.transactionBytesMax))
    }
}
