import ArgumentParser
import ChainTypes

/// `--checkpoint-interval`, `--tick-ms`, …: the consensus parameters a proposal changes; the others keep
/// the values in force (`consensus_getParams`), so a proposal names only what it changes.
struct ConsensusParameterOverrides: ParsableArguments {
    @Option(help: "Blocks between checkpoints (K).") var checkpointInterval: UInt64?
    @Option(help: "Heights accepted above the low watermark (L, at least 2K).") var watermarkWindow: UInt64?
    @Option(help: "Ticks before a backup suspects the primary.") var viewChangeTimeoutTicks: UInt64?
    @Option(help: "Cap of the doubling view-change timeout, in ticks.") var viewChangeTimeoutTicksMax: UInt64?
    @Option(help: "Milliseconds per tick.") var tickMs: UInt64?
    @Option(help: "Transactions per block at most.") var blockTransactionsMax: UInt32?
    @Option(help: "Block size at most, in bytes.") var blockBytesMax: UInt32?
    @Option(help: "Fuel per block at most.") var blockFuelMax: UInt64?
    @Option(help: "How far ahead of a replica's clock a block timestamp may be, in ms.") var timestampDriftMsMax: UInt64?
    @Option(help: "Fuel one transaction may declare at most (at most a block's fuel / 8).") var transactionFuelMax: UInt64?
    @Option(help: "Bytes of state and events one block may write.") var blockWriteBytesMax: UInt64?

    var isEmpty: Bool {
        [
            checkpointInterval, watermarkWindow, viewChangeTimeoutTicks, viewChangeTimeoutTicksMax, tickMs, blockFuelMax,
            timestampDriftMsMax,
            transactionFuelMax, blockWriteBytesMax,
        ]
        .allSatisfy { $0 == nil } && blockTransactionsMax == nil && blockBytesMax == nil
    }

    func applied(to current: Genesis.ConsensusParameters) -> Genesis.ConsensusParameters {
        var parameters = current
        parameters.checkpointInterval = checkpointInterval ?? current.checkpointInterval
        parameters.watermarkWindow = watermarkWindow ?? current.watermarkWindow
        parameters.viewChangeTimeoutTicks = viewChangeTimeoutTicks ?? current.viewChangeTimeoutTicks
        parameters.viewChangeTimeoutTicksMax = viewChangeTimeoutTicksMax ?? current.viewChangeTimeoutTicksMax
        parameters.tickMs = tickMs ?? current.tickMs
        parameters.blockTransactionsMax = blockTransactionsMax ?? current.blockTransactionsMax
        parameters.blockBytesMax = blockBytesMax ?? current.blockBytesMax
        parameters.blockFuelMax = blockFuelMax ?? current.blockFuelMax
        parameters.timestampDriftMsMax = timestampDriftMsMax ?? current.timestampDriftMsMax
        parameters.transactionFuelMax = transactionFuelMax ?? current.transactionFuelMax
        parameters.blockWriteBytesMax = blockWriteBytesMax ?? current.blockWriteBytesMax
        return parameters
    }

    /// The `consensus` member of `consensus_getParams`.
    static func parse(_ json: JSON?) throws -> Genesis.ConsensusParameters {
        func field(_ name: String) throws -> UInt64 {
            guard let value = json?[name]?.uint64 else {
                throw RPCClientError.unexpected(method: "consensus_getParams", reason: "no consensus.\(name)")
            }
            return value
        }
        func field32(_ name: String) throws -> UInt32 {
            guard let value = UInt32(exactly: try field(name)) else {
                throw RPCClientError.unexpected(method: "consensus_getParams", reason: "consensus.\(name) is not a u32")
            }
            return value
        }
        return Genesis.ConsensusParameters(
            checkpointInterval: try field("checkpointInterval"), watermarkWindow: try field("watermarkWindow"),
            viewChangeTimeoutTicks: try field("viewChangeTimeoutTicks"), viewChangeTimeoutTicksMax: try field("viewChangeTimeoutTicksMax"),
            tickMs: try field("tickMs"), blockTransactionsMax: try field32("blockTransactionsMax"),
            blockBytesMax: try field32("blockBytesMax"),
            blockFuelMax: try field("blockFuelMax"), timestampDriftMsMax: try field("timestampDriftMsMax"),
            transactionFuelMax: try field("transactionFuelMax"), blockWriteBytesMax: try field("blockWriteBytesMax"))
    }

