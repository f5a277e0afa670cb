/// Lower-case hexadecimal text for byte strings, with an optional `0x` prefix on input.
///
/// Hex is how keys, hashes and addresses appear in the CLI, JSON-RPC and genesis files, so parsing is
/// strict: an odd number of digits or a non-hex character is an error, never a silent truncation.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lower-case hex without a prefix.
    ///
    /// Contiguous bytes (arrays, slices, `Data`) are written straight into the string's storage: JSON-RPC
    /// writes every hash and transaction it returns as hex, and appending two characters at a time through a
    /// generic iterator took a third of the network benchmark's client CPU (issue 18).
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let encoded = bytes.withContiguousStorageIfAvailable({ encode(contiguous: $0) }) { return encoded }
        return Array(bytes).withUnsafeBufferPointer { encode(contiguous: $0) }
    }

    /// `bytes` in hex. An in-memory buffer holds fewer than `Int.max / 2` bytes, so twice its count fits.
    private static func encode(contiguous bytes: UnsafeBufferPointer<UInt8>) -> String {
        digits.withUnsafeBufferPointer { digits in
            String(unsafeUninitializedCapacity: bytes.count * 2) { text in
                var at = 0
                for byte in bytes {
                    text[at] = digits[Int(byte >> 4)]
                    text[at + 1] = digits[Int(byte & 0x0f)]
                    at += 2
                }
                return at
            }
        }
    }

    /// Decodes hex text (upper or lower case, optional `0x` prefix); nil when it is not valid hex.
    ///
    /// Reads the text's contiguous UTF-8 in place when it has it (a native string always does): JSON-RPC
    /// decodes every submitted transaction from hex, and walking a substring's UTF-8 view one character at
    /// a time was 0.4 µs of a validator's CPU per transaction under four validators (issue 18).
    public static func decode(_ text: String) -> [UInt8]? {
        if let decoded = text.utf8.withContiguousStorageIfAvailable({ decode(utf8: $0) }) { return decoded }
        return decode(utf8: Array(text.utf8))
    }

    private static func decode<Digits: RandomAccessCollection<UInt8>>(utf8 text: Digits) -> [UInt8]? where Digits.Index == Int {
        var start = text.startIndex
        if text.count >= 2, text[start] == UInt8(ascii: "0"), text[start + 1] | 0x20 == UInt8(ascii: "x") { start += 2 }
        let digits = text.endIndex - start
        guard digits % 2 == 0 else { return nil }
        var valid = true
        let result = [UInt8](unsafeUninitializedCapacity: digits / 2) { buffer, initialized in
            var index = start
            while index < text.endIndex {
                guard let high = value(of: text[index]), let low = value(of: text[index + 1]) else {
                    valid = false
                    break
                }
                buffer[initialized] = high << 4 | low
                initialized += 1
                index += 2
            }
        }
        return valid ? result : nil
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
