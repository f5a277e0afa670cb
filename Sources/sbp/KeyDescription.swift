import ChainTypes
import Foundation
import Keys

/// The JSON shape of a key in `keys list` and `keys show` output.
struct KeyDescription: Encodable {
    let name: String
    let address: String
    let publicKey: String

    init(_ entry: KeystoreEntry) {
        name = entry.name
        address = entry.address.description
        publicKey = Hex.encode(entry.publicKey.compressed)
    }

    /// Pretty JSON with sorted keys, for `--output json`.
    static func json<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
