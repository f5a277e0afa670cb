/// Environment variables that make a node misbehave on purpose, for tests of how the others cope.
///
/// The integration tests start real `sbp node start` processes, so a Byzantine behaviour can only be
/// switched on from outside the process. A node with one of these set logs a warning at start; never set
/// them on a real network.
public enum FaultInjection {
    /// An address in hex: as primary, the node leaves that sender's transactions out of every proposal, as
    /// a censoring primary would. The other validators must replace it (rule 13, `InclusionWatch`).
    public static let censorSenderVariable = "SBP_FAULT_CENSOR_SENDER"
}
