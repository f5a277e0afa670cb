import ChainTypes

/// What `tx_search` looks for; every member given must match (an empty filter matches every transaction).
public struct TransactionFilter: Hashable, Sendable {
    /// Only transactions this account sent (served from the sender index).
    public var sender: Address?
    /// Only `call` transactions addressed to this contract.
    public var contract: Address?
    /// Only blocks at or above this height (default 1).
    public var fromHeight: UInt64?
    /// Only blocks at or below this height (default: the latest).
    public var toHeight: UInt64?
    /// Only transactions whose receipt has this status.
    public var status: ReceiptStatus?

    public init(
        sender: Address? = nil, contract: Address? = nil, fromHeight: UInt64? = nil, toHeight: UInt64? = nil,
        status: ReceiptStatus? = nil
    ) {
        self.sender = sender
        self.contract = contract
        self.fromHeight = fromHeight
        self.toHeight = toHeight
        self.status = status
    }

    /// Whether `transaction` at `height` with `status` passes every member of the filter.
    public func matches(_ transaction: Transaction, height: UInt64, status: ReceiptStatus) -> Bool {
        if let sender, transaction.body.sender != sender { return false }
        if let fromHeight, height < fromHeight { return false }
        if let toHeight, height > toHeight { return false }
        if let wanted = self.status, wanted != status { return false }
        if let contract {
            guard transaction.body.kind == .call, let call = try? CallPayload(canonicalBytes: transaction.body.payload),
                call.contract == contract
            else { return false }
        }
        return true
    }
}

/// The position of a committed transaction, as a `tx_search` page cursor: the page after it starts
/// strictly after (`height`, `index`).
public struct TransactionCursor: Hashable, Sendable, Comparable {
    public var height: UInt64
    public var index: UInt32

    public init(height: UInt64, index: UInt32) {
        self.height = height
        self.index = index
    }

    /// The cursor after every transaction of block `height`: the next page starts at block `height + 1`.
    public static func endOfBlock(_ height: UInt64) -> TransactionCursor { TransactionCursor(height: height, index: .max) }

    /// The opaque string clients pass back.
    public var encoded: String { PageCursor.encode(.transaction, [(height, 8), (UInt64(index), 4)]) }

    /// Reads a string `encoded` wrote; nil for anything else.
    public init?(encoded text: String) {
        guard let fields = PageCursor.decode(text, .transaction, widths: [8, 4]) else { return nil }
        self.init(height: fields[0], index: UInt32(fields[1]))
    }

    public static func < (lhs: TransactionCursor, rhs: TransactionCursor) -> Bool { (lhs.height, lhs.index) < (rhs.height, rhs.index) }
}

/// One page of `tx_search`.
public struct TransactionPage: Hashable, Sendable {
    public var transactions: [CommittedTransaction]
    /// Where the next page starts; nil when the search reached the end of its range.
    public var nextCursor: TransactionCursor?

    public init(transactions: [CommittedTransaction], nextCursor: TransactionCursor?) {
        self.transactions = transactions
        self.nextCursor = nextCursor
    }
}
