import RPCServer

/// The RPC server's rejection type, named apart from the ledger's `TransactionRejection`.
typealias RPCRejection = TransactionRejection
