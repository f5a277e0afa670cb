import ChainTypes
import Testing

@testable import Node

@Suite("Node readiness")
struct NodeReadinessTests {
    /// Four validators `a`…`d` with distinct (fake but well-formed) compressed keys: n = 4, quorum 3.
    static func validators(_ names: [String] = ["a", "b", "c", "d"]) throws -> ValidatorSet {
        try ValidatorSet(
            names.enumerated().map { index, name in
                try Validator(name: name, department: "TD", publicKey: [0x02] + [UInt8](repeating: UInt8(index + 1), count: 32))
            })
    }

    static let cases: [(String, [String], Bool)] = [
        ("linked to every peer", ["b", "c", "d"], true),
        ("linked to two peers: with itself a quorum", ["b", "c"], true),
        ("linked to one peer", ["b"], false),
        ("two links to the same peer count once (a 2|2 partition)", ["b", "b"], false),
        ("three links to two peers", ["b", "c", "b"], true),
        ("a link to a node that is not a validator does not count", ["b", "x"], false),
        ("a link that names the node itself does not count", ["a", "b"], false),
        ("no links", [], false),
    ]

    @Test("a node is ready only when it and the distinct validators it is linked to make a quorum", arguments: cases.indices)
    func quorumOfValidators(index: Int) throws {
        let (name, linkedPeers, ready) = Self.cases[index]
        #expect(NodeRuntime.reachesQuorum(validators: try Self.validators(), ownName: "a", linkedPeers: linkedPeers) == ready, "\(name)")
    }

    @Test("a node that is not a validator needs a full quorum of validator links")
    func nonValidator() throws {
        let validators = try Self.validators()
        #expect(!NodeRuntime.reachesQuorum(validators: validators, ownName: "observer", linkedPeers: ["a", "b"]))
        #expect(NodeRuntime.reachesQuorum(validators: validators, ownName: "observer", linkedPeers: ["a", "b", "c"]))
    }
}
