import ChainTypes
import Foundation
import Keys
import Ledger
import LedgerFixtures
import Logging
import RPCServer
import StateTree
import Storage
import Synchronization
import Testing

@testable import Node

/// A fixed node around a real ledger: what `NodeRPCBackend` asks of the running node.
struct FixedNodeHost: NodeRPCHost {
    var nodeName = "td-node-1"
    var consensusAddress: Address
    var driverStatus: DriverStatus
    var isReady = true
    var role = NodeRole.validator
    /// Called for each `transactionsAdmitted` (the driver's and the gossip's wake-up).
    var onAdmitted: (@Sendable () -> Void)? = nil

    func peers() -> [PeerInfo] { [] }
    func transactionsAdmitted() { onAdmitted?() }
}

/// A node host that records the name of every thread its status is read on.
final class ThreadRecordingHost: NodeRPCHost {
    let nodeName = "td-node-1"
    let consensusAddress: Address
    let isReady = true
    let role = NodeRole.validator
    /// Each call's thread name and whether the thread belongs to an RPC work executor.
    let threads = Mutex<[(name: String, isWorker: Bool)]>([])
    /// Each call's thread niceness and whether its executor lowered its priority.
    let priorities = Mutex<[(niceness: Int32, isLowered: Bool)]>([])

    init(consensusAddress: Address) {
        self.consensusAddress = consensusAddress
    }

    var driverStatus: DriverStatus {
        let name = Thread.current.name ?? "unnamed"
        let isWorker = RPCWorkExecutor.isCurrentThreadWorker
        threads.withLock { $0.append((name, isWorker)) }
        let priority = (RPCWorkExecutor.currentThreadNiceness, RPCWorkExecutor.isCurrentThreadLowered)
        priorities.withLock { $0.append(priority) }
        return DriverStatus()
    }

    func peers() -> [PeerInfo] { [] }
    func transactionsAdmitted() {}
}

/// The JSON-RPC API over a real in-memory `Ledger` on the fixture chain, through `NodeRPCBackend`:
/// records decoded by the genesis contracts' interface files, state proofs that verify against the
/// certified root, and the budgeted searches paging over real indexes.
@Suite("Node RPC backend")
struct NodeRPCBackendTests {
    let chain: FixtureChain
    let ledger: Ledger
    let engine: RPCEngine
    static let logger = Logger(label: "sbp.node.rpc.test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Five blocks: licence L-1 issued (1), renewed (2), a certificate issued (3), L-2 issued (4), and an
    /// empty block (5) whose header certifies the state after block 4.
    init() throws {
        chain = try FixtureChain()
        ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle)
        let issuer = chain.issuers["TD"]!
        try chain.commit([try chain.licenceCall("issue", Self.issueArguments("L-1"), from: issuer)], on: ledger)
        try chain.commit([try chain.licenceCall("renew", ["L-1", "5000000000000"], from: issuer)], on: ledger)
        try chain.commit(
            [try chain.certificateCall("issue", ["C-1", Self.digest("doc").hex, "diploma", Self.digest("meta").hex], from: issuer)],
            on: ledger)
        try chain.commit([try chain.licenceCall("issue", Self.issueArguments("L-2"), from: issuer)], on: ledger)
        try chain.commit([], on: ledger)
        let interfaces = ContractInterfaces.load(
            genesis: chain.genesis, directory: FixtureChain.repositoryRoot.appendingPathComponent("Genesis").path, logger: Self.logger)
        var status = DriverStatus()
        status.height = ledger.height
        status.view = 3
        status.changingView = true
        status.viewChanges = 1
        status.lastViewChange = (view: 3, reason: .requestOverdue, time: .now)
        let host = FixedNodeHost(consensusAddress: chain.validatorKeys[0].address, driverStatus: status)
        let backend = NodeRPCBackend(
            ledger: ledger, mempool: Mempool(application: ledger), interfaces: interfaces, host: host)
        engine = RPCEngine(backend: backend, logger: Self.logger)
    }

