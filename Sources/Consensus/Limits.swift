import ChainTypes

/// Bounds of the consensus core (DESIGN §1.4): every buffer, proof and jump has a named maximum.
public enum ConsensusLimits {
    /// Prepared certificates in one VIEW-CHANGE; P only covers (s, s+L], and L is at most this.
    public static let preparedCertificatesMax = 256
    /// Watermark window L may not exceed the prepared certificates a view change can carry.
    public static let watermarkWindowMax = UInt64(preparedCertificatesMax)
    /// Blocks returned by one state-transfer response.
    public static let fetchBlocksMax = 32
    /// Messages for future views or heights kept until they can be acted on (rule 7).
    public static let futureMessagesMax = 1024
    /// How far above its own view a replica acts on a single peer's view number without f+1 support
    /// (rule 16c). Anything further is ignored until f+1 replicas vouch for a higher view.
    public static let viewJumpMax: UInt64 = 64
    /// Messages one replica may emit per step (bounds the output of any single input).
    public static let outgoingPerStepMax = 4096
}
