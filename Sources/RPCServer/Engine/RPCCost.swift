/// The most work one call of a method can do, declared with the method (`RPCMethod.cost`), and the budget
/// one request (a single call or a whole batch) may spend (issue 14, defect 5).
///
/// Costs are worst cases fixed by the per-call limits (`RPCLimits.searchScanBlocksMax`, the query fuel),
/// so the engine checks a batch's budget before running each entry, without measuring anything.
public struct RPCCost: Sendable, Equatable {
    /// Blocks (or index pages) one call may read.
    public var blocks: UInt64
    /// Contract fuel one call may burn.
    public var fuel: UInt64

    public init(blocks: UInt64, fuel: UInt64 = 0) {
        self.blocks = blocks
        self.fuel = fuel
    }

    /// A lookup: one block, record or index entry.
    public static let lookup = RPCCost(blocks: 1)
    /// A search without an index: up to `searchScanBlocksMax` blocks.
    public static let search = RPCCost(blocks: RPCLimits.searchScanBlocksMax)
    /// A read-only contract call at the query fuel limit.
    public static let contractQuery = RPCCost(blocks: 1, fuel: RPCLimits.queryFuelMax)
}

/// What one HTTP request or WebSocket message may spend across its calls (`[rpc]` `batch_blocks_max`, ...).
public struct RPCCostLimits: Sendable, Hashable {
    /// Blocks all calls of one request may read, by their declared costs.
    public var blocksMax: UInt64
    /// Contract fuel all calls of one request may burn.
    public var fuelMax: UInt64
    /// Bytes of one request's response (one call's result, or all of a batch's together).
    public var responseBytesMax: Int

    public init(
        blocksMax: UInt64 = RPCLimits.batchBlocksMaxDefault, fuelMax: UInt64 = RPCLimits.batchFuelMaxDefault,
        responseBytesMax: Int = RPCLimits.responseBytesMaxDefault
    ) {
        self.blocksMax = blocksMax
        self.fuelMax = fuelMax
        self.responseBytesMax = responseBytesMax
    }
}

/// What the calls of one request have spent so far.
struct RPCBudget {
    let limits: RPCCostLimits
    private(set) var blocks: UInt64 = 0
    private(set) var fuel: UInt64 = 0
    private(set) var responseBytes = 0

    init(limits: RPCCostLimits) {
        self.limits = limits
    }

    /// Spends a call's declared cost, or names the budget it would exceed (−32004).
    mutating func spend(_ cost: RPCCost) throws(RPCError) {
        let (blocks, blocksOverflow) = self.blocks.addingReportingOverflow(cost.blocks)
        guard !blocksOverflow, blocks <= limits.blocksMax else {
            throw .limitExceeded("blocks read by one request", limit: Int(clamping: limits.blocksMax), received: Int(clamping: blocks))
        }
        let (fuel, fuelOverflow) = self.fuel.addingReportingOverflow(cost.fuel)
        guard !fuelOverflow, fuel <= limits.fuelMax else {
            throw .limitExceeded("contract fuel of one request", limit: Int(clamping: limits.fuelMax), received: Int(clamping: fuel))
        }
        self.blocks = blocks
        self.fuel = fuel
    }

    /// Counts a response's bytes; false when it would take the request past `responseBytesMax`.
    mutating func addResponse(bytes: Int) -> Bool {
        guard bytes <= limits.responseBytesMax - responseBytes else { return false }
        responseBytes += bytes
        return true
    }
}
