/// One column family of the in-memory store: values by key, plus the keys in ascending order for scans.
///
/// Both parts are copy-on-write arrays and dictionaries, so copying a table for a snapshot costs nothing
/// until the next write touches it.
struct MemoryTable: Sendable {
    private var values: [[UInt8]: [UInt8]] = [:]
    /// Every key of `values`, ascending in unsigned lexicographic order.
    private var sortedKeys: [[UInt8]] = []

    func get(_ key: [UInt8]) -> [UInt8]? { values[key] }

    mutating func put(_ value: [UInt8], for key: [UInt8]) {
        if values.updateValue(value, forKey: key) == nil {
            sortedKeys.insert(key, at: lowerBound(of: key))
        }
    }

    mutating func delete(_ key: [UInt8]) {
        guard values.removeValue(forKey: key) != nil else { return }
        sortedKeys.remove(at: lowerBound(of: key))
    }

    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [KeyValuePair] {
        var index = lowerBound(of: prefix)
        if let after, prefix.lexicographicallyPrecedes(after) || prefix == after {
            index = lowerBound(of: after)
            if index < sortedKeys.count, sortedKeys[index] == after { index += 1 }
        }
        var pairs: [KeyValuePair] = []
        while pairs.count < limit, index < sortedKeys.count, sortedKeys[index].starts(with: prefix) {
            let key = sortedKeys[index]
            if let value = values[key] { pairs.append(KeyValuePair(key: key, value: value)) }
            index += 1
        }
        return pairs
    }

    /// The index of the first key not below `key`.
    private func lowerBound(of key: [UInt8]) -> Int {
        var low = 0
        var high = sortedKeys.count
        while low < high {
            let middle = (low + high) / 2
            if sortedKeys[middle].lexicographicallyPrecedes(key) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }
}
