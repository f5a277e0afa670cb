import ChainTypes

/// The position a list method's page ended at, written to clients as an opaque string.
///
/// The string is lowercase hex of a tag byte (which method wrote it) and the position's fields,
/// big-endian; clients must pass it back unchanged and never build one. Positions are "resume after"
/// marks: the next page starts strictly after them, so a cursor stays valid while blocks are added.
enum PageCursor {
    /// Which kind of position a cursor holds; a cursor of another kind is refused.
    enum Tag: UInt8 {
        case transaction = 0x01
        case event = 0x02
        case proposal = 0x03
        case height = 0x04
        case account = 0x05
    }

    /// Hex of the tag and `bytes` as they are (an address).
    static func encode(_ tag: Tag, bytes: [UInt8]) -> String { Hex.encode([tag.rawValue] + bytes) }

    /// The `count` bytes of a cursor written by `encode(_:bytes:)` with the same tag; nil for anything else.
    static func decodeBytes(_ text: String, _ tag: Tag, count: Int) -> [UInt8]? {
        guard text.utf8.count == 2 * (1 + count), let bytes = Hex.decode(text), bytes.first == tag.rawValue else { return nil }
        return Array(bytes.dropFirst())
    }

    /// Hex of the tag and each field as `width` big-endian bytes.
    static func encode(_ tag: Tag, _ fields: [(value: UInt64, width: Int)]) -> String {
        var bytes: [UInt8] = [tag.rawValue]
        for field in fields {
            for shift in stride(from: (field.width - 1) * 8, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: field.value >> UInt64(shift)))
            }
        }
        return Hex.encode(bytes)
    }

    /// The fields of a cursor written by `encode` with the same tag and widths; nil for anything else.
    static func decode(_ text: String, _ tag: Tag, widths: [Int]) -> [UInt64]? {
        guard text.utf8.count == 2 * (1 + widths.reduce(0, +)), let bytes = Hex.decode(text), bytes.first == tag.rawValue else {
            return nil
        }
        var fields: [UInt64] = []
        var offset = 1
        for width in widths {
            fields.append(bytes[offset..<offset + width].reduce(0) { $0 << 8 | UInt64($1) })
            offset += width
        }
        return fields
    }
}

/// A position after block `height`: the cursor of `newHeads` and `txStatus` subscriptions.
struct HeightCursor: Hashable, Sendable {
    var height: UInt64

    var encoded: String { PageCursor.encode(.height, [(height, 8)]) }

    init(height: UInt64) { self.height = height }

    /// Reads a string `encoded` wrote; nil for anything else.
    init?(encoded text: String) {
        guard let fields = PageCursor.decode(text, .height, widths: [8]) else { return nil }
        self.init(height: fields[0])
    }
}
