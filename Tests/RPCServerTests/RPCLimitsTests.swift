import ChainTypes
import RPCServer
import Testing

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

    @Test("a transaction over the size limit is -32004, not decoded")
    func oversizeTransaction() async throws {
        let hex = "0x" + String(repeating: "00", count: Limits.transactionBytesMax + 1)
        let response = try #require(
            try await EngineHarness().send(#"{"jsonrpc": "2.0", "method": "tx_send", "params": ["\#(hex)"], "id": 1}"#))
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["limit"] == .number(Limits.transactionBytesMax))
    }
}
