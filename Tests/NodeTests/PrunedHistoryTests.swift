import ChainTypes
import Evidence
import Foundation
import Ledger
import LedgerFixtures
import Logging
import RPCServer
import Storage
import Testing

@testable import Node

/// What a node that prunes its tree history (`storage.history = "recent N"`) answers about past heights:
/// the documented −32003 naming the height asked for and the oldest kept one, never a wrong or internal
/// answer; and evidence for kept states still walks through validator-set changes announced in pruned ones.
@Suite("Pruned history over RPC and evidence")
struct PrunedHistoryTests {
    let chain: FixtureChain
    let ledger: Ledger
    let engine: RPCEngine
    static let licenceKey = Array("L".utf8) + Array("L-9".utf8)

    /// A validator rotation announced in the state after 2 (active from 4), L-9 issued at 4, five empty
    /// blocks (up to 9), then everything but the latest two versions pruned: the oldest kept state is 8.
    init() throws {
        chain = try FixtureChain()
        ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle)
        try EvidenceExampleTests.rotateValidator(chain: chain, ledger: ledger)
        let holder = Hash.sha256(Array("salt/alice".utf8)).hex
        let receipt = try chain.commit(
            [try chain.licenceCall("issue", ["L-9", "driving", holder, "1000", "4000000000000", "none"], from: chain.issuers["TD"]!)],
            on: ledger
        ).receipts[0]
        try #require(receipt.status == .success)
        for _ in 0..<5 { try chain.commit([], on: ledger) }
        while try !ledger.pruneStep(keepingVersions: 2).isComplete {}
        var status = DriverStatus()
        status.height = ledger.height
        let backend = NodeRPCBackend(
            ledger: ledger, mempool: Mempool(application: ledger), interfaces: ContractInterfaces(),
            host: FixedNodeHost(consensusAddress: chain.validatorKeys[0].address, driverStatus: status))
        engine = RPCEngine(backend: backend, logger: Logger(label: "sbp.test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// The error object of a call expected to fail.
    func error(_ method: String, _ params: String) async throws -> JSONValue {
        let body = #"{"jsonrpc": "2.0", "method": "\#(method)", "params": \#(params), "id": 1}"#
        let response = try JSONParser.parse(try #require(await engine.respond(to: Array(body.utf8))))
        return try #require(response["error"], "\(method) answered \(String(decoding: response.serialized(), as: UTF8.self))")
    }

    @Test("evidence for a kept state walks through a validator change whose announcement was pruned")
    func evidenceThroughAPrunedAnnouncement() throws {
        #expect(ledger.height == 9)
        let view = try ledger.view()
        #expect(view.oldestStateHeight == 8)
        let bundle = try EvidenceExporter.bundle(view: view, contract: chain.licenceRegistry, key: Self.licenceKey)
        #expect(bundle.height == 8 && bundle.transitions.map(\.activationHeight) == [4])
        let verified = try EvidenceVerifier.verify(bundle.canonicalBytes, genesis: chain.genesis)
        #expect(verified.transitions == 1 && verified.value != nil)
    }

    @Test("evidence for a pruned state fails with both heights, not with an internal error")
    func evidenceForAPrunedState() throws {
        #expect(throws: EvidenceExporter.ExportError.pruned(height: 4, oldestHeight: 8)) {
            try EvidenceExporter.bundle(view: try ledger.view(), contract: chain.licenceRegistry, key: Self.licenceKey, height: 4)
        }
    }

    @Test(
        "a state read at a pruned height is -32003 with the height asked and the oldest kept",
        arguments: ["state_get", "state_getProof", "state_getEvidence"])
    func prunedStateOverRPC(method: String) async throws {
        let key = "0x" + Hex.encode(Self.licenceKey)
        let error = try await error(method, #"["\#(chain.licenceRegistry)", "\#(key)", 4]"#)
        #expect(error["code"] == .number(-32003))
        #expect(error["data"]?["height"] == .number(4))
        #expect(error["data"]?["lowestRetainedHeight"] == .number(8))
    }

    @Test("contract_call at a pruned height is -32003; blocks below it are still served")
    func prunedCallAndKeptBlocks() async throws {
        let error = try await error("contract_call", #"["\#(chain.licenceRegistry)", "0x00", 3]"#)
        #expect(error["code"] == .number(-32003))
        #expect(error["data"]?["lowestRetainedHeight"] == .number(8))
        let body = #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": [3], "id": 1}"#
        let response = try JSONParser.parse(try #require(await engine.respond(to: Array(body.utf8))))
        #expect(response["result"]?["header"]?["height"] == .number(3))
    }
}

/// The node's background pruner: woken by finalized blocks, off the driver thread, stopped between steps.
@Suite("Tree pruner thread")
struct TreePrunerTests {
    @Test("the pruner thread prunes after each finalized block and stops cleanly")
    func prunesInTheBackground() throws {
        let chain = try FixtureChain()
        let ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle)
        for _ in 0..<4 { try chain.commit([], on: ledger) }
        let pruner = TreePruner(ledger: ledger, versions: 2, logger: Logger(label: "sbp.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        pruner.start()
        defer { pruner.stop() }
        // The first round runs at start, for the backlog.
        #expect(pruner.waitForRounds(1, timeout: 60))
        #expect(try ledger.oldestStateHeight() == 3)
        try chain.commit([], on: ledger)
        pruner.blockFinalized()
        #expect(pruner.waitForRounds(2, timeout: 60))
        #expect(try ledger.oldestStateHeight() == 4)
        #expect(pruner.oldestStateHeight.load(ordering: .relaxed) == 4)
    }
}
