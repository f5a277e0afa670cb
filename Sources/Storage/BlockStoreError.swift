import ChainTypes

/// Why `BlockStore.append` refused a block; when it throws, nothing was written.
public enum BlockStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Blocks are appended in order from height 1: the block's height is not the latest height + 1.
    case heightNotNext(expected: UInt64, received: UInt64)
    /// The block's parent hash is not the hash of the stored latest block.
    case parentMismatch(expected: Hash, received: Hash)
    /// The certificate certifies another block: its height and block hash are given.
    case certificateMismatch(height: UInt64, blockHash: Hash)
    /// The block has more transactions than `Limits.blockTransactionsMax`.
    case tooManyTransactions(count: Int)
    /// Reading the current chain or writing the batch failed.
    case storage(StorageError)

    public var description: String {
        switch self {
        case .heightNotNext(let expected, let received):
            return "expected a block at height \(expected), got height \(received)"
        case .parentMismatch(let expected, let received):
            return "parent hash \(received) is not the latest block's hash \(expected)"
        case .certificateMismatch(let height, let blockHash):
            return "certificate is for height \(height) block \(blockHash), not this block"
        case .tooManyTransactions(let count):
            return "block has \(count) transactions, more than \(Limits.blockTransactionsMax)"
        case .storage(let error):
            return error.description
        }
    }
}
