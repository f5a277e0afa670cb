import ChainTypes
import Consensus
import Foundation
import Keys
import Ledger
import LedgerFixtures
import Logging
import Storage
import Synchronization
import Testing

@testable import Node

/// A validator added by governance starts from genesis, where it is in no validator set, and must catch up
/// through state transfer before it can vote at its activation height (PBFT-NOTES rules 18 and 20).
///
/// Issue 16, deliver 6's first run by hand: such a node linked to its peers but stayed at height 0,
/// because the node's replica driver sent a state-transfer request only when its own key had an index in
/// the set of its next height; the request now comes whole from the replica, and every node asks.
@Suite(.timeLimit(.minutes(1)))
struct JoiningValidatorSyncTests {
    /// A chain on which `td-2` (the newcomer's key) is voted in at height 2 and active from height 5, in `store`.
    static func sourceChain(newcomer: PrivateKey, store: MemoryKeyValueStore = MemoryKeyValueStore()) throws -> (FixtureChain, Ledger) {
        let chain = try FixtureChain()
        let ledger = try Ledger(store: store, genesis: chain.bundle)
        let admin = { (index: Int) in chain.admins[chain.departments[index]]! }
        let pem = try chain.nodeCertificatePEM(name: "td-2", department: "TD")
        let change = ProposalChange.addValidator(
            name: "td-2", department: "TD", consensusKey: newcomer.publicKey.compressed, tlsCertificate: pem)
        try chain.commit(
            [chain.governance(.propose(change: change, activationHeight: 5, description: change.kindName), from: admin(0))], on: ledger)
        try chain.commit([1, 2].map { chain.governance(.vote(proposal: 1, approve: true), from: admin($0)) }, on: ledger)
        for _ in 3...6 { try chain.commit([], on: ledger) }
        #expect(try ledger.view().epochs().validators(at: 5)?.count == 5)
        return (chain, ledger)
    }

    @Test("a validator added by governance, started from genesis, asks for the blocks and catches up to its set")
    func validatorOutsideTheGenesisSetCatchesUpFromGenesis() async throws {
        let newcomer = FixtureChain.key("validator/td-2")
        let (chain, source) = try Self.sourceChain(newcomer: newcomer)
        let target = source.height
        let ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle)
        let view = try ledger.view()
        let parameters = try view.parameters().consensus
        let schedule = ValidatorSchedule(genesis: try #require(try view.epochs().validators(at: 1)))
        #expect(schedule.validators(at: 1).index(of: newcomer.address) == nil)
        let signer = ConsensusSigner(key: newcomer)
        let replica = Replica(
            configuration: ReplicaConfiguration(
                chainId: chain.chainId, checkpointInterval: parameters.checkpointInterval, watermarkWindow: parameters.watermarkWindow,
                viewChangeTimeoutTicks: parameters.viewChangeTimeoutTicks, viewChangeTimeoutTicksMax: parameters.viewChangeTimeoutTicksMax,
                timestampDriftMsMax: parameters.timestampDriftMsMax, blockBytesMax: Int(parameters.blockBytesMax)),
            identity: newcomer.address, schedule: schedule, chain: try NodeRuntime.chainPosition(view), journal: [],
            authenticator: signer, screen: AcceptingScreen())
        let transport = ServingTransport(source: source)
        let (heights, reached) = AsyncStream.makeStream(of: UInt64.self)
        let driver = ReplicaDriver(
            replica: replica, schedule: schedule, ledger: ledger, journal: try JournalStore(store: MemoryKeyValueStore()),
            pool: IdleProposals(), transport: transport, signer: signer, tickMs: parameters.tickMs,
            emptyBlockIntervalMs: NodeLimits.emptyBlockIntervalMs, blockLimits: BlockLimits(parameters),
            logger: Logger(label: "joining-validator")
        ) { executed in reached.yield(executed.block.height) }
        transport.driver.withLock { $0 = driver }
        driver.start()
        // Two genesis validators (f + 1 of four) vote at the chain's next height: the newcomer learns the
        // chain is ahead of it, as it does from its links' traffic.
        for index in 0..<2 {
            let commit = Commit(view: 0, height: target + 1, digest: Hash.sha256([UInt8(index)]))
            let signature = chain.validatorKeys[index].sign(commit.signingDigest(chainId: chain.chainId))
            driver.post(.message(.commit(Signed(payload: commit, signer: UInt16(index), signature: signature))), from: "peer-\(index)")
        }
        for await height in heights where height >= target { break }
        await Self.stop(driver)
        #expect(ledger.height == target)
        #expect(try ledger.view().block(at: target)?.hash == source.view().block(at: target)?.hash)
        let requests = transport.requests.withLock { $0 }
        #expect(requests.first?.fromHeight == 1)
        #expect(requests.first?.requester == FetchRequest.requesterOutsideSet)
        #expect(requests.allSatisfy { ["td-1", "immd-1", "epd-1", "dh-1"].contains($0.peer) })
        // Its own key counts from the activation height on.
        #expect(driver.currentValidators.withLock { $0 }.index(of: newcomer.address) == 4)
    }

    /// Stops the driver off the cooperative pool (`stop` waits for the driver thread).
    static func stop(_ driver: ReplicaDriver) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                driver.stop()
                continuation.resume()
            }.start()
        }
    }
}

/// A transport whose every peer is one ledger: it answers `fetchBlocks` from it as a peer's intake does
/// (`BlockServer`), and records each request with the peer it was sent to.
private final class ServingTransport: PeerTransport {
    struct Request: Sendable {
        var peer: String
        var fromHeight: UInt64
        var requester: UInt16
    }

    let source: Ledger
    let driver = Mutex<ReplicaDriver?>(nil)
    let requests = Mutex<[Request]>([])

    init(source: Ledger) { self.source = source }

    func send(_ message: PeerMessage, to name: String) {
        guard case .consensus(.fetchBlocks(let fromHeight, let requester)) = message else { return }
        requests.withLock { $0.append(Request(peer: name, fromHeight: fromHeight, requester: requester)) }
        guard let view = try? source.view(),
            let blocks = try? BlockServer().reply(
                from: fromHeight,
                read: { height in
                    guard height <= view.height, let block = try view.block(at: height), let certificate = try view.certificate(at: height)
                    else { return nil }
                    return CommittedBlock(block: block, certificate: certificate)
                }),
            !blocks.isEmpty
        else { return }
        driver.withLock { $0 }?.post(.message(.blocks(blocks)), from: name)
    }

    func broadcast(_ message: PeerMessage) {}
}

/// A mempool with nothing in it.
private final class IdleProposals: ProposalSource {
    var pendingCount: Int { 0 }
    func proposal(transactionsMax: Int, bytesMax: Int, fuelMax: UInt64) -> [Transaction] { [] }
    func committed(_ block: Block, nextHeight: UInt64) {}
    func oldestPending() -> InclusionWatch.Candidate? { nil }
}

private struct AcceptingScreen: TransactionScreen {
    func accepts(_ transactions: [Transaction]) -> Bool { true }
}
