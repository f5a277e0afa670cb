import ArgumentParser
import ChainTypes
import Foundation
import Keys

/// `sbp tx`: submit a signed transaction of any kind, or look one up by hash.
struct TxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tx", abstract: "Send signed transactions and look them up.", subcommands: [TxSend.self, TxGet.self])
}

/// `sbp tx send HEX|--file FILE [--wait]`: `tx_send` (or `tx_sendAndWait`) of signed transactions.
struct TxSend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Submit signed transactions (canonical encoding in hex, e.g. from --sign-only).",
        discussion: """
            Each transaction is decoded and its signature checked here first, so a damaged one is refused before \
            anything reaches a node. Without --wait the command prints each hash once the node has accepted the \
            transaction into its mempool; with --wait it waits for the blocks and prints each receipt. A file may \
            hold many transactions, one hex per line (blank lines and lines starting with # are skipped): they are \
            sent in order in JSON-RPC batches of --batch-size, with progress on standard error, and the command fails \
            if any is refused or (with --wait) does not succeed.
            """)

    @Argument(help: "The signed transaction in hex (0x optional).")
    var transaction: String?

    @Option(help: ArgumentHelp("Read the hex from a file instead, one transaction per line (- for standard input).", valueName: "file"))
    var file: String?

    @Option(help: "Transactions per JSON-RPC batch when a file holds several (the node's default batch limit is 100).")
    var batchSize: Int = CLILimits.sendBatchTransactionsMax

    @Flag(help: "Wait for the block and print the receipt.")
    var wait = false

    @Option(help: "With --wait: seconds to wait for the receipt.")
    var timeout: Int = CLILimits.receiptWaitSecondsDefault

    @OptionGroup var read: ReadOptions

    func validate() throws {
        guard (transaction == nil) != (file == nil) else { throw ValidationError("give the transaction as HEX or with --file, not both") }
        guard timeout >= 1 else { throw ValidationError("--timeout must be at least 1 second") }
        guard (1...CLILimits.sendBatchTransactionsMax).contains(batchSize) else {
            throw ValidationError("--batch-size must be between 1 and \(CLILimits.sendBatchTransactionsMax)")
        }
    }

    func run() async throws {
        let text = try transaction ?? String(decoding: ArgumentTransforms.readFile(file ?? "-", what: "transaction file"), as: UTF8.self)
        let lines = Self.transactionLines(text)
        if lines.count > 1 {
            let transactions = try lines.map { line in
                do {
                    return try Self.decode(line.text)
                } catch let error as CommandError {
                    throw CommandError("line \(line.number): \(error.description)")
                }
            }
            return try await TransactionBatchSender(client: read.client, batchSize: batchSize, output: read.output)
                .send(zip(lines.map(\.number), transactions).map { ($0, $1) }, waitSeconds: wait ? timeout : nil)
        }
        let transaction = try Self.decode(lines.first?.text ?? "")
        if wait {
            let receipt = try await TransactionSender.waitForReceipt(transaction, client: read.client, timeoutSeconds: timeout)
            try ReceiptReport.print(receipt, extras: [:], output: read.output)
            return
        }
        let hash = try await read.client.call("tx_send", [.hex(transaction.canonicalBytes)])
        switch read.output {
        case .json: print(JSON.object(["hash": hash]).rendered())
        case .text:
            print(hash.text)
            Progress.note("accepted into the mempool; `sbp tx get \(hash.text)` shows it once a block holds it")
        }
    }

    /// The non-blank lines of a transaction file that are not comments, with their line numbers (from 1).
    static func transactionLines(_ text: String) -> [(number: Int, text: String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty || trimmed.hasPrefix("#") ? nil : (index + 1, trimmed)
        }
    }

    /// Decodes a signed transaction from hex and checks its signature.
    static func decode(_ text: String) throws -> Transaction {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, let bytes = Hex.decode(trimmed) else {
            throw CommandError("the transaction is not hex (expected the canonical encoding as hex, as --sign-only prints)")
        }
        let transaction: Transaction
        do {
            transaction = try Transaction(canonicalBytes: bytes)
        } catch {
            throw CommandError("the bytes are not a signed transaction: \(error)")
        }
        do {
            try transaction.verifySignature()
        } catch {
            throw CommandError("the transaction's signature does not verify: \(error)")
        }
        return transaction
    }
}

/// `sbp tx get HASH`: a committed transaction, its decoded payload and its receipt.
struct TxGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "A committed transaction with its decoded payload and receipt.")

    @Argument(help: "The transaction hash.", transform: ArgumentTransforms.hash)
    var hash: Hash

    @OptionGroup var read: ReadOptions

    func run() async throws {
        let committed = try await read.client.call("tx_getByHash", [.string(hash.description)])
        guard !committed.isNull, let transaction = committed["transaction"] else {
            throw CommandError("no committed block holds \(hash) (pending, unknown, or refused at submission)")
        }
        let receipt = try await read.client.call("tx_getReceipt", [.string(hash.description)])
        let result = committed.adding(["decodedPayload": Self.decodedPayload(transaction), "receipt": receipt])
        switch read.output {
        case .json: print(result.rendered())
        case .text: for line in Self.textLines(result) { print(line) }
        }
    }

    /// The payload decoded by the transaction's kind, from the node's JSON form of the transaction.
    static func decodedPayload(_ transaction: JSON) -> JSON {
        guard let kindName = transaction["kind"]?.string,
            let kind = TransactionKind.allCases.first(where: { "\($0)" == kindName }),
            let payload = transaction["payload"]?.string.flatMap(Hex.decode),
            let sender = transaction["sender"]?.string.flatMap(Address.init(hex:)),
            let nonce = transaction["nonce"]?.uint64
        else { return ["error": "the node's transaction has no readable kind, payload, sender or nonce"] }
        return PayloadSummary.decode(kind: kind, payload: payload, sender: sender, nonce: nonce)
    }

    static func textLines(_ result: JSON) -> [String] {
        let transaction = result["transaction"]
        let receipt = result["receipt"]
        var lines = [
            "transaction \(transaction?["hash"]?.text ?? "?")",
            "  status    \(result["status"]?.text ?? "?") in block \(result["height"]?.text ?? "?") (\(result["blockHash"]?.text ?? "?")), "
                + "index \(result["index"]?.text ?? "?")",
            "  sender    \(transaction?["sender"]?.text ?? "?"), nonce \(transaction?["nonce"]?.text ?? "?")",
            "  kind      \(transaction?["kind"]?.text ?? "?")",
        ]
        if let decoded = result["decodedPayload"]?.object {
            for key in decoded.keys.sorted() { lines.append("    \(key): \(decoded[key]?.text ?? "")") }
        }
        lines.append("  fuel      used \(receipt?["fuelUsed"]?.text ?? "?") of \(transaction?["fuelLimit"]?.text ?? "?")")
        lines.append("  expiry    height \(transaction?["expiryHeight"]?.text ?? "?")")
        if let message = receipt?["errorMessage"], !message.isNull { lines.append("  error     \(message.text)") }
        for event in receipt?["events"]?.array ?? [] {
            lines.append("  event     \(event["topic"]?.text ?? "?") from \(event["contract"]?.text ?? "?")")
        }
        return lines
    }
}
