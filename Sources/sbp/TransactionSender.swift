import ArgumentParser
import ChainTypes
import Foundation
import Keys

/// What a new transaction needs from the chain: its id, the sender's next nonce and the latest height.
struct ChainContext: Sendable {
    var chainId: String
    /// The sender's next nonce counting the node's pending transactions (`pendingNonce`).
    var nonce: UInt64
    var latestHeight: UInt64

    /// Reads `node_status` and the sender's account (`membership_getAccount`): its `pendingNonce`, or its
    /// committed `nonce` from a node that does not report one.
    static func lookUp(sender: Address, client: JSONRPCClient) async throws -> ChainContext {
        let status = try await client.object("node_status")
        guard let chainId = status["chainId"]?.string, let latestHeight = status["latestHeight"]?.uint64 else {
            throw RPCClientError.unexpected(method: "node_status", reason: "no chainId or latestHeight")
        }
        guard
            let account = try await client.object(
                "membership_getAccount", [.string(sender.description)], nilOn: RPCClientError.notFoundCode)
        else {
            throw CommandError(
                "the key's address \(sender) is not a registered account on chain \(chainId); a department admin adds it with `sbp account add`"
            )
        }
        guard let nonce = account["pendingNonce"]?.uint64 ?? account["nonce"]?.uint64 else {
            throw RPCClientError.unexpected(method: "membership_getAccount", reason: "no nonce")
        }
        if account["suspended"]?.bool == true {
            Progress.note("warning: account \(sender) is suspended; the node will refuse its transactions")
        }
        return ChainContext(chainId: chainId, nonce: nonce, latestHeight: latestHeight)
    }
}

/// Builds, signs and submits transactions of any kind for one sender, and reports their receipts.
///
/// Every write command goes through `run`: look up the chain id and nonce, sign, then either print the
/// signed transaction (`--sign-only`) or submit it, wait for its block with progress on standard error, and
/// print the receipt (text, or JSON on standard output). A receipt other than `success` fails the command.
struct TransactionSender {
    let options: SenderOptions
    let key: PrivateKey

    init(options: SenderOptions) throws {
        self.options = options
        key = try options.signingKey()
    }

    var client: JSONRPCClient { options.client }

    /// The signed transaction of `kind` with `payload`, valid for `CLILimits.expiryBlocksDefault` blocks.
    func sign(_ kind: TransactionKind, payload: [UInt8], context: ChainContext) throws -> Transaction {
        guard payload.count <= Limits.transactionPayloadBytesMax else {
            throw CommandError("the payload is \(payload.count) bytes; a transaction carries at most \(Limits.transactionPayloadBytesMax)")
        }
        // The height comes from the node: one that reports a height near 2^64 gets an error, not a trap.
        let (expiryHeight, overflow) = context.latestHeight.addingReportingOverflow(CLILimits.expiryBlocksDefault)
        guard !overflow else {
            throw CommandError(
                "the node reports height \(context.latestHeight); no expiry height lies \(CLILimits.expiryBlocksDefault) blocks past it")
        }
        let body = TransactionBody(
            chainId: context.chainId, sender: key.address, nonce: context.nonce, kind: kind, payload: payload, fuelLimit: options.fuel,
            expiryHeight: expiryHeight)
        return try Transaction(signing: body, with: key)
    }

    /// Signs and sends a transaction and reports its receipt.
    ///
    /// `announce` may describe the signed transaction before it is submitted (progress); `extras` adds
    /// command-specific members to the report (a deployed address, a proposal id, a decoded result).
    func run(
        _ kind: TransactionKind, payload: [UInt8], announce: (Transaction) -> String? = { _ in nil },
        extras: (Transaction, JSON) -> [String: JSON] = { _, _ in [:] }
    ) async throws {
        var context = try await ChainContext.lookUp(sender: key.address, client: client)
        let record = SignedNonceRecord(directory: options.nonceDirectory, chainId: context.chainId, sender: key.address)
        if let nonce = options.nonce {
            context.nonce = nonce
        } else if options.signOnly {
            // Transactions signed here and not yet sent are not pending at the node: follow them.
            context.nonce = max(context.nonce, record.nextNonce())
        }
        let transaction = try sign(kind, payload: payload, context: context)
        if options.signOnly {
            // An explicit --nonce is the caller's own numbering: it does not move the record.
            if options.nonce == nil { record.signed(nonce: transaction.body.nonce) }
            SignedTransactionReport.print(transaction, output: options.output)
            return
        }
        if let line = announce(transaction) { Progress.note(line) }
        let receipt = try await Self.waitForReceipt(transaction, client: client, timeoutSeconds: options.timeout)
        try ReceiptReport.print(receipt, extras: extras(transaction, receipt), output: options.output)
    }

    /// Submits `transaction` with `tx_sendAndWait` and waits for its receipt, up to `timeoutSeconds`.
    ///
    /// One `tx_sendAndWait` waits at most `CLILimits.sendAndWaitTimeoutMs`; on its timeout (−32005) the
    /// CLI says it is still waiting and asks again, which the node answers without submitting twice.
    static func waitForReceipt(_ transaction: Transaction, client: JSONRPCClient, timeoutSeconds: Int) async throws -> JSON {
        let hash = transaction.hash
        let encoded = JSON.hex(transaction.canonicalBytes)
        let start = ContinuousClock.now
        let deadline = start + .seconds(timeoutSeconds)
        Progress.note("submitted \(hash), waiting for a block...")
        while true {
            let remaining = deadline - ContinuousClock.now
            let waitMs = min(CLILimits.sendAndWaitTimeoutMs, UInt64(max(0, remaining.components.seconds * 1000)))
            let receipt = try await client.call(
                "tx_sendAndWait", [encoded, .uint64(waitMs)], nilOn: RPCClientError.timeoutCode,
                timeoutSeconds: Double(waitMs) / 1000 + CLILimits.sendAndWaitSlackSeconds)
            if let receipt {
                guard receipt.object != nil else { throw RPCClientError.unexpected(method: "tx_sendAndWait", reason: "no receipt") }
                return receipt
            }
            guard ContinuousClock.now < deadline else {
                throw CommandError(
                    "no receipt for \(hash) within \(timeoutSeconds) s; it stays pending and may still commit: `sbp tx get \(hash)`")
            }
            Progress.note("still waiting for \(hash) (\((ContinuousClock.now - start).components.seconds) s)...")
        }
    }
}

/// How `--sign-only` prints a signed transaction: its hash and canonical encoding, for `sbp tx send`.
enum SignedTransactionReport {
    static func json(_ transaction: Transaction) -> JSON {
        ["hash": .string(transaction.hash.description), "transaction": .hex(transaction.canonicalBytes)]
    }

    static func print(_ transaction: Transaction, output: OutputFormat) {
        switch output {
        case .json: Swift.print(json(transaction).rendered())
        case .text:
            Progress.note("signed \(transaction.hash) (nonce \(transaction.body.nonce)); send it with `sbp tx send HEX`")
            Swift.print("0x" + Hex.encode(transaction.canonicalBytes))
        }
    }
}
