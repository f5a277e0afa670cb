import Ledger
import PeerNetwork

/// What a build can do across versions: the chain protocol versions it executes and the peer protocol
/// versions it speaks, from one table so the two always change together (ADR 0016, docs/operations.md
/// "Upgrading").
///
/// A node runs with `thisBuild`. `nextBuildRehearsal` is what the next release will declare: it exists so
/// that a rolling upgrade, a peer negotiation between two builds and a governance activation can be tested
/// end to end from one compiled binary (CI cannot build two). Only the test executable `sbp-byzantine`
/// (`--as-next-build`) runs with it; the production `sbp` binary has no switch that makes it claim versions it
/// was not written for.
public struct BuildCapabilities: Hashable, Sendable {
    /// The chain protocol versions block execution implements (`Ledger.executableProtocolVersions`).
    public var chainProtocolVersions: ClosedRange<UInt32>
    /// The peer protocol versions the node speaks, the range its hello announces (`PeerProtocol`).
    public var peerProtocolVersions: ClosedRange<UInt32>

    public init(chainProtocolVersions: ClosedRange<UInt32>, peerProtocolVersions: ClosedRange<UInt32>) {
        self.chainProtocolVersions = chainProtocolVersions
        self.peerProtocolVersions = peerProtocolVersions
    }

    /// This build: chain protocol `ChainProtocol.executable`, peer protocol `PeerProtocol.accepted`.
    public static let thisBuild = BuildCapabilities(
        chainProtocolVersions: ChainProtocol.executable, peerProtocolVersions: PeerProtocol.accepted)

    /// The next build, rehearsed (tests only): it executes one chain protocol version more and speaks one peer
    /// protocol version more, both with the rules and messages of the highest version this build has.
    ///
    /// The added versions change nothing but their number, so a rehearsal exercises exactly the upgrade
    /// machinery (negotiation, activation at a height, the halt of a build that cannot follow) and no rule
    /// that was never written. A real next release replaces this entry with the versions it implements.
    public static let nextBuildRehearsal = BuildCapabilities(
        chainProtocolVersions: ChainProtocol.executable.lowerBound...(ChainProtocol.executable.upperBound + 1),
        peerProtocolVersions: PeerProtocol.accepted.lowerBound...(PeerProtocol.accepted.upperBound + 1))
}
