/// A contract's JSON interface description (`Genesis/contracts/NAME.interface.json`): its methods with
/// argument and result fields, and its events. The CLI and RPC encode calls and decode results with it.
///
/// `docs/contracts.md` §ABI: a call's input is the method name as text followed by the arguments in order,
/// each in the canonical encoding of its type; results and event data are the listed fields in order.
public struct ContractInterface: Codable, Sendable, Equatable {
    /// A named value of an ABI type; `values` names the codes of a `u8` enumeration, `elements` the
    /// fields of each element of a `sequence`.
    public struct Field: Codable, Sendable, Equatable {
        public var name: String
        public var type: ABIType
        public var values: [String]?
        public var elements: [Field]?

        public init(name: String, type: ABIType, values: [String]? = nil, elements: [Field]? = nil) {
            self.name = name
            self.type = type
            self.values = values
            self.elements = elements
        }
    }

    public struct Method: Codable, Sendable, Equatable {
        public var name: String
        public var arguments: [Field]
        public var result: [Field]
        /// Whether the method only reads (callable with a query).
        public var readOnly: Bool
    }

    public struct EventDescription: Codable, Sendable, Equatable {
        public var topic: String
        public var fields: [Field]
    }

    public var name: String
    public var methods: [Method]
    public var events: [EventDescription]

    public func method(named name: String) -> Method? { methods.first { $0.name == name } }
    public func event(topic: String) -> EventDescription? { events.first { $0.topic == topic } }
}

/// The types a contract ABI field may have; each has one canonical encoding (`docs/protocol.md`).
public enum ABIType: String, Codable, Sendable {
    case u8, u32, u64, bool
    /// UTF-8, `u32` length prefix.
    case text
    /// Bytes, `u32` length prefix.
    case bytes
    /// 32 bytes, no prefix.
    case hash
    /// 20 bytes, no prefix.
    case address
    /// A `u32` count, then each element's fields.
    case sequence
}
