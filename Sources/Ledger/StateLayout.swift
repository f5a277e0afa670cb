import ChainTypes
import StateTree
import Storage

/// Where the ledger keeps each kind of state in the state tree, and its index keys (`docs/ledger.md`).
///
/// Contract storage lives under the namespace of the contract's 20 address bytes; system records live
/// under `sbp.*` namespaces, none of which is 20 bytes long, so the length-prefixed key hashing of
/// `StateKey` keeps the two apart. Every value is also kept in a flat copy (index tag `flatState`) so the
/// latest state is read with one lookup; the tree holds history and proofs.
public enum StateLayout {
    static let accountSpace = Array("sbp.account".utf8)
    static let departmentSpace = Array("sbp.department".utf8)
    static let contractSpace = Array("sbp.contract".utf8)
    static let codeSpace = Array("sbp.code".utf8)
    static let proposalSpace = Array("sbp.proposal".utf8)
    static let revokedSpace = Array("sbp.revoked".utf8)
    static let systemSpace = Array("sbp.system".utf8)
    static let epochSpace = Array("sbp.epoch".utf8)
    static let nodeSpace = Array("sbp.node".utf8)
    /// Validator sets announced to consensus two heights ahead, by activation height (record proofs use
    /// them to carry trust from one validator set to the next: the old set certifies the announcement).
    public static let announcedSpace = Array("sbp.announced".utf8)

    /// Code is stored in chunks so every tree value stays under `StateTreeLimits.valueBytesMax`.
    static let codeChunkBytes = 32 * 1024

    static func account(_ address: Address) -> StateKey { StateKey(namespace: accountSpace, key: address.bytes) }
    static func department(_ id: String) -> StateKey { StateKey(namespace: departmentSpace, key: Array(id.utf8)) }
    static func contract(_ address: Address) -> StateKey { StateKey(namespace: contractSpace, key: address.bytes) }
    static func epoch(_ firstHeight: UInt64) -> StateKey { StateKey(namespace: epochSpace, key: firstHeight.canonicalBytes) }
    public static func announced(_ activationHeight: UInt64) -> StateKey {
        StateKey(namespace: announcedSpace, key: activationHeight.canonicalBytes)
    }
    static func node(_ name: String) -> StateKey { StateKey(namespace: nodeSpace, key: Array(name.utf8)) }
    static func proposal(_ id: UInt64) -> StateKey { StateKey(namespace: proposalSpace, key: id.canonicalBytes) }
    static func revoked(_ digest: Hash) -> StateKey { StateKey(namespace: revokedSpace, key: digest.bytes) }
    static func codeChunk(_ codeHash: Hash, index: Int) -> StateKey {
        StateKey(namespace: codeSpace, key: codeHash.bytes + UInt64(index).canonicalBytes)
    }
    static func contractStorage(_ contract: Address, key: [UInt8]) -> StateKey {
        StateKey(namespace: contract.bytes, key: key)
    }

    /// Singletons of the system namespace.
    static let departmentList = StateKey(namespace: systemSpace, key: Array("departments".utf8))
    static let validators = StateKey(namespace: systemSpace, key: Array("validators".utf8))
    /// The first heights of every epoch; each epoch's validator set is under `epoch(firstHeight)`.
    static let epochs = StateKey(namespace: systemSpace, key: Array("epochs".utf8))
    static let parameters = StateKey(namespace: systemSpace, key: Array("parameters".utf8))
    static let governance = StateKey(namespace: systemSpace, key: Array("governance".utf8))
    static let revokedList = StateKey(namespace: systemSpace, key: Array("revokedCertificates".utf8))
    static let contractList = StateKey(namespace: systemSpace, key: Array("contracts".utf8))
    /// Names of the registered nodes (`NodeRecord`s under `node(name)`), in order registered.
    static let nodeList = StateKey(namespace: systemSpace, key: Array("nodes".utf8))
}

/// Index keys in the `indexes` family (tags from 0x10 up; `BlockStore` owns the tags below).
///
/// Heights and positions are big-endian so a prefix scan returns entries in chain order.
enum IndexKeys {
    enum Tag: UInt8 {
        /// height, tx index → receipt
        case receipt = 0x10
        /// sender, height, tx index → tx hash
        case sender = 0x11
        /// contract, height, tx index, event index → event (with its transaction hash)
        case contractEvent = 0x12
        /// contract, record id, height, tx index, event index → event (with its transaction hash)
        case recordHistory = 0x13
        /// proposal id, height, tx index, event index (one byte) → governance event (with its transaction hash)
        case proposal = 0x14
        /// height → state root and receipts root after that height
        case roots = 0x15
        /// department id (u16 length ‖ UTF-8), account address → [1]: the accounts of each department, in
        /// address order (`membership_listAccounts`). Accounts never leave or change department, so an
        /// entry is written once, when the account is created, and never removed.
        case departmentAccount = 0x16
        /// state key hash → latest value (the flat state)
        case flatState = 0x20
    }

