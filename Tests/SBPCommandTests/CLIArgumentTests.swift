import ArgumentParser
import ChainTypes
import Testing

@testable import sbp

@Suite("sbp arguments: what each command accepts and refuses before it contacts a node")
struct CLIArgumentTests {
    @Test(
        "roles are a comma-separated list of distinct known roles, kept in tag order",
        arguments: [
            ("issuer,submitter", [Genesis.Role.issuer, .submitter]), ("submitter, issuer", [.issuer, .submitter]), ("Admin", [.admin]),
            ("auditor,admin", [.admin, .auditor]),
        ])
    func roles(text: String, roles: [Genesis.Role]) throws {
        #expect(try ArgumentTransforms.roles(text) == roles)
    }

    @Test("unknown, repeated or empty roles are refused", arguments: ["bogus", "issuer,issuer", "", "issuer,"])
    func badRoles(text: String) {
        #expect(throws: ValidationError.self) { try ArgumentTransforms.roles(text) }
    }

    @Test(
        "addresses, hashes and public keys are refused unless they are what they claim",
        arguments: [
            ["account", "show", "0x1234"], ["tx", "get", "0xabc"],
            ["account", "add", "--public-key", "02" + String(repeating: "ff", count: 32), "--roles", "issuer", "--key", "k"],
            ["contract", "query", "nothex", "get"],
        ])
    func badValues(arguments: [String]) {
        #expect(throws: (any Error).self) { try SBPCommand.parseAsRoot(arguments) }
    }

    @Test(
        "commands refuse contradictory or missing choices",
        arguments: [
            ["governance", "vote", "1", "--key", "k"],  // neither --approve nor --reject
            ["account", "add", "--roles", "issuer", "--key", "k"],  // no account
            [
                "account", "add", "0x" + String(repeating: "11", count: 20), "--public-key", "02" + String(repeating: "11", count: 32),
                "--roles", "issuer", "--key", "k",
            ],
            ["tx", "send"], ["tx", "send", "0x00", "--file", "f"],
            ["governance", "propose", "revoke-certificate", "--key", "k"],
            ["governance", "propose", "consensus-params", "--key", "k"],  // nothing to change
            ["governance", "propose", "governance-params", "--threshold", "2:3", "--key", "k"],
            ["governance", "list", "--limit", "0"],
            ["licence", "verify", "--id", "L", "--salt", "s", "--at", "1"],  // no holder
            [
                "licence", "issue", "--id", "L", "--type", "t", "--holder", "h", "--salt", "s", "--valid-from", "0", "--valid-until", "1",
                "--key", "k", "--timeout", "0",
            ],
            ["evidence", "export", "--licence", "L", "--certificate", "C", "--out", "f"],
        ])
    func refused(arguments: [String]) {
        #expect(throws: (any Error).self) { try SBPCommand.parseAsRoot(arguments) }
    }

    @Test("a vote parses its id and decision; a proposal its change and activation height")
    func accepted() throws {
        let vote = try #require(try SBPCommand.parseAsRoot(["governance", "vote", "12", "--reject", "--key", "k"]) as? GovernanceVote)
        #expect(vote.id == 12 && vote.decision == .reject && vote.sender.rpc == ReadOptions.rpcDefault)
        let propose = try #require(
            try SBPCommand.parseAsRoot([
                "governance", "propose", "remove-validator", "--name", "dh-1", "--activation-height", "40", "--key", "k",
            ])
                as? ProposeRemoveValidator)
        #expect(try propose.change() == .removeValidator(name: "dh-1") && propose.proposal.activationHeight == 40)
        let call = try #require(
            try SBPCommand.parseAsRoot([
                "contract", "call", "0x" + String(repeating: "ab", count: 20), "issue", "P-1", "--key", "k", "--", "-x",
            ])
                as? ContractCall)
        #expect(call.method == "issue" && call.arguments == ["P-1", "-x"])
    }
}
