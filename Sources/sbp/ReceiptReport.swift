import ArgumentParser

/// How write commands print a receipt: the receipt object as JSON (with the command's extra members), or
/// a few lines of text. A receipt other than `success` fails the command after it is printed.
enum ReceiptReport {
    static func print(_ receipt: JSON, extras: [String: JSON], output: OutputFormat) throws {
        let status = receipt["status"]?.string ?? "unknown"
        switch output {
        case .json: Swift.print(receipt.adding(extras).rendered())
        case .text: for line in textLines(receipt, extras: extras) { Swift.print(line) }
        }
        guard status == "success" else {
            if output == .json { Progress.note("transaction \(status): \(receipt["errorMessage"]?.text ?? "")") }
            throw ExitCode.failure
        }
    }

    /// The text form: status, block and fuel, the error message, the extras, then each event.
    static func textLines(_ receipt: JSON, extras: [String: JSON]) -> [String] {
        let status = receipt["status"]?.string ?? "unknown"
        var lines = [
            "\(status) in block \(receipt["height"]?.text ?? "?") (transaction index \(receipt["index"]?.text ?? "?")), "
                + "fuel used \(receipt["fuelUsed"]?.text ?? "?")",
            "  transaction \(receipt["transactionHash"]?.text ?? "?")",
        ]
        if let message = receipt["errorMessage"], !message.isNull { lines.append("  error: \(message.text)") }
        for key in extras.keys.sorted() where extras[key] != [:] { lines.append("  \(key): \(extras[key]?.text ?? "")") }
        for event in receipt["events"]?.array ?? [] {
            let decoded = event["decoded"].flatMap { $0.isNull ? nil : $0 }
            lines.append(
                "  event \(event["topic"]?.text ?? "?") from \(event["contract"]?.text ?? "?")\(decoded.map { " \($0.text)" } ?? "")")
        }
        return lines
    }
}
