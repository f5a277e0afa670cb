import ChainTypes

/// Where a committed transaction is: the block height and its position in that block's transaction list.
///
/// It is the value of the transaction-hash index (DESIGN §4), so an explorer finds any committed
/// transaction with one index read and one block read.
public struct TransactionLocation: Hashable, Sendable, CustomStringConvertible {
    public var height: UInt64
    /// The zero-based position in `Block.transactions`.
    public var index: UInt32

    public init(height: UInt64, index: UInt32) {
        self.height = height
        self.index = index
    }

    public var description: String { "\(height):\(index)" }
}

extension TransactionLocation: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(height)
        encoder.write(index)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        height = try decoder.readUInt64()
        index = try decoder.readUInt32()
    }
}
