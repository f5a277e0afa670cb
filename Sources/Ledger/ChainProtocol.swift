/// The chain protocol versions this build executes (ADR 0016, docs/operations.md "Versions and upgrades").
///
/// The chain records a protocol version (`ChainParameters.protocolVersion`: genesis, then governance's
/// `setProtocolVersion`); a version names the rules blocks execute by. A build that executes rules it was
/// not written for would compute a state root the rest of the network does not share, so the ledger
/// refuses to execute a block that begins under a version outside `executable` and the node halts there
/// (`LedgerError.unsupportedProtocolVersion`), and nodes refuse to admit a proposal for such a version.
public enum ChainProtocol {
    /// The versions this build's block execution implements. A build that adds version n executes
    /// `1...n` (branching on the version where the rules differ) until no chain it serves runs the old one.
    public static let executable: ClosedRange<UInt32> = 1...1
}
