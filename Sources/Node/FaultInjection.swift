import ChainTypes
import Consensus

/// Deliberate misbehaviour of a node, for tests of how the other nodes cope (issue 13, deliver 8).
///
/// The production `sbp` binary never sets any: only the test-only executable `sbp-byzantine` passes faults
/// to `NodeRuntime`, so no switch, variable or option can make a deployed node misbehave.
public struct NodeFaults: Sendable {
    /// Rewrites each consensus message this node sends, state-transfer replies included, into the messages
    /// actually sent to the same target: none (drop), the message itself, mutated ones, or many (a flood).
    public var outgoing: (@Sendable (Message) -> [Message])?
    /// Filters the transactions of each proposal this node makes as primary (a censoring primary).
    public var proposal: (@Sendable ([Transaction]) -> [Transaction])?
    /// Whether this node leaves a state-transfer request from the named peer unanswered (a node that
    /// withholds committed blocks).
    public var withholdBlocks: (@Sendable (_ peer: String) -> Bool)?
    /// Stale tree nodes one pruning step deletes instead of `LedgerLimits.pruneRecordsPerStep`, and what the
    /// pruning thread does after each step (given the nodes it deleted and whether the round is complete):
    /// a slow pruner, so that a test can kill the node in the middle of a round.
    public var pruning: (nodesPerStep: Int, afterStep: @Sendable (_ nodesDeleted: Int, _ isComplete: Bool) -> Void)?

    public init(
        outgoing: (@Sendable (Message) -> [Message])? = nil, proposal: (@Sendable ([Transaction]) -> [Transaction])? = nil,
        withholdBlocks: (@Sendable (_ peer: String) -> Bool)? = nil
    ) {
        self.outgoing = outgoing
        self.proposal = proposal
        self.withholdBlocks = withholdBlocks
    }

    /// Whether any fault is set (the node then logs a warning at start).
    public var isEmpty: Bool { outgoing == nil && proposal == nil && withholdBlocks == nil && pruning == nil }
}

/// A transport that passes every outgoing consensus message through `NodeFaults.outgoing`.
struct FaultyTransport: PeerTransport {
    let inner: any PeerTransport
    let rewrite: @Sendable (Message) -> [Message]

    func send(_ message: PeerMessage, to name: String) {
        for rewritten in rewritten(message) { inner.send(rewritten, to: name) }
    }

    func broadcast(_ message: PeerMessage) {
        for rewritten in rewritten(message) { inner.broadcast(rewritten) }
    }

    private func rewritten(_ message: PeerMessage) -> [PeerMessage] {
        guard case .consensus(let consensus) = message else { return [message] }
        return rewrite(consensus).map { .consensus($0) }
    }
}
