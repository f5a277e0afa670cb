/// Why a node config file cannot be used; every case names the file, the TOML field or the variable at fault.
///
/// Fields are dotted TOML paths such as `p2p.listen_port` or `p2p.peers[2].address`, so an operator can
/// go straight to the line to fix. A node refuses to start on any of these rather than guess.
public enum NodeConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file cannot be read, is too large or is not UTF-8.
    case unreadable(path: String, reason: String)
    /// The text is not TOML.
    case syntax(line: Int, column: Int, reason: String)
    /// A required field is absent.
    case missing(field: String)
    /// A field has the wrong TOML type.
    case wrongType(field: String, expected: String)
    /// A field has the right type but a value the node cannot use.
    case invalid(field: String, reason: String)
    /// A field the node does not know, most likely a typo; refused so that a misspelt setting is never ignored.
    case unknownField(field: String)
    /// An environment override has a bad value.
    case environment(variable: String, reason: String)

    /// The TOML field or environment variable at fault, if the error concerns one.
    public var field: String? {
        switch self {
        case .missing(let field), .wrongType(let field, _), .invalid(let field, _), .unknownField(let field): field
        case .environment(let variable, _): variable
        case .unreadable, .syntax: nil
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "config \(path): \(reason)"
        case .syntax(let line, let column, let reason): "config: line \(line), column \(column): \(reason)"
        case .missing(let field): "config: \(field): missing"
        case .wrongType(let field, let expected): "config: \(field): expected \(expected)"
        case .invalid(let field, let reason): "config: \(field): \(reason)"
        case .unknownField(let field): "config: \(field): unknown field"
        case .environment(let variable, let reason): "environment: \(variable): \(reason)"
        }
    }
}
