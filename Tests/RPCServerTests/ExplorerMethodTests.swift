import ChainTypes
import RPCServer
import Testing

/// Behaviour of the explorer methods that one golden response cannot show: walking pages with cursors,
/// waiting for a receipt, and cursors that clients must treat as opaque.
@Suite("Explorer methods")
struct ExplorerMethodTests {
    /// Calls `method` with named `params` and returns the result, failing the test on an error response.
    static func result(_ harness: EngineHarness, _ method: String, _ params: String) async throws -> JSONValue {
        let response = try #require(try await harness.send(#"{"jsonrpc": "2.0", "method": "\#(method)", "params": \#(params), "id": 1}"#))
        return try #require(response["result"], "\(method) failed: \(response.serializedText)")
    }

    /// Follows `nextCursor` from the first page to the last, returning every page's items.
    static func walk(_ method: String, filter: String, items: String, limit: Int) async throws -> (pages: Int, items: [JSONValue]) {
        let harness = EngineHarness()
        var cursor: JSONValue = .null
        var collected: [JSONValue] = []
        var pages = 0
        repeat {
            let page = try await result(
                harness, method, #"{"filter": \#(filter), "cursor": \#(cursor.serializedText), "limit": \#(limit)}"#)
            pages += 1
            collected += try #require(page[items]?.elements)
            cursor = page["nextCursor"] ?? .null
            try #require(pages <= 20, "the cursor never ran out")
        } while cursor != .null
        return (pages, collected)
    }

    @Test("tx_search pages through every match once, in chain order", arguments: [1, 2, 4, 100])
    func transactionPages(limit: Int) async throws {
        let (pages, items) = try await Self.walk(
            "tx_search", filter: #"{"sender": "\#(Fixtures.address(0xa1))"}"#, items: "transactions", limit: limit)
        let expected = (1...3).flatMap { height in Fixtures.block(height: UInt64(height)).transactions.map { RPCJSON.hash($0.hash) } }
        #expect(items.map { $0["transaction"]?["hash"] } == expected)
        #expect(pages == (expected.count + limit - 1) / limit)
    }

    @Test("tx_search with a height range returns only that range")
    func transactionRange() async throws {
        let (_, items) = try await Self.walk("tx_search", filter: #"{"fromHeight": 2, "toHeight": 2}"#, items: "transactions", limit: 1)
        #expect(items.map { $0["height"] } == [.number(2), .number(2)])
    }

    @Test("events_query pages through one contract's events, in position order", arguments: [1, 2, 3])
    func eventPages(limit: Int) async throws {
        let (_, items) = try await Self.walk(
            "events_query", filter: #"{"contracts": ["\#(Fixtures.contract)"]}"#, items: "events", limit: limit)
        #expect(items.map { $0["topic"]?.text } == ["LicenceIssued", "LicenceRenewed", "LicenceSuspended"])
    }

    @Test("events_query without a contract filter sees every contract")
    func eventPagesAllContracts() async throws {
        let (_, items) = try await Self.walk("events_query", filter: "{}", items: "events", limit: 2)
        #expect(items.count == Fixtures.events.count)
        #expect(Set(items.compactMap { $0["contract"]?.text }).count == 2)
    }

    @Test("governance_getProposals pages newest first")
    func proposalPages() async throws {
        let harness = EngineHarness()
        let first = try await Self.result(harness, "governance_getProposals", #"{"limit": 2}"#)
        #expect(first["proposals"]?.elements?.map { $0["id"] } == [.number(3), .number(2)])
        let cursor = try #require(first["nextCursor"])
        let second = try await Self.result(harness, "governance_getProposals", #"{"cursor": \#(cursor.serializedText), "limit": 2}"#)
        #expect(second["proposals"]?.elements?.map { $0["id"] } == [.number(1)])
        #expect(second["nextCursor"] == .null)
    }

    @Test("tx_sendAndWait keeps polling until the receipt appears")
    func sendAndWaitPolls() async throws {
        let harness = EngineHarness()
        await harness.backend.setCommitAfterPolls(2)
        let hex = "0x" + Hex.encode(Fixtures.transaction(nonce: 7).canonicalBytes)
        // The harness runs the wait on virtual time, so only the poll count decides; the receipt ends it early.
        let receipt = try await Self.result(harness, "tx_sendAndWait", #"["\#(hex)", \#(RPCLimits.sendAndWaitTimeoutMsMax)]"#)
        #expect(receipt["transactionHash"] == RPCJSON.hash(Fixtures.transaction(nonce: 7).hash))
        // One look before submitting, then three polls: two without the receipt and the one that finds it.
        #expect(await harness.backend.receiptPolls == 4)
        #expect(await harness.backend.submitted.count == 1)
    }

    @Test("tx_sendAndWait returns an existing receipt without submitting again")
    func sendAndWaitCommitted() async throws {
        let harness = EngineHarness()
        let committed = Fixtures.block(height: 2).transactions[0]
        let receipt = try await Self.result(harness, "tx_sendAndWait", #"["0x\#(Hex.encode(committed.canonicalBytes))"]"#)
        #expect(receipt["height"] == .number(2))
        #expect(await harness.backend.submitted.isEmpty)
    }

    @Test("tx_sendAndWait returns the receipt when a block committed the transaction during its submission")
    func sendAndWaitCommittedMeanwhile() async throws {
        let harness = EngineHarness()
        await harness.backend.setCommitsDuringSubmission(true)
        let transaction = Fixtures.transaction(nonce: 7)
        let receipt = try await Self.result(harness, "tx_sendAndWait", #"["0x\#(Hex.encode(transaction.canonicalBytes))"]"#)
        #expect(receipt["transactionHash"] == RPCJSON.hash(transaction.hash))
        #expect(await harness.backend.submitted.count == 1)
    }

    @Test("tx_sendAndWait still refuses a used nonce when no block holds this transaction")
    func sendAndWaitNonceUsedByAnother() async throws {
        let harness = EngineHarness()
        let transaction = Fixtures.transaction(nonce: 7)
        await harness.backend.setSubmissionOutcome(.rejected(.nonceTooLow(expected: 9, received: 7)))
        let response = try #require(
            try await harness.send(
                #"{"jsonrpc": "2.0", "method": "tx_sendAndWait", "params": ["0x\#(Hex.encode(transaction.canonicalBytes))"], "id": 1}"#))
        #expect(response["error"]?["code"] == .number(-32000))
        #expect(response["error"]?["data"]?["reason"] == .string("nonceTooLow"))
        #expect(await harness.backend.submitted.count == 1)
    }

    @Test("cursors round-trip, and a cursor of one kind is refused by the other")
    func cursors() {
        let transaction = TransactionCursor(height: RPCLimits.jsonSafeIntegerMax + 5, index: 7)
        #expect(TransactionCursor(encoded: transaction.encoded) == transaction)
        #expect(EventCursor(encoded: transaction.encoded) == nil)
        let event = EventCursor(height: 9, transactionIndex: .max, eventIndex: 3)
        #expect(EventCursor(encoded: event.encoded) == event)
        #expect(TransactionCursor(encoded: event.encoded) == nil)
        #expect(TransactionCursor(encoded: "") == nil)
        #expect(TransactionCursor(encoded: "zz" + String(transaction.encoded.dropFirst(2))) == nil)
        #expect(transaction.encoded.utf8.count <= RPCLimits.cursorCharactersMax)
        #expect(event.encoded.utf8.count <= RPCLimits.cursorCharactersMax)
    }

    @Test("a backend failure in an explorer method is -32603 without the detail", arguments: ["tx_search", "events_query", "node_peers"])
    func backendFailure(method: String) async throws {
        let harness = EngineHarness()
        await harness.backend.setFailure("disk on fire")
        let response = try #require(try await harness.send(#"{"jsonrpc": "2.0", "method": "\#(method)", "id": 1}"#))
        #expect(response.errorCode == -32603)
        #expect(!response.serializedText.contains("disk on fire"))
    }
}
