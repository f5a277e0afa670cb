import ChainTypes
import Foundation
import Ledger
import LedgerFixtures
import Storage
import Testing

@testable import Node

/// The peer trust is rebuilt after a block only when the chain state it comes from changed (issue 18,
/// deliver 7: an idle chain commits a block a second, and parsing every certificate after each one was a
/// quarter of an idle node's CPU).
@Suite struct TrustRefreshTests {
    @Test func aBlockThatLeavesCertificatesAloneRebuildsNothing() throws {
        let chain = try FixtureChain()
        let ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle)
        let digest = TrustDigest()
        let first = try #require(digest.rebuild(from: try ChainTrust.inputs(of: try ledger.view())))
        #expect(first.problems.isEmpty)
        #expect(digest.rebuild(from: try ChainTrust.inputs(of: try ledger.view())) == nil)

        _ = try chain.commit([], on: ledger)
        let holder = Hash.sha256(Array("salt/alice".utf8)).hex
        let issuer = try #require(chain.issuers["TD"])
        _ = try chain.commit(
            [try chain.licenceCall("issue", ["L-1", "driving", holder, "1000", "4000000000000", "none"], from: issuer)], on: ledger)
        let afterBlocks = try ChainTrust.inputs(of: try ledger.view())
        #expect(digest.rebuild(from: afterBlocks) == nil, "blocks that change no certificate leave the trust as it was")

        var revoked = afterBlocks
        revoked.revokedCertificates.append(Hash.sha256(Array("a revoked certificate".utf8)))
        revoked.digest = Hash.sha256(Array("inputs with a revocation".utf8))
        let rebuilt = try #require(digest.rebuild(from: revoked), "a changed digest rebuilds the trust")
        #expect(rebuilt.trust.revokedCertificates.contains(Hash.sha256(Array("a revoked certificate".utf8))))
        #expect(digest.value.withLock { $0 } == revoked.digest)
    }

    /// ADR 0018: whether the node is behind changes the trust the host holds even when no certificate changed,
    /// so the host re-judges provisional links the moment the node catches up.
    @Test func catchingUpAloneHandsTheHostANewTrust() throws {
        let chain = try FixtureChain()
        let ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle)
        let digest = TrustDigest()
        let inputs = try ChainTrust.inputs(of: try ledger.view())
        #expect(try #require(digest.rebuild(from: inputs, behind: true)).trust.admitsProvisionalDials)
        #expect(digest.rebuild(from: inputs, behind: true) == nil)
        let caughtUp = try #require(digest.rebuild(from: inputs, behind: false), "catching up alone rebuilds nothing but hands a trust")
        #expect(!caughtUp.trust.admitsProvisionalDials && caughtUp.problems.isEmpty)
        #expect(digest.setBehind(false) == nil)
        #expect(digest.setBehind(true)?.admitsProvisionalDials == true)
    }

    @Test func aNodeIsBehindWhenItsLatestBlockIsOlderThanTheLag() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let nowMs: UInt64 = 1_800_000_000_000
        #expect(!ChainTrust.isBehind(headTimestampMs: nowMs - NodeLimits.provisionalTrustLagMs, now: now))
        #expect(ChainTrust.isBehind(headTimestampMs: nowMs - NodeLimits.provisionalTrustLagMs - 1, now: now))
        #expect(!ChainTrust.isBehind(headTimestampMs: nowMs + 60_000, now: now), "a block from a clock ahead is not behind")
    }
}
