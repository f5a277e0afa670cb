import ChainTypes
import Foundation
import Testing

@Suite("Genesis documents")
struct GenesisTests {
    static let exampleURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Genesis/example.json")

    static func exampleJSON() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: exampleURL)) as! [String: Any]
    }

    static func load(_ object: [String: Any]) throws(GenesisError) -> Genesis {
        let data = try! JSONSerialization.data(withJSONObject: object)
        return try Genesis.load(json: Array(data))
    }

    @Test("the example genesis loads and yields four validators")
    func exampleLoads() throws {
        let genesis = try Genesis.load(json: Array(Data(contentsOf: Self.exampleURL)))
        #expect(genesis.chainId == "sbp-example")
        let validators = try genesis.validatorSet()
        #expect(validators.count == 4)
        #expect(validators.quorum == 3)
        #expect(genesis.departments.map(\.id) == ["TD", "IMMD", "EPD", "DH"])
    }

    @Test("a new network's default parameters are the example genesis's and pass their own checks")
    func defaultsAreTheExamples() throws {
        let genesis = try Genesis.load(json: Array(Data(contentsOf: Self.exampleURL)))
        #expect(Genesis.ConsensusParameters.defaults == genesis.consensus)
        #expect(Genesis.GovernanceParameters.defaults == genesis.governance)
        try Genesis.ConsensusParameters.defaults.validate()
        try Genesis.GovernanceParameters.defaults.validate()
    }

    @Test("the standard contracts' addresses derive from their names alone")
    func standardContractAddresses() throws {
        let genesis = try Genesis.load(json: Array(Data(contentsOf: Self.exampleURL)))
        #expect(!genesis.contracts.isEmpty)
        for contract in genesis.contracts {
            #expect(StandardContracts.address(name: contract.name) == contract.address, "\(contract.name)")
        }
        #expect(StandardContracts.address(name: "a") != StandardContracts.address(name: "b"))
    }

    @Test("the genesis hash ignores JSON formatting but not content")
    func hashIsCanonical() throws {
        let object = try Self.exampleJSON()
        let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        let compact = try JSONSerialization.data(withJSONObject: object)
        let a = try Genesis.load(json: Array(pretty))
        let b = try Genesis.load(json: Array(compact))
        #expect(a.hash == b.hash)
        var changed = object
        changed["genesisTimeMs"] = 1
        #expect(try Self.load(changed).hash != a.hash)
    }

    /// Each mutation of the example and the field its error must name.
    static let invalidCases: [(String, @Sendable (inout [String: Any]) -> Void, String)] = [
        ("missing chain id", { $0.removeValue(forKey: "chainId") }, "chainId"),
        ("chain id with spaces", { $0["chainId"] = "sbp main" }, "chainId"),
        ("no departments", { $0["departments"] = [] as [Any] }, "departments"),
        ("bad admin key", { doc in editArray(&doc, "departments", 1) { $0["adminKeys"] = ["04abcd"] } }, "departments[1].adminKeys[0]"),
        ("duplicate department", { doc in editArray(&doc, "departments", 1) { $0["id"] = "TD" } }, "departments[1].id"),
        ("CA not PEM", { doc in editArray(&doc, "departments", 2) { $0["caCertificate"] = "hello" } }, "departments[2].caCertificate"),
        (
            "validator of unknown department", { doc in editArray(&doc, "validators", 3) { $0["department"] = "XX" } },
            "validators[3].department"
        ),
        (
            "validator key wrong type", { doc in editArray(&doc, "validators", 0) { $0["consensusPublicKey"] = 7 } },
            "validators[0].consensusPublicKey"
        ),
        (
            "validator key not hex", { doc in editArray(&doc, "validators", 2) { $0["consensusPublicKey"] = "xyz" } },
            "validators[2].consensusPublicKey"
        ),
        (
            "validator endpoint without a port", { doc in editArray(&doc, "validators", 1) { $0["endpoints"] = ["10.0.0.2"] } },
            "validators[1].endpoints"
        ),
        (
            "five validator endpoints", { doc in editArray(&doc, "validators", 0) { $0["endpoints"] = (1...5).map { "a:\($0)" } } },
            "validators[0].endpoints"
        ),
        ("bad account address", { doc in editArray(&doc, "accounts", 0) { $0["address"] = "0x12" } }, "accounts[0].address"),
        ("unknown role", { doc in editArray(&doc, "accounts", 1) { $0["roles"] = ["king"] } }, "accounts[1].roles[0]"),
        ("window below 2K", { doc in editObject(&doc, "consensus") { $0["watermarkWindow"] = 10 } }, "consensus.watermarkWindow"),
        ("threshold above 1", { doc in editObject(&doc, "governance") { $0["thresholdNumerator"] = 4 } }, "governance.thresholdNumerator"),
    ]

    @Test("a malformed genesis is an error naming the field", arguments: invalidCases.indices)
    func invalidGenesis(_ index: Int) throws {
        let (name, mutate, field) = Self.invalidCases[index]
        let error = try #require(try Self.refusal(mutate), "\(name): accepted")
        #expect(error.field == field, "\(name): \(error)")
    }

    /// The error loading the example with `mutate` applied, or nil when it loads.
    static func refusal(_ mutate: (inout [String: Any]) -> Void) throws -> GenesisError? {
        var object = try exampleJSON()
        mutate(&object)
        do {
            _ = try load(object)
            return nil
        } catch {
            return error
        }
    }

    /// Numbers that are well-formed JSON but not unsigned integers, and the field each error must name.
    static let numberCases: [(String, @Sendable (inout [String: Any]) -> Void, String, String)] = [
        ("negative", { doc in editObject(&doc, "consensus") { $0["tickMs"] = -1 } }, "consensus.tickMs", "negative"),
        (
            "fraction", { doc in editObject(&doc, "governance") { $0["proposalLifetimeBlocks"] = 2.5 } },
            "governance.proposalLifetimeBlocks", "whole"
        ),
        ("above 2^64 - 1", { $0["genesisTimeMs"] = NSDecimalNumber(string: "18446744073709551616") }, "genesisTimeMs", "too large"),
        ("above 2^32 - 1 in a 32-bit field", { $0["protocolVersion"] = 1 << 40 }, "$", "32-bit"),
    ]

    @Test("a number that does not fit its field is an error naming it", arguments: numberCases.indices)
    func numberOutOfRange(_ index: Int) throws {
        let (name, mutate, field, reason) = Self.numberCases[index]
        let error = try #require(try Self.refusal(mutate), "\(name): accepted")
        #expect(error.field == field, "\(name): \(error)")
        #expect(error.reason.contains(reason), "\(name): \(error)")
    }

    @Test("input that is not JSON is an error, not a crash")
    func notJSON() {
        #expect(throws: GenesisError.self) { try Genesis.load(json: Array("{\"chainId\":".utf8)) }
        #expect(throws: GenesisError.self) { try Genesis.load(json: [0xff, 0xfe]) }
        let nested = Array((String(repeating: "[", count: 600) + String(repeating: "]", count: 600)).utf8)
        #expect(throws: GenesisError.self) { try Genesis.load(json: nested) }
        do {
            _ = try Genesis.load(json: Array("{\"chainId\":".utf8))
        } catch {
            #expect(error.reason.hasPrefix("not valid JSON"), "\(error)")
        }
    }
}

private func editArray(_ document: inout [String: Any], _ key: String, _ index: Int, _ edit: (inout [String: Any]) -> Void) {
    var array = document[key] as! [[String: Any]]
    edit(&array[index])
    document[key] = array
}

private func editObject(_ document: inout [String: Any], _ key: String, _ edit: (inout [String: Any]) -> Void) {
    var object = document[key] as! [String: Any]
    edit(&object)
    document[key] = object
}