    static func json(_ parameters: Genesis.ConsensusParameters) -> JSON {
        [
            "checkpointInterval": .uint64(parameters.checkpointInterval), "watermarkWindow": .uint64(parameters.watermarkWindow),
            "viewChangeTimeoutTicks": .uint64(parameters.viewChangeTimeoutTicks),
            "viewChangeTimeoutTicksMax": .uint64(parameters.viewChangeTimeoutTicksMax), "tickMs": .uint64(parameters.tickMs),
            "blockTransactionsMax": .integer(Int64(parameters.blockTransactionsMax)),
            "blockBytesMax": .integer(Int64(parameters.blockBytesMax)),
            "blockFuelMax": .uint64(parameters.blockFuelMax), "timestampDriftMsMax": .uint64(parameters.timestampDriftMsMax),
            "transactionFuelMax": .uint64(parameters.transactionFuelMax), "blockWriteBytesMax": .uint64(parameters.blockWriteBytesMax),
        ]
    }
}

/// `--threshold 2/3`, `--proposal-lifetime-blocks`, `--departments-may-deploy`: the governance parameters
/// a proposal changes; the others keep the values in force.
struct GovernanceParameterOverrides: ParsableArguments {
    @Option(
        help: ArgumentHelp("Share of departments whose yes votes pass a proposal, as N/D.", valueName: "N/D"), transform: Self.threshold)
    var threshold: Threshold?

    @Option(help: "Blocks after which an undecided proposal expires.")
    var proposalLifetimeBlocks: UInt64?

    @Option(help: ArgumentHelp("Whether department admins may deploy their own contracts.", valueName: "true|false"))
    var departmentsMayDeploy: Bool?

    struct Threshold: Equatable {
        var numerator: UInt32
        var denominator: UInt32
    }

    static func threshold(_ text: String) throws -> Threshold {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let numerator = UInt32(parts[0]), let denominator = UInt32(parts[1]) else {
            throw ValidationError("the threshold must be N/D, for example 2/3: '\(text)'")
        }
        return Threshold(numerator: numerator, denominator: denominator)
    }

    var isEmpty: Bool { threshold == nil && proposalLifetimeBlocks == nil && departmentsMayDeploy == nil }

    func applied(to current: Genesis.GovernanceParameters) -> Genesis.GovernanceParameters {
        var parameters = current
        if let threshold {
            parameters.thresholdNumerator = threshold.numerator
            parameters.thresholdDenominator = threshold.denominator
        }
        parameters.proposalLifetimeBlocks = proposalLifetimeBlocks ?? current.proposalLifetimeBlocks
        parameters.departmentsMayDeploy = departmentsMayDeploy ?? current.departmentsMayDeploy
        return parameters
    }

    /// The `governance` member of `consensus_getParams`.
    static func parse(_ json: JSON?) throws -> Genesis.GovernanceParameters {
        guard let numerator = json?["thresholdNumerator"]?.uint64.flatMap(UInt32.init(exactly:)),
            let denominator = json?["thresholdDenominator"]?.uint64.flatMap(UInt32.init(exactly:)),
            let lifetime = json?["proposalLifetimeBlocks"]?.uint64, let mayDeploy = json?["departmentsMayDeploy"]?.bool
        else { throw RPCClientError.unexpected(method: "consensus_getParams", reason: "incomplete governance parameters") }
        return Genesis.GovernanceParameters(
            thresholdNumerator: numerator, thresholdDenominator: denominator, proposalLifetimeBlocks: lifetime,
            departmentsMayDeploy: mayDeploy)
    }

    static func json(_ parameters: Genesis.GovernanceParameters) -> JSON {
        [
            "thresholdNumerator": .integer(Int64(parameters.thresholdNumerator)),
            "thresholdDenominator": .integer(Int64(parameters.thresholdDenominator)),
            "proposalLifetimeBlocks": .uint64(parameters.proposalLifetimeBlocks),
            "departmentsMayDeploy": .bool(parameters.departmentsMayDeploy),
        ]
    }
}