    static func digest(_ text: String) -> Hash { Hash.sha256(Array("salt/\(text)".utf8)) }

    static func issueArguments(_ id: String) -> [String] {
        [id, "driving", digest("alice").hex, "1000", "4000000000000", "none"]
    }

    /// The result of one call; an error response fails the test.
    func call(_ method: String, _ params: String) async throws -> JSONValue {
        let body = #"{"jsonrpc": "2.0", "method": "\#(method)", "params": \#(params), "id": 1}"#
        let response = try JSONParser.parse(try #require(await engine.respond(to: Array(body.utf8))))
        return try #require(response["result"], "\(method): \(String(decoding: response.serialized(), as: UTF8.self))")
    }

    /// The error code of a call expected to fail.
    func errorCode(_ method: String, _ params: String) async throws -> JSONValue? {
        let body = #"{"jsonrpc": "2.0", "method": "\#(method)", "params": \#(params), "id": 1}"#
        return try JSONParser.parse(try #require(await engine.respond(to: Array(body.utf8))))["error"]?["code"]
    }

    @Test("records_getLicence decodes the registry's record and history through the interface file")
    func licenceRecord() async throws {
        let licence = try await call("records_getLicence", #"["L-1"]"#)
        #expect(licence["contract"] == RPCJSON.address(chain.licenceRegistry))
        #expect(licence["record"]?["id"] == .string("L-1"))
        #expect(licence["record"]?["department"] == .string("TD"))
        #expect(licence["record"]?["status"] == .string("active"))
        #expect(licence["record"]?["validUntil"] == .number(UInt64(5_000_000_000_000)))
        #expect(licence["record"]?["holderDigest"] == RPCJSON.hash(Self.digest("alice")))
        let history = try #require(licence["history"]?.elements)
        #expect(history.map { $0["topic"] } == [.string("LicenceIssued"), .string("LicenceRenewed")])
        #expect(history.map { $0["height"] } == [.number(1), .number(2)])
        #expect(history.allSatisfy { $0["decoded"]?["id"] == .string("L-1") })
        #expect(try await errorCode("records_getLicence", #"["L-404"]"#) == .number(-32001))
        let certificate = try await call("records_getCertificate", #"["C-1"]"#)
        #expect(certificate["record"]?["certificateType"] == .string("diploma"))
        #expect(certificate["record"]?["status"] == .string("valid"))
    }

    @Test("state_getProof verifies with StateProof.verify against the root the next header carries")
    func stateProof() async throws {
        let key = Array("LL-1".utf8)  // the licence registry keeps licence L-1 under 'L' + id
        let proof = try await call(
            "state_getProof", #"["\#(chain.licenceRegistry)", "0x\#(Hex.encode(key))"]"#)
        #expect(proof["height"] == .number(4))
        let value = try #require(proof["value"].flatMap { RPCJSON.bytes(from: $0, maxBytes: 1 << 20) })
        let root = try #require(proof["stateRoot"].flatMap(RPCJSON.hash(from:)))
        let encoded = try #require(proof["proof"].flatMap { RPCJSON.bytes(from: $0, maxBytes: 1 << 20) })
        let decoded = try StateProof(canonicalBytes: encoded)
        let stateKey = StateKey(namespace: chain.licenceRegistry.bytes, key: key)
        #expect(proof["stateKey"] == RPCJSON.hash(stateKey.hash))
        #expect(StateProof.verify(proof: decoded, key: stateKey, value: value, root: root))
        #expect(!StateProof.verify(proof: decoded, key: stateKey, value: value + [0], root: root))
        #expect(proof["siblings"]?.elements == decoded.siblings.map(RPCJSON.hash))
        // The root is the one block 5's header carries, and block 5's certificate signs that header.
        let block5 = try #require(try ledger.view().block(at: 5))
        #expect(proof["header"]?["stateRoot"] == RPCJSON.hash(root))
        #expect(proof["headerHash"] == RPCJSON.hash(block5.hash))
        #expect(proof["certificate"]?["blockHash"] == RPCJSON.hash(block5.hash))
        #expect(proof["certificate"]?["height"] == .number(5))
        // The value the proof carries is the one state_get reads at that height.
        let read = try await call("state_get", #"["\#(chain.licenceRegistry)", "0x\#(Hex.encode(key))", 4]"#)
        #expect(read["value"] == proof["value"])
    }

    @Test("state_getProof proves an absent key, and leaves the header null at the latest height")
    func absentAndUncertified() async throws {
        let key = "0x" + Hex.encode(Array("LL-404".utf8))
        let proof = try await call("state_getProof", #"["\#(chain.licenceRegistry)", "\#(key)", 5]"#)
        #expect(proof["value"] == .null)
        #expect(proof["header"] == .null)
        #expect(proof["certificate"] == .null)
        let decoded = try StateProof(canonicalBytes: try #require(proof["proof"].flatMap { RPCJSON.bytes(from: $0, maxBytes: 1 << 20) }))
        let root = try #require(proof["stateRoot"].flatMap(RPCJSON.hash(from:)))
        #expect(root == ledger.latestRoots.stateRoot)
        #expect(
            StateProof.verify(
                proof: decoded, key: StateKey(namespace: chain.licenceRegistry.bytes, key: Array("LL-404".utf8)), value: nil, root: root))
        #expect(try await errorCode("state_getProof", #"["\#(chain.licenceRegistry)", "\#(key)", 6]"#) == .number(-32002))
    }

    @Test("tx_search pages through the sender index and through a block scan alike", arguments: [1, 2, 3])
    func transactionSearch(limit: Int) async throws {
        let issuer = chain.issuers["TD"]!.address
        let bySender = try await walk("tx_search", filter: #"{"sender": "\#(issuer)"}"#, items: "transactions", limit: limit)
        #expect(bySender.map { $0["height"] } == [1, 2, 3, 4].map { .number(UInt64($0)) })
        let byContract = try await walk(
            "tx_search", filter: #"{"contract": "\#(chain.licenceRegistry)"}"#, items: "transactions", limit: limit)
        #expect(byContract.map { $0["height"] } == [1, 2, 4].map { .number(UInt64($0)) })
        let ranged = try await walk(
            "tx_search", filter: #"{"sender": "\#(issuer)", "fromHeight": 2, "toHeight": 3}"#, items: "transactions", limit: limit)
        #expect(ranged.map { $0["height"] } == [.number(2), .number(3)])
        #expect(bySender.allSatisfy { $0["status"] == .string("success") })
    }

    @Test("events_query merges the contract indexes in position order, and scans blocks without contracts", arguments: [1, 2])
    func eventQuery(limit: Int) async throws {
        let both = #"{"contracts": ["\#(chain.certificateRegistry)", "\#(chain.licenceRegistry)"]}"#
        let merged = try await walk("events_query", filter: both, items: "events", limit: limit)
        #expect(merged.map { $0["topic"]?.text } == ["LicenceIssued", "LicenceRenewed", "CertificateIssued", "LicenceIssued"])
        let scanned = try await walk("events_query", filter: "{}", items: "events", limit: limit)
        #expect(scanned == merged)
        let topics = try await walk(
            "events_query", filter: #"{"topics": ["LicenceIssued"], "fromHeight": 2}"#, items: "events", limit: limit)
        #expect(topics.map { $0["height"] } == [.number(4)])
        #expect(topics.first?["decoded"]?["id"] == .string("L-2"))
    }

    @Test("contract_call runs get by name and decodes the result; accounts report their next nonce")
    func contractCallAndAccount() async throws {
        let result = try await call("contract_call", #"["\#(chain.licenceRegistry)", {"method": "get", "args": ["L-2"]}]"#)
        #expect(result["status"] == .string("success"))
        #expect(result["decoded"]?["id"] == .string("L-2"))
        let missing = try await call("contract_call", #"["\#(chain.licenceRegistry)", {"method": "get", "args": ["nope"]}]"#)
        #expect(missing["status"] == .string("reverted"))
        #expect(missing["errorMessage"] == .string("unknown licence"))
        #expect(try await errorCode("contract_call", #"["\#(chain.licenceRegistry)", {"method": "get", "args": []}]"#) == .number(-32602))
        let info = try await call("contract_getInfo", #"["\#(chain.licenceRegistry)"]"#)
        #expect(info["name"] == .string("licence_registry"))
        #expect(info["interface"]?["name"] == .string("licence_registry"))
        let account = try await call("membership_getAccount", #"["\#(chain.issuers["TD"]!.address)"]"#)
        #expect(account["nonce"] == .number(4))
        #expect(account["department"] == .string("TD"))
    }

    @Test("membership_listAccounts pages a department's accounts from the ledger's index; an unknown department is -32001")
    func listAccounts() async throws {
        let whole = try ledger.view().accounts(of: "TD", after: nil, limit: 100)
        #expect(whole.contains { $0.address == chain.issuers["TD"]!.address })
        var listed: [JSONValue] = []
        var cursor: String?
        repeat {
            let after = cursor.map { #", "cursor": "\#($0)""# } ?? ""
            let page = try await call("membership_listAccounts", #"{"department": "TD", "limit": 1\#(after)}"#)
            listed += page["accounts"]?.elements ?? []
            cursor = page["nextCursor"]?.text
        } while cursor != nil && listed.count <= whole.count
        #expect(listed.map { $0["address"] } == whole.map { RPCJSON.address($0.address) })
        let issuer = listed.first { $0["address"] == RPCJSON.address(chain.issuers["TD"]!.address) }
        #expect(issuer?["nonce"] == .number(4) && issuer?["department"] == .string("TD"))
        #expect(try await errorCode("membership_listAccounts", #"["XX"]"#) == .number(-32001))
    }

    @Test("node_status names the chain protocol versions the build executes")
    func executableProtocolVersions() async throws {
        let status = try await call("node_status", "[]")
        let versions = ChainProtocol.executable
        #expect(status["executableProtocolVersions"]?["lowest"] == .number(Int(versions.lowerBound)))
        #expect(status["executableProtocolVersions"]?["highest"] == .number(Int(versions.upperBound)))
    }

    @Test("chain reads agree with the ledger: commit, headers, validators, genesis")
    func chainReads() async throws {
        let view = try ledger.view()
        let certificate = try #require(try view.certificate(at: 3))
        #expect(try await call("chain_getCommit", "[3]") == RPCJSON.certificate(certificate))
        let headers = try #require(try await call("chain_getHeaders", "[4, 99]").elements)
        #expect(headers.map { $0["hash"] } == [4, 5].map { RPCJSON.hash(try! view.block(at: $0)!.hash) })
        let validators = try await call("consensus_getValidators", "[3]")
        #expect(validators["validatorsHash"] == RPCJSON.hash(try #require(try view.epochs().validators(at: 3)).hash))
        let genesis = try await call("chain_getGenesis", "[]")
        #expect(genesis["hash"] == RPCJSON.hash(chain.genesis.hash))
        #expect(try await call("chain_getLatestHeight", "[]") == .number(5))
        let block = try await call("chain_getBlockByHash", #"["\#(try #require(try view.block(at: 2)).hash)"]"#)
        #expect(block["header"]?["height"] == .number(2))
        let consensus = try await call("consensus_getStatus", "[]")
        #expect(consensus["validatorIndex"] == .number(0))
        #expect(consensus["phase"] == .string("viewChange"))
        #expect(consensus["lastViewChange"]?["view"] == .number(3))
        #expect(consensus["lastViewChange"]?["reason"] == .string("requestOverdue"))
    }

    @Test("a search that runs out of budget ends its page early with a cursor that resumes exactly there")
    func scanBudget() throws {
        let view = try ledger.view()
        let filter = TransactionFilter(contract: chain.licenceRegistry)
        var heights: [UInt64] = []
        var cursor: TransactionCursor?
        var pages: [Int] = []
        repeat {
            let page = try TransactionSearch(view: view, filter: filter, limit: 10, scanBlocksMax: 2).run(after: cursor)
            heights += page.transactions.map(\.height)
            pages.append(page.transactions.count)
            cursor = page.nextCursor
        } while cursor != nil && pages.count < 10
        #expect(heights == [1, 2, 4])
        #expect(pages == [2, 1, 0])  // blocks 1-2, then 3-4 (block 3 calls the certificate registry), then 5 (empty)
        let bySender = try TransactionSearch(
            view: view, filter: TransactionFilter(sender: chain.issuers["TD"]!.address), limit: 10, scanEntriesMax: 3
        ).run(after: nil)
        #expect(bySender.transactions.map(\.height) == [1, 2, 3])
        #expect(bySender.nextCursor == TransactionCursor(height: 3, index: 0))
        let rest = try TransactionSearch(view: view, filter: TransactionFilter(sender: chain.issuers["TD"]!.address), limit: 10)
            .run(after: bySender.nextCursor)
        #expect(rest.transactions.map(\.height) == [4])
        #expect(rest.nextCursor == nil)
        let events = try EventSearch(
            view: view, filter: EventFilter(contracts: [chain.licenceRegistry]), limit: 10, interfaces: ContractInterfaces(),
            scanEntriesMax: 2
        ).run(after: nil)
        #expect(events.events.map(\.position.height) == [1, 2])
        #expect(events.events.allSatisfy { $0.decoded == nil })
        #expect(events.nextCursor == events.events.last?.position)
    }

    @Test("cursors beyond the chain end the search instead of overflowing")
    func hostileCursors() throws {
        let view = try ledger.view()
        let end = TransactionCursor(height: .max, index: .max)
        #expect(try TransactionSearch(view: view, filter: TransactionFilter(), limit: 5).run(after: end).transactions.isEmpty)
        let eventEnd = EventCursor.endOfBlock(.max)
        let page = try EventSearch(view: view, filter: EventFilter(), limit: 5, interfaces: ContractInterfaces()).run(after: eventEnd)
        #expect(page.events.isEmpty && page.nextCursor == nil)
    }

    @Test(
        "defect 8: state_getEvidence and the other height parameters at 2^64 - 1 are -32002, not an overflow trap",
        arguments: ["state_getEvidence", "state_getProof", "state_get", "contract_call"])
    func extremeHeights(method: String) async throws {
        let contract = "0x" + Hex.encode(chain.licenceRegistry.bytes)
        let input = method == "contract_call" ? #""input": "0x", "# : #""key": "0x00", "#
        let code = try await errorCode(method, #"{"contract": "\#(contract)", \#(input)"height": "18446744073709551615"}"#)
        #expect(code == .number(-32002))
    }

    @Test("the backend clamps page sizes and empty ranges instead of trapping on them")
    func backendBoundaries() async throws {
        let backend = plainBackend()
        #expect(try await backend.headers(from: 3, to: 1).isEmpty)
        #expect(try await backend.searchTransactions(TransactionFilter(), after: nil, limit: 0).transactions.count <= 1)
        #expect(try await backend.queryEvents(EventFilter(), after: nil, limit: -5).events.count <= 1)
        #expect(try await backend.proposals(status: nil, beforeId: nil, limit: -1).count <= 1)
    }

    /// A backend over the fixture ledger with no contract interfaces and an idle driver.
    private func plainBackend() -> NodeRPCBackend {
        NodeRPCBackend(
            ledger: ledger, mempool: Mempool(application: ledger), interfaces: ContractInterfaces(),
            host: FixedNodeHost(consensusAddress: chain.validatorKeys[0].address, driverStatus: DriverStatus()))
    }

    /// Every `newHeads` subscription asks for each new header: the first read keeps it in `RecentHeaders`,
    /// and the rest are answered from there, equal to the stored headers.
    @Test("headers are kept once read and answered again from memory, equal to the stored ones")
    func headersKeptOnceRead() async throws {
        let backend = plainBackend()
        let view = try ledger.view()
        let stored = try (2...5).map { try #require(try view.block(at: $0)).header }
        #expect((2...5).allSatisfy { backend.recentHeaders.value(at: $0) == nil })
        #expect(try await backend.headers(from: 2, to: 5) == stored)
        #expect((2...5).map { backend.recentHeaders.value(at: $0) } == stored)
        #expect(try await backend.headers(from: 3, to: 99) == Array(stored.dropFirst()))
        #expect(backend.recentHeaders.value(at: 1) == nil)
    }

    /// `events` subscriptions without contracts scan each new block's receipts: the first scan keeps them.
    @Test("a scan of blocks' events keeps their receipts once read, and a second scan finds the same events")
    func receiptsKeptOnceRead() async throws {
        let backend = plainBackend()
        let view = try ledger.view()
        #expect((1...5).allSatisfy { backend.recentReceipts.value(at: $0) == nil })
        let first = try await backend.queryEvents(EventFilter(), after: nil, limit: 100)
        #expect(try (1...5).map { backend.recentReceipts.value(at: $0) } == (1...5).map { try view.receipts(height: $0) })
        let second = try await backend.queryEvents(EventFilter(), after: nil, limit: 100)
        #expect(first.events == second.events && first.events.count >= 3)
    }

    @Test("a kept header answers only its own height; a later height in its slot replaces it")
    func recentHeaderSlots() throws {
        let view = try ledger.view()
        let header = try #require(try view.block(at: 3)).header
        let headers = RecentByHeight.headers()
        headers.keep(header, at: 3)
        #expect(headers.value(at: 3) == header)
        let sameSlot = 3 + UInt64(headers.slotCount)
        #expect(headers.value(at: sameSlot) == nil)
        var later = header
        later.height = sameSlot
        headers.keep(later, at: sameSlot)
        #expect(headers.value(at: sameSlot) == later)
        #expect(headers.value(at: 3) == nil)
    }

    /// Issue 18: a batch of `tx_send` calls is admitted in one job whose signatures were recovered together
    /// first; each call still gets the answer it would get alone, in order.
    @Test("a tx_send batch is admitted in order after its signatures are recovered together, waking the driver once")
    func batchAdmission() async throws {
        let mempool = Mempool(application: ledger)
        let wakeUps = Mutex(0)
        var host = FixedNodeHost(consensusAddress: chain.validatorKeys[0].address, driverStatus: DriverStatus())
        host.onAdmitted = { wakeUps.withLock { $0 += 1 } }
        let backend = NodeRPCBackend(ledger: ledger, mempool: mempool, interfaces: ContractInterfaces(), host: host)
        let engine = RPCEngine(backend: backend, logger: Self.logger)
        let issuer = try #require(chain.issuers["TD"])
        let first = try chain.licenceCall("issue", Self.issueArguments("L-10"), from: issuer)
        let second = try chain.licenceCall("issue", Self.issueArguments("L-11"), from: issuer)
        let honest = try chain.licenceCall("issue", Self.issueArguments("L-12"), from: issuer)
        // The same body with the signature of another body: it recovers to some other address.
        let forged = Transaction(body: honest.body, signature: second.signature)
        let sent = [first, second, forged, honest]
        let calls = sent.enumerated().map { index, transaction in
            #"{"jsonrpc": "2.0", "method": "tx_send", "params": ["0x\#(Hex.encode(transaction.canonicalBytes))"], "id": \#(index)}"#
        }
        let reply = try #require(await engine.respond(to: Array(("[" + calls.joined(separator: ",") + "]").utf8)))
        let responses = try #require(try JSONParser.parse(reply).elements)
        #expect(responses.map { $0["result"]?.text } == [first.hash, second.hash, nil, honest.hash].map { $0.map { "\($0)" } })
        #expect(responses[2]["error"]?["code"] == .number(-32000))
        #expect(responses[2]["error"]?["data"]?["reason"] == .string("invalidSignature"))
        #expect(mempool.transactions(from: issuer.address) == [first, second, honest])
        #expect(ledger.verifiedSignatures.contains(honest.hash, signature: honest.signature))
        #expect(!ledger.verifiedSignatures.contains(forged.hash, signature: forged.signature))
        // The driver hears of the batch once, after its last admission, not once per transaction.
        #expect(wakeUps.withLock { $0 } == 1)
    }

    @Test("defect 5: the backend's ledger work runs on the RPC work threads, not on the Swift cooperative pool")
    func backendOffThePool() async throws {
        let host = try await statusThroughServer()
        let threads = host.threads.withLock { $0 }
        #expect(!threads.isEmpty && threads.allSatisfy(\.isWorker), "ran on \(threads)")
    }

    @Test("issue 18: the RPC work threads run at a lowered priority, so admissions yield the cores to the replica driver")
    func workThreadsYield() async throws {
        let host = try await statusThroughServer()
        let priorities = host.priorities.withLock { $0 }
        #expect(!priorities.isEmpty, "the status was never read")
        #if os(Linux)
            // At least the default: a test run under `nice` starts every thread higher, and the executor only raises it.
            #expect(priorities.allSatisfy { $0.niceness >= RPCLimits.workThreadNicenessDefault && $0.isLowered }, "ran at \(priorities)")
            // Per thread, not the whole process: the test's own thread keeps the niceness the run started with
            // (which says something only when the run started below the default, as it does unless run under `nice`).
            let own = RPCWorkExecutor.currentThreadNiceness
            if own < RPCLimits.workThreadNicenessDefault {
                #expect(priorities.allSatisfy { $0.niceness > own }, "the workers ran at \(priorities), the test at \(own)")
            }
        #endif
    }

    /// Answers `node_status` through a server with its default work executor; the host recorded the threads.
    func statusThroughServer() async throws -> ThreadRecordingHost {
        let host = ThreadRecordingHost(consensusAddress: chain.validatorKeys[0].address)
        let backend = NodeRPCBackend(ledger: ledger, mempool: Mempool(application: ledger), interfaces: ContractInterfaces(), host: host)
        let server = RPCServer(configuration: RPCServerConfiguration(host: "127.0.0.1", port: 0), backend: backend, logger: Self.logger)
        let body = #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#
        // The server owns the work threads and stops them when released: keep it alive across the call.
        let reply = await server.engine.respond(to: Array(body.utf8))
        withExtendedLifetime(server) {}
        #expect(try JSONParser.parse(try #require(reply))["result"] != nil)
        return host
    }

    /// Every item of every page, following `nextCursor` until it is null.
    func walk(_ method: String, filter: String, items: String, limit: Int) async throws -> [JSONValue] {
        var cursor: JSONValue = .null
        var collected: [JSONValue] = []
        var pages = 0
        repeat {
            let cursorText = String(decoding: cursor.serialized(), as: UTF8.self)
            let page = try await call(method, #"{"filter": \#(filter), "cursor": \#(cursorText), "limit": \#(limit)}"#)
            collected += try #require(page[items]?.elements)
            cursor = page["nextCursor"] ?? .null
            pages += 1
            try #require(pages <= 50, "the cursor never ran out")
        } while cursor != .null
        return collected
    }
}

extension JSONValue {
    /// The elements of an array, or nil.
    var elements: [JSONValue]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }

    /// The text of a string, or nil.
    var text: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }
}
