import ChainTypes

/// The fields of `Genesis.ConsensusParameters`, to set each one in turn.
public enum ConsensusField: CaseIterable, Sendable {
    case checkpointInterval, watermarkWindow, viewChangeTimeoutTicks, viewChangeTimeoutTicksMax, tickMs, blockTransactionsMax
    case blockBytesMax, blockFuelMax, timestampDriftMsMax, transactionFuelMax, blockWriteBytesMax

    public func set(_ parameters: inout Genesis.ConsensusParameters, _ value: UInt64) {
        switch self {
        case .checkpointInterval: parameters.checkpointInterval = value
        case .watermarkWindow: parameters.watermarkWindow = value
        case .viewChangeTimeoutTicks: parameters.viewChangeTimeoutTicks = value
        case .viewChangeTimeoutTicksMax: parameters.viewChangeTimeoutTicksMax = value
        case .tickMs: parameters.tickMs = value
        case .blockTransactionsMax: parameters.blockTransactionsMax = UInt32(truncatingIfNeeded: value)
        case .blockBytesMax: parameters.blockBytesMax = UInt32(truncatingIfNeeded: value)
        case .blockFuelMax: parameters.blockFuelMax = value
        case .timestampDriftMsMax: parameters.timestampDriftMsMax = value
        case .transactionFuelMax: parameters.transactionFuelMax = value
        case .blockWriteBytesMax: parameters.blockWriteBytesMax = value
        }
    }
}