    static func receipt(height: UInt64, index: UInt32) -> [UInt8] {
        var key: [UInt8] = [Tag.receipt.rawValue]
        appendBigEndian(height, to: &key)
        appendBigEndian(UInt64(index), bytes: 4, to: &key)
        return key
    }

    static func sender(_ sender: Address, height: UInt64, index: UInt32) -> [UInt8] {
        var key = senderPrefix(sender)
        appendBigEndian(height, to: &key)
        appendBigEndian(UInt64(index), bytes: 4, to: &key)
        return key
    }

    static func senderPrefix(_ sender: Address) -> [UInt8] { [Tag.sender.rawValue] + sender.bytes }

    static func contractEvent(_ contract: Address, height: UInt64, index: UInt32, event: UInt16) -> [UInt8] {
        var key = contractEventPrefix(contract)
        appendBigEndian(height, to: &key)
        appendBigEndian(UInt64(index), bytes: 4, to: &key)
        appendBigEndian(UInt64(event), bytes: 2, to: &key)
        return key
    }

    static func contractEventPrefix(_ contract: Address) -> [UInt8] { [Tag.contractEvent.rawValue] + contract.bytes }

    static func recordHistory(_ contract: Address, id: String, height: UInt64, index: UInt32, event: UInt16) -> [UInt8] {
        var key = recordHistoryPrefix(contract, id: id)
        appendBigEndian(height, to: &key)
        appendBigEndian(UInt64(index), bytes: 4, to: &key)
        appendBigEndian(UInt64(event), bytes: 2, to: &key)
        return key
    }

    /// The id is length-prefixed so that record "a" never scans into record "ab".
    static func recordHistoryPrefix(_ contract: Address, id: String) -> [UInt8] {
        let idBytes = Array(id.utf8)
        return [Tag.recordHistory.rawValue] + contract.bytes + [UInt8(idBytes.count)] + idBytes
    }

    static func proposal(_ id: UInt64, height: UInt64, index: UInt32) -> [UInt8] {
        var key = proposalPrefix(id)
        appendBigEndian(height, to: &key)
        appendBigEndian(UInt64(index), bytes: 4, to: &key)
        return key
    }

    static func proposalPrefix(_ id: UInt64) -> [UInt8] {
        var key: [UInt8] = [Tag.proposal.rawValue]
        appendBigEndian(id, to: &key)
        return key
    }

    static func departmentAccount(_ department: String, _ address: Address) -> [UInt8] {
        departmentAccountPrefix(department) + address.bytes
    }

    /// The id is length-prefixed so that department "a" never scans into department "ab".
    static func departmentAccountPrefix(_ department: String) -> [UInt8] {
        let id = Array(department.utf8)
        var key: [UInt8] = [Tag.departmentAccount.rawValue]
        appendBigEndian(UInt64(min(id.count, Int(UInt16.max))), bytes: 2, to: &key)
        return key + id
    }

    static func roots(height: UInt64) -> [UInt8] {
        var key: [UInt8] = [Tag.roots.rawValue]
        appendBigEndian(height, to: &key)
        return key
    }

    /// The length of a `flatState` key: the tag and the key hash.
    static let flatStateKeyByteCount = 1 + Hash.byteCount

    static func flatState(_ key: StateKey) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(33)
        bytes.append(Tag.flatState.rawValue)
        key.hash.append(to: &bytes)
        return bytes
    }

    static func appendBigEndian(_ value: UInt64, bytes: Int = 8, to key: inout [UInt8]) {
        for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) { key.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    static func readBigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Metadata keys.
    static let genesisHash = Array("ledger.genesisHash".utf8)
    /// Present when the department-account index covers every account: the store started at genesis with
    /// the index. A store restored from a state snapshot (whose leaves carry key hashes, not addresses) or
    /// written before the index existed lacks it, and `LedgerView.accounts(of:)` says so instead of
    /// returning a partial list.
    static let departmentAccountsComplete = Array("ledger.departmentAccountsComplete".utf8)
}

/// The roots a height ends with, kept per height for headers, restarts and explorers.
struct HeightRoots: Hashable, Sendable, CanonicalCodable {
    var stateRoot: Hash
    var receiptsRoot: Hash

    init(stateRoot: Hash, receiptsRoot: Hash) {
        self.stateRoot = stateRoot
        self.receiptsRoot = receiptsRoot
    }

    func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(stateRoot)
        encoder.write(receiptsRoot)
    }

    init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        stateRoot = try decoder.read()
        receiptsRoot = try decoder.read()
    }
}

/// An index entry for one event: the event and the transaction that emitted it.
public struct IndexedEvent: Hashable, Sendable, CanonicalCodable {
    public var transactionHash: Hash
    public var event: Event

    public init(transactionHash: Hash, event: Event) {
        self.transactionHash = transactionHash
        self.event = event
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(transactionHash)
        encoder.write(event)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        transactionHash = try decoder.read()
        event = try decoder.read()
    }
}
