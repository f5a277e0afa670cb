import ChainTypes
import Foundation

/// Reads an evidence file in any of the forms people hold one in (`docs/evidence.md` §2.4).
///
/// `sbp evidence export` writes the raw bundle; `state_getEvidence` returns it as `0x`-hex in JSON, so a
/// clerk may save that string, the quoted JSON string, or the whole JSON-RPC response. A raw bundle starts
/// with its version byte `0x01`, which no text form can start with, so the forms never overlap.
public enum EvidenceFile {
    /// The bundle bytes in `contents`: raw, `0x`-hex text (optionally quoted), or a JSON-RPC response
    /// whose `result` is that hex.
    public static func bundleBytes(_ contents: [UInt8]) throws(EvidenceError) -> [UInt8] {
        guard contents.count <= EvidenceLimits.fileBytesMax else {
            throw .malformed("the file is larger than \(EvidenceLimits.fileBytesMax) bytes")
        }
        guard let first = contents.first else { throw .malformed("the file is empty") }
        if first == EvidenceBundle.formatVersion { return contents }
        guard var text = String(validating: contents, as: UTF8.self)?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            throw .malformed("neither a raw bundle (first byte 0x01) nor hex text")
        }
        if text.hasPrefix("{") { text = try resultOfResponse(text) }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
        guard !text.isEmpty, let bytes = Hex.decode(text) else {
            throw .malformed("neither a raw bundle (first byte 0x01) nor 0x-hex text as state_getEvidence returns it")
        }
        return bytes
    }

    /// The `result` string of a JSON-RPC response to `state_getEvidence`.
    private static func resultOfResponse(_ text: String) throws(EvidenceError) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw .malformed("the file starts with { but is not a JSON object")
        }
        if let error = object["error"] as? [String: Any] {
            throw .malformed("the file is a JSON-RPC error response: \(error["message"] as? String ?? "no message")")
        }
        guard let result = object["result"] as? String else {
            throw .malformed("the JSON-RPC response has no string result (expected the state_getEvidence hex)")
        }
        return result
    }
}
