import ChainTypes

/// The simulator's deterministic application: a counter incremented by each transaction's payload.
///
/// Its state root chains every executed block, so two replicas agree on a root only if they executed the
/// same blocks in the same order: exactly what the checkpoint checker needs.
public struct CounterApplication: Sendable, Equatable {
    public private(set) var height: UInt64 = 0
    public private(set) var total: UInt64 = 0
    public private(set) var stateRoot: Hash
    public private(set) var receiptsRoot: Hash = MerkleRoot.empty

    public static let genesisRoot = Hash.sha256(Array("sbp-simulation-genesis".utf8))

    public init() { stateRoot = Self.genesisRoot }

    public mutating func execute(_ block: Block) {
        precondition(block.height == height + 1, "blocks execute in order")
        for transaction in block.transactions {
            var value: UInt64 = 0
            for byte in transaction.body.payload.prefix(8).reversed() { value = value << 8 | UInt64(byte) }
            total &+= value
        }
        height = block.height
        var encoder = CanonicalEncoder()
        encoder.write(stateRoot)
        encoder.write(block.hash)
        encoder.write(total)
        stateRoot = Hash.sha256(encoder.bytes)
        receiptsRoot = MerkleRoot.of(block.transactions.map(\.hash))
    }
}
