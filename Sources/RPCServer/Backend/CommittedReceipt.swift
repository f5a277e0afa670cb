import ChainTypes

/// A receipt with where its transaction was committed, as `tx_getReceipt` reports it.
///
/// `Receipt` itself is position-free (it is hashed into the receipts root); explorers also need the block
/// and the index, which the node's tx-hash index (DESIGN §4) supplies.
public struct CommittedReceipt: Hashable, Sendable {
    public var receipt: Receipt
    /// The height of the block that holds the transaction.
    public var height: UInt64
    /// The transaction's position in that block, from 0.
    public var index: UInt32
    public var blockHash: Hash

    public init(receipt: Receipt, height: UInt64, index: UInt32, blockHash: Hash) {
        self.receipt = receipt
        self.height = height
        self.index = index
        self.blockHash = blockHash
    }
}
