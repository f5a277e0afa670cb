import ChainTypes
import RPCServer
import Testing

@Suite("RPCJSON representation rules")
struct RPCJSONTests {
    @Test(
        "u64: a number up to 2^53 - 1, a decimal string above",
        arguments: [
            (UInt64(0), JSONValue.number(0)),
            (RPCLimits.jsonSafeIntegerMax, .number(9_007_199_254_740_991)),
            (RPCLimits.jsonSafeIntegerMax + 1, .string("9007199254740992")),
            (UInt64.max, .string("18446744073709551615")),
        ])
    func uint64Output(value: UInt64, expected: JSONValue) {
        #expect(RPCJSON.uint64(value) == expected)
        #expect(RPCJSON.uint64(from: expected) == value)
    }

    @Test(
        "u64 input accepts numbers and decimal strings and nothing else",
        arguments: [
            ("7", UInt64?.some(7)), (#""7""#, 7), ("18446744073709551615", .max), (#""18446744073709551615""#, .max),
            ("18446744073709551616", nil), ("-1", nil), ("1.0", nil), ("1e2", nil), (#""07""#, nil), (#""""#, nil),
            (#""+7""#, nil), (#"" 7""#, nil), ("true", nil), ("null", nil), ("[7]", nil),
        ])
    func uint64Input(text: String, expected: UInt64?) {
        #expect(RPCJSON.uint64(from: json(text)) == expected)
    }

    @Test("chain_getGenesis's document, saved as a file, is a genesis document with the hash it reports (endpoints included)")
    func genesisDocumentHashesToItsHash() throws {
        var genesis = Fixtures.genesis
        genesis.consensus.blockFuelMax = 1_000_000_000_000  // below 2^53: numbers stay JSON numbers
        genesis.consensus.transactionFuelMax = 100_000_000_000
        for index in genesis.validators.indices { genesis.validators[index].endpoints = ["127.0.0.1:\(26_600 + index)"] }
        let rendered = RPCJSON.genesis(genesis)
        guard case .object(let object) = rendered, let document = object["document"], let hash = object["hash"] else {
            Issue.record("no document or hash in \(rendered)")
            return
        }
        let loaded = try Genesis.load(json: document.serialized())
        #expect(loaded.hash == genesis.hash && hash == RPCJSON.hash(genesis.hash), "the document hashes to the hash it reports")
        #expect(loaded.validators.map(\.endpoints) == genesis.validators.map(\.endpoints))
    }

    @Test("hashes, addresses and bytes are 0x + lowercase hex; input requires the prefix and accepts either case")
    func hex() {
        let hash = Fixtures.hash(0xab)
        #expect(RPCJSON.hash(hash) == .string("0x" + String(repeating: "ab", count: 32)))
        #expect(RPCJSON.hash(from: .string("0x" + String(repeating: "AB", count: 32))) == hash)
        #expect(RPCJSON.hash(from: .string(String(repeating: "ab", count: 32))) == nil)
        #expect(RPCJSON.hash(from: .string("0X" + String(repeating: "ab", count: 32))) == nil)
        #expect(RPCJSON.address(Fixtures.address(0x0f)) == .string("0x" + String(repeating: "0f", count: 20)))
        #expect(RPCJSON.bytes([]) == .string("0x"))
        #expect(RPCJSON.bytes(from: .string("0x"), maxBytes: 4) == [])
        #expect(RPCJSON.bytes(from: .string("0x0102030405"), maxBytes: 4) == nil)
        #expect(RPCJSON.bytes(from: .string("0x010"), maxBytes: 4) == nil)
    }

    @Test("a receipt's error message is null on success and text otherwise")
    func receiptErrorMessage() {
        var committed = Fixtures.receipt
        #expect(RPCJSON.receipt(committed)["errorMessage"] == .null)
        committed.receipt.status = .reverted
        committed.receipt.errorMessage = "licence already revoked"
        #expect(RPCJSON.receipt(committed)["errorMessage"] == .string("licence already revoked"))
        #expect(RPCJSON.receipt(committed)["status"] == .string("reverted"))
    }

    @Test("every rejection reason's data carries its code, then each of its values by name")
    func rejectionReasons() throws {
        for reason in TransactionRejection.Reason.allCases {
            let rejection = TransactionRejection.sample(reason)
            guard case .object(let data) = rejection.data else {
                Issue.record("\(reason): data is not an object")
                continue
            }
            #expect(data.members.map(\.key) == ["reason"] + rejection.details.map(\.name))
            #expect(data.members.first?.value == .string(reason.rawValue))
            #expect(rejection.message == "Transaction rejected: \(rejection)")
        }
        #expect(Set(TransactionRejection.reasons).count == TransactionRejection.Reason.allCases.count)
    }

    @Test("a block's transactions appear in the requested detail")
    func blockDetail() {
        let block = Fixtures.block(height: 2)
        #expect(RPCJSON.block(block, transactions: .none)["transactions"] == nil)
        #expect(RPCJSON.block(block, transactions: .hashes)["transactions"] == .array(block.transactions.map { RPCJSON.hash($0.hash) }))
        #expect(RPCJSON.block(block, transactions: .full)["transactions"]?.elements?.first?["nonce"] == .number(20))
        #expect(RPCJSON.block(Fixtures.block(height: 1), transactions: .none)["lastCommit"] == .null)
    }
}
