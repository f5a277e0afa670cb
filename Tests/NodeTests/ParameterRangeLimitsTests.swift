import ChainTypes
import Consensus
import Testing

/// The chain's parameter ranges against what the replica supports (issue 14, defect 1): a parameter the
/// ledger accepts never trips a precondition of `ReplicaConfiguration` when the node starts.
@Suite("Parameter ranges fit the replica")
struct ParameterRangeLimitsTests {
    @Test("every watermark window and checkpoint interval the chain accepts, the replica supports")
    func rangesFitTheReplica() {
        #expect(ParameterRanges.watermarkWindow.upperBound <= ConsensusLimits.watermarkWindowMax)
        #expect(ParameterRanges.checkpointInterval.lowerBound >= 1)
        #expect(ParameterRanges.checkpointInterval.upperBound * 2 <= ParameterRanges.watermarkWindow.upperBound)
        #expect(ParameterRanges.viewChangeTimeoutTicks.lowerBound >= 1)
        #expect(ParameterRanges.viewChangeTimeoutTicks.upperBound <= UInt64.max / 2, "doubling the timeout never overflows")
        let nowMsMax = UInt64(1) << 48  // year 10889
        #expect(ParameterRanges.timestampDriftMs.upperBound <= UInt64.max - nowMsMax, "now + drift never overflows")
        #expect(
            ParameterRanges.tickMs.upperBound.multipliedReportingOverflow(by: ParameterRanges.viewChangeTimeoutTicks.upperBound).overflow
                == false)
    }

    @Test("genesis parameters at the edges of their ranges make a replica configuration without trapping")
    func edgesMakeAReplicaConfiguration() throws {
        for (interval, window) in [
            (ParameterRanges.checkpointInterval.lowerBound, ParameterRanges.watermarkWindow.lowerBound),
            (ParameterRanges.checkpointInterval.upperBound, ParameterRanges.watermarkWindow.upperBound),
        ] {
            let parameters = Genesis.ConsensusParameters(
                checkpointInterval: interval, watermarkWindow: window,
                viewChangeTimeoutTicks: ParameterRanges.viewChangeTimeoutTicks.upperBound,
                viewChangeTimeoutTicksMax: ParameterRanges.viewChangeTimeoutTicks.upperBound, tickMs: 100, blockTransactionsMax: 100,
                blockBytesMax: ParameterRanges.blockBytes.lowerBound, blockFuelMax: 8_000, timestampDriftMsMax: 5000)
            try parameters.validate()
            let configuration = ReplicaConfiguration(
                chainId: "edges", checkpointInterval: parameters.checkpointInterval, watermarkWindow: parameters.watermarkWindow,
                viewChangeTimeoutTicks: parameters.viewChangeTimeoutTicks, viewChangeTimeoutTicksMax: parameters.viewChangeTimeoutTicksMax,
                timestampDriftMsMax: parameters.timestampDriftMsMax)
            #expect(configuration.watermarkWindow == window)
        }
    }
}
