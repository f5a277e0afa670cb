import ArgumentParser
import ChainTypes
import Foundation

/// `sbp tx send --file`: sends many signed transactions in JSON-RPC batches of `tx_send`, in file order,
/// with progress on standard error, then (with `--wait`) reports each receipt.
///
/// Every transaction is sent even when some are refused: a refusal is reported with its line, and the
/// command fails at the end. Waiting polls `tx_getReceipt` in batches until every accepted transaction
/// has a receipt or the time is up.
struct TransactionBatchSender {
    let client: JSONRPCClient
    let batchSize: Int
    let output: OutputFormat

    /// What became of one transaction of the file.
    struct Outcome {
        let line: Int
        let hash: Hash
        var error: String? = nil
        var receipt: JSON? = nil

        var json: JSON {
            var object: [String: JSON] = ["line": .uint64(UInt64(line)), "hash": .string(hash.description)]
            if let error { object["error"] = .string(error) }
            if let receipt { object["receipt"] = receipt }
            return .object(object)
        }
    }

    func send(_ transactions: [(line: Int, transaction: Transaction)], waitSeconds: Int?) async throws {
        var outcomes = transactions.map { Outcome(line: $0.line, hash: $0.transaction.hash) }
        var start = 0
        while start < transactions.count {
            let end = min(start + batchSize, transactions.count)
            let answers = try await client.batch("tx_send", transactions[start..<end].map { [.hex($0.transaction.canonicalBytes)] })
            for (offset, answer) in answers.enumerated() {
                if case .failure(let error) = answer { outcomes[start + offset].error = "\(error)" }
            }
            start = end
            let refused = outcomes[..<end].filter { $0.error != nil }.count
            Progress.note("sent \(end)/\(transactions.count) transactions\(refused > 0 ? " (\(refused) refused)" : "")")
        }
        for outcome in outcomes where outcome.error != nil {
            Progress.note("line \(outcome.line): \(outcome.hash) refused: \(outcome.error ?? "")")
        }
        if let waitSeconds { try await waitForReceipts(&outcomes, seconds: waitSeconds) }
        report(outcomes, waited: waitSeconds != nil)
        let failed = outcomes.filter { $0.error != nil || (waitSeconds != nil && $0.receipt?["status"]?.string != "success") }
        if !failed.isEmpty {
            Progress.note("\(failed.count) of \(outcomes.count) transactions were refused or did not succeed")
            throw ExitCode.failure
        }
    }

    /// Polls `tx_getReceipt` for every accepted transaction still without one, until all have one or time is up.
    private func waitForReceipts(_ outcomes: inout [Outcome], seconds: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let waiting = outcomes.indices.filter { outcomes[$0].error == nil && outcomes[$0].receipt == nil }
            if waiting.isEmpty { return }
            for chunk in stride(from: 0, to: waiting.count, by: batchSize).map({ waiting[$0..<min($0 + batchSize, waiting.count)] }) {
                let answers = try await client.batch("tx_getReceipt", chunk.map { [.string(outcomes[$0].hash.description)] })
                for (index, answer) in zip(chunk, answers) {
                    if case .success(let receipt) = answer, !receipt.isNull { outcomes[index].receipt = receipt }
                }
            }
            let done = outcomes.filter { $0.receipt != nil }.count
            Progress.note("\(done)/\(outcomes.count - outcomes.filter { $0.error != nil }.count) receipts")
            guard ContinuousClock.now < deadline else {
                Progress.note("no receipt within \(seconds) s for \(waiting.count) transactions; they stay pending and may still commit")
                return
            }
            try await Task.sleep(for: CLILimits.receiptPollInterval)  // polling the node, not synchronization
        }
    }

    private func report(_ outcomes: [Outcome], waited: Bool) {
        switch output {
        case .json: print(JSON.array(outcomes.map(\.json)).rendered())
        case .text:
            for outcome in outcomes {
                if let error = outcome.error {
                    print("\(outcome.hash) refused: \(error)")
                } else if let receipt = outcome.receipt {
                    print("\(outcome.hash) \(receipt["status"]?.string ?? "?") in block \(receipt["height"]?.text ?? "?")")
                } else {
                    print(waited ? "\(outcome.hash) pending" : outcome.hash.description)
                }
            }
        }
    }
}
