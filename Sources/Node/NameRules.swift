import ChainTypes

/// The rule for node, department and peer names: the genesis identifier rule (`Genesis.validate()`).
///
/// A config file is checked with the same rule the genesis applies, so a name that passes here can be the
/// validator or department name on chain and a file name on disk.
package enum NameRules {
    package static func problem(identifier value: String) -> String? {
        let limit = Limits.identifierBytesMax
        let allowed = value.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".")
        }
        guard !value.isEmpty, value.utf8.count <= limit, allowed else { return "must be 1...\(limit) characters of A-Z a-z 0-9 - _ ." }
        return nil
    }
}
