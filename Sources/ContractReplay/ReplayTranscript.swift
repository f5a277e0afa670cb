import ChainTypes
import ContractVM

/// What a replay produced: each call's outcome, one text line per call, and the SHA-256 of those lines.
///
/// The text is what two processes compare byte for byte, so it spells out everything consensus depends
/// on — status and message, fuel used, return data, events (contract, topic, data) and storage writes
/// (contract, key, value or delete) — and nothing that may differ between processes.
public struct ReplayTranscript: Sendable {
    public let calls: [ReplayCall]
    public let outcomes: [ContractOutcome]
    /// One line per call, in order, without line terminators.
    public let lines: [String]
    /// SHA-256 of `lines`, each followed by a newline.
    public let digest: Hash

    init(calls: [ReplayCall], outcomes: [ContractOutcome]) {
        precondition(calls.count == outcomes.count, "one outcome per call")
        self.calls = calls
        self.outcomes = outcomes
        lines = zip(calls, outcomes).enumerated().map { index, pair in Self.line(index: index, call: pair.0, outcome: pair.1) }
        digest = Hash.sha256(Array(lines.map { $0 + "\n" }.joined().utf8))
    }

    /// The whole transcript as `sbp-contract-replay` prints it: the call lines, then `digest <hex>`.
    public var text: String {
        lines.map { $0 + "\n" }.joined() + "digest \(digest.hex)\n"
    }

    /// `NNN label | status | fuel N | return HEX | events [...] | writes [...]`.
    static func line(index: Int, call: ReplayCall, outcome: ContractOutcome) -> String {
        let number = String(index + 1)
        let events = outcome.events.map { "\($0.contract):\($0.topic):\(Hex.encode($0.data))" }
        let writes = outcome.writes.map { write in
            "\(write.contract):\(Hex.encode(write.key))=" + (write.value.map { Hex.encode($0) } ?? "delete")
        }
        return [
            String(repeating: "0", count: max(0, 3 - number.count)) + number + " " + call.label,
            outcome.status.description,
            "fuel \(outcome.fuelUsed)",
            "return \(Hex.encode(outcome.returnData))",
            "events [\(events.joined(separator: ", "))]",
            "writes [\(writes.joined(separator: ", "))]",
        ].joined(separator: " | ")
    }
}
