/// The parameters a new network starts with (`sbp network init`), beside `Genesis` so that every module
/// that makes or checks a genesis uses the same ones without depending on the setup code.
extension Genesis.ConsensusParameters {
    /// Those of `Genesis/example.json`: a checkpoint every 16 blocks in a window of 64 (L = 4K, PBFT §4.3),
    /// ticks of 100 ms with a view-change timeout of 2 s doubling up to 128 s, and blocks of at most
    /// 2,000 transactions, 4 MiB and 10^10 fuel.
    public static let defaults = Genesis.ConsensusParameters(
        checkpointInterval: 16, watermarkWindow: 64, viewChangeTimeoutTicks: 20, viewChangeTimeoutTicksMax: 1280, tickMs: 100,
        blockTransactionsMax: 2000, blockBytesMax: 4 * 1024 * 1024, blockFuelMax: 10_000_000_000, timestampDriftMsMax: 5000)
}

extension Genesis.GovernanceParameters {
    /// Two thirds of departments pass a proposal (DESIGN §5); undecided proposals expire after 10,000
    /// blocks; departments deploy their own contracts only through governance.
    public static let defaults = Genesis.GovernanceParameters(
        thresholdNumerator: 2, thresholdDenominator: 3, proposalLifetimeBlocks: 10_000, departmentsMayDeploy: false)
}
