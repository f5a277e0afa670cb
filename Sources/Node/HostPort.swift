/// `host:port` text as config files and manifests write it, with IPv6 hosts in brackets (`[::1]:26600`).
///
/// One place parses and formats it, so a peer address written by `sbp network init` always reads back the
/// same, and a bare IPv6 address (ambiguous: which colon starts the port?) is refused instead of misread.
package enum HostPort {
    package static let hostBytesMax = 253

    /// `host:port`, bracketing a host that contains a colon.
    package static func format(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `http://host:port`, the base URL of a server on that address.
    package static func httpURL(host: String, port: Int) -> String {
        "http://" + format(host: host, port: port)
    }

    /// Splits `host:port` or `[ipv6]:port`; nil when the shape is wrong (the port is not range-checked).
    package static func parse(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            guard !host.contains(":") else { return nil }
            portText = text[text.index(after: colon)...]
        }
        guard portText.allSatisfy(\.isASCII), let port = Int(portText), !portText.hasPrefix("+") else { return nil }
        return (String(host), port)
    }

    /// Why `host` cannot be a host name or IP address literal, or nil when it can.
    package static func problem(host: String) -> String? {
        guard !host.isEmpty else { return "must not be empty" }
        guard host.utf8.count <= hostBytesMax else { return "longer than \(hostBytesMax) bytes" }
        let forbidden: Set<Character> = [" ", "/", "[", "]", "@", "?", "#"]
        let printable = host.allSatisfy { character in
            guard let byte = character.asciiValue else { return false }
            return byte > 0x20 && byte < 0x7f && !forbidden.contains(character)
        }
        guard printable else {
            return "must be a host name or an IP address without brackets, spaces or slashes"
        }
        return nil
    }
}
