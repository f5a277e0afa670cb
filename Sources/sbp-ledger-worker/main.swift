// sbp-ledger-worker: drives a Ledger on RocksDB for the tests that need separate processes.
//
// Usage:
//   sbp-ledger-worker replay <database-path> <blocks>   run the fixed scenario, print each height's roots and
//                                                       the final index digest
//   sbp-ledger-worker crash <database-path>             commit blocks of licence calls until killed,
//                                                       printing each height after `finalize` returned
//
// `replay` in two processes must print identical lines (DESIGN §1.3: execution is deterministic); `crash`
// is killed with SIGKILL at random moments and the test checks the ledger is at a whole height.
import ChainTypes
import Foundation
import Ledger
import LedgerFixtures
import StorageRocksDB

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("sbp-ledger-worker: \(message)\n".utf8))
    exit(1)
}

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The scenario's transactions for `height`: licences and certificates from several departments, a
/// governance proposal and its votes, account changes and a few transactions that must fail.
func scenario(_ chain: FixtureChain, height: UInt64) throws -> [Transaction] {
    let departments = chain.departments
    var transactions: [Transaction] = []
    for (index, department) in departments.enumerated() {
        let issuer = chain.issuers[department]!
        let id = "\(department)-\(height)"
        transactions.append(
            try chain.licenceCall(
                "issue", [id, "type-\(index)", Hash.sha256(Array(id.utf8)).hex, "10", "\(1000 + height)", "c"], from: issuer))
        transactions.append(
            try chain.certificateCall(
                "issue", ["C-\(id)", Hash.sha256(Array("doc/\(id)".utf8)).hex, "degree", Hash.zero.hex], from: issuer))
        if height > 1 {
            let previous = "\(department)-\(height - 1)"
            let action = ["suspend", "renew", "revoke", "transfer"][Int(height) % 4]
            let arguments: [String] =
                switch action {
                case "suspend": [previous, "audit"]
                case "renew": [previous, "\(5000 + height)"]
                case "revoke": [previous, "fraud"]
                default: [previous, Hash.sha256(Array("new/\(previous)".utf8)).hex]
                }
            transactions.append(try chain.licenceCall(action, arguments, from: issuer))
        }
    }
    // Failures: a duplicate id (reverted), an auditor's call (rejected), out of fuel.
    transactions.append(try chain.licenceCall("issue", ["TD-\(height)", "x", Hash.zero.hex, "1", "2", ""], from: chain.issuers["TD"]!))
    transactions.append(try chain.licenceCall("get", ["TD-\(height)"], from: chain.auditors["TD"]!))
    transactions.append(
        try chain.licenceCall("issue", ["Z-\(height)", "x", Hash.zero.hex, "1", "2", ""], from: chain.issuers["EPD"]!, fuelLimit: 500))
    let admins = departments.map { chain.admins[$0]! }
    if height == 2 {
        transactions.append(
            chain.governance(.propose(change: .setProtocolVersion(2), activationHeight: 5, description: "v2"), from: admins[0]))
    }
    if height == 3 {
        transactions.append(chain.governance(.vote(proposal: 1, approve: true), from: admins[1]))
        transactions.append(chain.governance(.vote(proposal: 1, approve: true), from: admins[2]))
        transactions.append(chain.account(.add(address: FixtureChain.key("worker/new").address, roles: [.submitter]), from: admins[0]))
    }
    return transactions
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: sbp-ledger-worker replay|crash <database-path> [<blocks>]") }
do {
    let chain = try FixtureChain()
    let store = try RocksDBStore(path: arguments[2])
    // The scenario activates chain protocol version 2 at height 5: the worker acts as a build that executes it.
    let ledger = try Ledger(store: store, genesis: chain.bundle, executableProtocolVersions: 1...2)
    switch arguments[1] {
    case "replay":
        guard arguments.count == 4, let blocks = UInt64(arguments[3]) else { fail("replay needs a block count") }
        for height in 1...blocks {
            let executed = try chain.commit(try scenario(chain, height: height), on: ledger)
            let statuses = executed.receipts.map { "\($0.status.rawValue):\($0.fuelUsed)" }.joined(separator: ",")
            say("\(height) \(executed.stateRoot) \(executed.receiptsRoot) \(statuses)")
        }
        say("indexes \(try ledger.view().indexDigest())")
    case "crash":
        let issuer = chain.issuers["TD"]!
        let view = try ledger.view()
        chain.setNonce(try view.account(issuer.address)?.nonce ?? 0, for: issuer.address)
        var height = view.height
        while true {
            height += 1
            let calls = try (0..<50).map { index in
                try chain.licenceCall("issue", ["K-\(height)-\(index)", "t", Hash.zero.hex, "1", "2", ""], from: issuer)
            }
            try chain.commit(calls, on: ledger)
            say("height \(height)")
        }
    default:
        fail("unknown mode \(arguments[1])")
    }
    store.close()
} catch {
    fail("\(error)")
}
