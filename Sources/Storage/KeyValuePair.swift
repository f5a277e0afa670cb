/// One key and its value, as returned by a scan.
public struct KeyValuePair: Hashable, Sendable {
    public var key: [UInt8]
    public var value: [UInt8]

    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }
}
