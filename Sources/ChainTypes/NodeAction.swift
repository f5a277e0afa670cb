/// What a registered node is on the network (DESIGN §5 "Node roles and endpoints").
public enum NodeRole: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Votes and counts in quorums; registered by a governance vote (`addValidator`).
    case validator = 0
    /// Verifies and executes committed blocks and serves reads; never votes nor counts. Registered by its
    /// own department's admin without a vote (`NodeAction.registerObserver`).
    case observer = 1

    /// The name used in configuration files, JSON and the CLI.
    public var description: String {
        switch self {
        case .validator: "validator"
        case .observer: "observer"
        }
    }

    /// The role named `text` (`validator`, `observer`), or nil.
    public init?(name text: String) {
        guard let role = Self.allCases.first(where: { $0.description == text }) else { return nil }
        self = role
    }
}

/// The payload of a `node` transaction: a department admin manages its own department's nodes, no vote.
///
/// Endpoints are chain state so that every node dials the others from the chain and nothing restarts
/// when a node is added, moves or leaves (issue 16, deliver 2). Validators still join and leave only
/// through governance (`addValidator`, `removeValidator`); observers never count in a quorum, so their
/// department alone registers and removes them.
public enum NodeAction: Hashable, Sendable {
    /// Registers observer `name` of the admin's department with its TLS certificate (PEM, issued by the
    /// department's CA) and endpoints.
    case registerObserver(name: String, tlsCertificate: String, endpoints: [String])
    /// Removes observer `name` of the admin's department; peers close its links within one block.
    case removeObserver(name: String)
    /// Replaces the endpoints of node `name` (a validator or an observer of the admin's department).
    case setEndpoints(name: String, endpoints: [String])
    /// Replaces the TLS certificate of observer `name` of the admin's department (a renewed one, issued by
    /// the department's CA); peers refuse the old one from the next block. Validators rotate by governance.
    case rotateObserver(name: String, tlsCertificate: String)

    /// The node the action is about.
    public var name: String {
        switch self {
        case .registerObserver(let name, _, _), .removeObserver(let name), .setEndpoints(let name, _), .rotateObserver(let name, _): name
        }
    }
}

extension NodeAction: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case .registerObserver(let name, let certificate, let endpoints):
            encoder.write(UInt8(1))
            encoder.write(text: name)
            encoder.write(text: certificate)
            NodeEndpoints.write(endpoints, to: &encoder)
        case .removeObserver(let name):
            encoder.write(UInt8(2))
            encoder.write(text: name)
        case .setEndpoints(let name, let endpoints):
            encoder.write(UInt8(3))
            encoder.write(text: name)
            NodeEndpoints.write(endpoints, to: &encoder)
        case .rotateObserver(let name, let certificate):
            encoder.write(UInt8(4))
            encoder.write(text: name)
            encoder.write(text: certificate)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        switch tag {
        case 1:
            self = .registerObserver(
                name: try decoder.readText(field: "node.name", limit: Limits.identifierBytesMax),
                tlsCertificate: try decoder.readText(field: "node.tlsCertificate", limit: Limits.certificatePEMBytesMax),
                endpoints: try NodeEndpoints.read(from: &decoder))
        case 2: self = .removeObserver(name: try decoder.readText(field: "node.name", limit: Limits.identifierBytesMax))
        case 3:
            self = .setEndpoints(
                name: try decoder.readText(field: "node.name", limit: Limits.identifierBytesMax),
                endpoints: try NodeEndpoints.read(from: &decoder))
        case 4:
            self = .rotateObserver(
                name: try decoder.readText(field: "node.name", limit: Limits.identifierBytesMax),
                tlsCertificate: try decoder.readText(field: "node.tlsCertificate", limit: Limits.certificatePEMBytesMax))
        default: throw .unknownVariant(type: "NodeAction", tag: UInt64(tag))
        }
    }
}

/// A node's advertised peer-to-peer endpoints (`host:port`), as chain state holds them.
///
/// Any department admin writes them, and every node dials what they say, so they are checked where they
/// enter (decoding and execution): at most `Limits.nodeEndpointsMax` per node, each at most
/// `Limits.endpointBytesMax` bytes, a host of letters, digits, `.`, `-`, `_` and `:` (an IPv6 literal in
/// brackets) and a port in 1…65535.
public enum NodeEndpoints {
    static func write(_ endpoints: [String], to encoder: inout CanonicalEncoder) {
        encoder.write(UInt32(endpoints.count))
        for endpoint in endpoints { encoder.write(text: endpoint) }
    }

    /// Reads a bounded endpoint list (the syntax is checked by `problem(_:)` at execution).
    public static func read(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) -> [String] {
        let count = Int(try decoder.readUInt32())
        guard count <= Limits.nodeEndpointsMax else {
            throw .lengthExceedsLimit(field: "node.endpoints", length: count, limit: Limits.nodeEndpointsMax)
        }
        var endpoints: [String] = []
        for _ in 0..<count { endpoints.append(try decoder.readText(field: "node.endpoint", limit: Limits.endpointBytesMax)) }
        return endpoints
    }

    /// Splits `host:port` into its host and port, or nil when it is not one.
    public static func parse(_ endpoint: String) -> (host: String, port: Int)? {
        guard problem(endpoint) == nil, let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...])
        else { return nil }
        var host = String(endpoint[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    /// Why `endpoints` cannot be a node's endpoint list; nil when it can.
    public static func problem(list endpoints: [String]) -> String? {
        guard endpoints.count <= Limits.nodeEndpointsMax else {
            return "a node has at most \(Limits.nodeEndpointsMax) endpoints, got \(endpoints.count)"
        }
        for endpoint in endpoints {
            if let problem = problem(endpoint) { return problem }
        }
        guard Set(endpoints).count == endpoints.count else { return "endpoints must be distinct" }
        return nil
    }

    /// Why `endpoint` is not `host:port`; nil when it is.
    public static func problem(_ endpoint: String) -> String? {
        let shown = String(endpoint.prefix(Limits.endpointBytesMax))
        guard endpoint.utf8.count <= Limits.endpointBytesMax else {
            return "endpoint \"\(shown)…\" is longer than \(Limits.endpointBytesMax) bytes"
        }
        guard let colon = endpoint.utf8.lastIndex(of: UInt8(ascii: ":")) else { return "endpoint \"\(shown)\" is not host:port" }
        let host = endpoint.utf8[..<colon]
        let portDigits = endpoint.utf8[endpoint.utf8.index(after: colon)...]
        guard (1...5).contains(portDigits.count), portDigits.allSatisfy({ (0x30...0x39).contains($0) }),
            let port = Int(String(decoding: portDigits, as: UTF8.self)), (1...65_535).contains(port)
        else { return "endpoint \"\(shown)\" needs a port in 1…65535" }
        var hostBytes = Array(host)
        if hostBytes.first == UInt8(ascii: "["), hostBytes.last == UInt8(ascii: "]"), hostBytes.count > 2 {
            hostBytes = Array(hostBytes.dropFirst().dropLast())
        } else if hostBytes.contains(UInt8(ascii: ":")) {
            return "endpoint \"\(shown)\": an IPv6 host is written in brackets"
        }
        guard !hostBytes.isEmpty else { return "endpoint \"\(shown)\" has no host" }
        let allowed: (UInt8) -> Bool = { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
        }
        guard hostBytes.allSatisfy(allowed) else {
            return "endpoint \"\(shown)\": a host has only letters, digits, '.', '-', '_' (and ':' inside brackets)"
        }
        return nil
    }
}
