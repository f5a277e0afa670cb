import ChainTypes

/// Why the ledger refuses a transaction, at mempool admission or (for a faulty primary's block) at execution.
///
/// Each case reads as a sentence a developer can act on; the same text becomes the failed receipt's error
/// message when a block includes the transaction anyway (PBFT-NOTES rule 24).
public enum TransactionRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case wrongChain(expected: String, received: String)
    case badSignature(String)
    /// The nonce was already used: a replay or a duplicate.
    case nonceTooLow(expected: UInt64, received: UInt64)
    /// Earlier nonces of this sender are missing.
    case nonceGap(expected: UInt64, received: UInt64)
    case expired(expiryHeight: UInt64, height: UInt64)
    case unknownSender(Address)
    case senderSuspended(Address)
    case departmentRemoved(String)
    case roleNotAllowed(kind: TransactionKind, required: [Genesis.Role])
    case fuelLimitTooHigh(limit: UInt64, blockLimit: UInt64)
    case blockFuelExhausted(limit: UInt64, remaining: UInt64)
    case malformedPayload(String)
    /// The ledger could not check the transaction because it could not read its state; only `check`
    /// returns it (an action the state does not allow is a `reverted` receipt, not a rejection).
    case notAllowed(String)
    /// A governance proposal the current state would refuse (a parameter out of range, a certificate
    /// that does not parse or chain to its department's CA); only `check` returns it, execution reverts.
    case invalidProposal(String)
    /// The declared fuel limit is above the chain's per-transaction cap (`transactionFuelMax`).
    case transactionFuelTooHigh(limit: UInt64, transactionMax: UInt64)
    /// The declared fuel limit cannot pay the fixed cost of the transaction's kind (`LedgerFuel`).
    case fuelLimitTooLow(limit: UInt64, required: UInt64)

    public var description: String {
        switch self {
        case .tooLarge(let bytes, let limit): "transaction is \(bytes) bytes; the limit is \(limit)"
        case .wrongChain(let expected, let received): "transaction is for chain \"\(received)\", this chain is \"\(expected)\""
        case .badSignature(let reason): "bad signature: \(reason)"
        case .nonceTooLow(let expected, let received): "nonce \(received) already used (replay); next nonce is \(expected)"
        case .nonceGap(let expected, let received): "nonce \(received) leaves a gap; next nonce is \(expected)"
        case .expired(let expiryHeight, let height): "transaction expired at height \(expiryHeight); chain is at \(height)"
        case .unknownSender(let address): "sender \(address) is not a registered account"
        case .senderSuspended(let address): "sender \(address) is suspended"
        case .departmentRemoved(let department): "sender's department \(department) has been removed"
        case .roleNotAllowed(let kind, let required):
            "\(kind) transactions need one of the roles \(required.map(\.rawValue).joined(separator: ", "))"
        case .fuelLimitTooHigh(let limit, let blockLimit): "fuel limit \(limit) exceeds the block fuel limit \(blockLimit)"
        case .blockFuelExhausted(let limit, let remaining): "fuel limit \(limit) exceeds the \(remaining) fuel left in this block"
        case .malformedPayload(let reason): "malformed payload: \(reason)"
        case .notAllowed(let reason): reason
        case .invalidProposal(let reason): "invalid proposal: \(reason)"
        case .transactionFuelTooHigh(let limit, let transactionMax):
            "fuel limit \(limit) exceeds the per-transaction fuel limit \(transactionMax)"
        case .fuelLimitTooLow(let limit, let required): "fuel limit \(limit) is below the \(required) fuel this transaction costs"
        }
    }

    /// A stable machine-readable code for RPC clients.
    public var code: String {
        switch self {
        case .tooLarge: "too_large"
        case .wrongChain: "wrong_chain"
        case .badSignature: "bad_signature"
        case .nonceTooLow: "nonce_too_low"
        case .nonceGap: "nonce_gap"
        case .expired: "expired"
        case .unknownSender: "unknown_sender"
        case .senderSuspended: "sender_suspended"
        case .departmentRemoved: "department_removed"
        case .roleNotAllowed: "role_not_allowed"
        case .fuelLimitTooHigh: "fuel_limit_too_high"
        case .blockFuelExhausted: "block_fuel_exhausted"
        case .malformedPayload: "malformed_payload"
        case .notAllowed: "not_allowed"
        case .invalidProposal: "invalid_proposal"
        case .transactionFuelTooHigh: "transaction_fuel_too_high"
        case .fuelLimitTooLow: "fuel_limit_too_low"
        }
    }
}

/// Why the ledger cannot execute, finalize or read: storage failures and blocks that break the chain.
///
/// These are node-level faults, not transaction failures: a block that does not follow the ledger, a
/// state root that disagrees with the header, or a damaged store. The node stops and reports them.
public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    case storage(String)
    case corruption(String)
    /// A block that is not the next height.
    case unexpectedHeight(expected: UInt64, received: UInt64)
    /// The header's state root is not this ledger's root after the parent: the node has diverged.
    case stateRootMismatch(height: UInt64, header: Hash, local: Hash)
    case previousReceiptsRootMismatch(height: UInt64, header: Hash, local: Hash)
    /// `finalize` was given a block other than the one last executed.
    case notExecuted(height: UInt64)
    case genesis(GenesisError)
    /// The store belongs to another chain (its genesis hash differs).
    case genesisMismatch(stored: Hash, expected: Hash)
    case invalidBlock(String)

    public var description: String {
        switch self {
        case .storage(let message): "storage: \(message)"
        case .corruption(let message): "corrupted ledger: \(message)"
        case .unexpectedHeight(let expected, let received): "expected block \(expected), received \(received)"
        case .stateRootMismatch(let height, let header, let local):
            "block \(height) carries state root \(header), but the local state root is \(local)"
        case .previousReceiptsRootMismatch(let height, let header, let local):
            "block \(height) carries receipts root \(header), but the local receipts root is \(local)"
        case .notExecuted(let height): "block \(height) was not the block last executed"
        case .genesis(let error): error.description
        case .genesisMismatch(let stored, let expected): "the data directory holds chain \(stored), not \(expected)"
        case .invalidBlock(let message): "invalid block: \(message)"
        }
    }
}
