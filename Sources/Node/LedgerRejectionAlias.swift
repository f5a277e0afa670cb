import Ledger

/// The ledger's rejection type, named apart from the RPC server's `TransactionRejection`.
typealias LedgerRejection = TransactionRejection
