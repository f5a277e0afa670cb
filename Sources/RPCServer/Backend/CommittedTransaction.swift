import ChainTypes

/// A committed transaction with where it is and how it ended (`tx_getByHash`, `tx_search`).
public struct CommittedTransaction: Hashable, Sendable {
    public var transaction: Transaction
    /// The height of the block that holds it.
    public var height: UInt64
    /// Its position in that block, from 0.
    public var index: UInt32
    public var blockHash: Hash
    /// Its receipt's status.
    public var status: ReceiptStatus

    public init(transaction: Transaction, height: UInt64, index: UInt32, blockHash: Hash, status: ReceiptStatus) {
        self.transaction = transaction
        self.height = height
        self.index = index
        self.blockHash = blockHash
        self.status = status
    }
}
