import Hummingbird

/// One embedded explorer file: its media type and its bytes.
struct ExplorerAsset: Sendable {
    let contentType: String
    let bytes: [UInt8]

    /// A text file (HTML, CSS, JavaScript), embedded as a Swift string literal so diffs stay readable.
    init(contentType: String, text: String) {
        self.contentType = contentType
        self.bytes = Array(text.utf8)
    }

    /// A binary file (`secp256k1.wasm`), embedded as base64 because a Swift string cannot hold arbitrary
    /// bytes; the generator wrote the literal, so it is valid base64 (ExplorerTests compares the bytes).
    init(contentType: String, base64: String) {
        self.contentType = contentType
        self.bytes = Base64.decode(base64) ?? []
    }

    /// The file as UTF-8 text (tests).
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// RFC 4648 base64 decoding, for the one binary explorer file (RPCServer does not import Foundation).
enum Base64 {
    /// The bytes `text` encodes, or nil when it is not padded base64.
    static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 4 * 3)
        var group: UInt32 = 0
        var filled = 0
        var padding = 0
        for character in characters {
            let value: UInt32
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(character - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(character - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(character - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                value = 0
            default: return nil
            }
            if padding > 0 && character != UInt8(ascii: "=") { return nil }
            group = group << 6 | value
            filled += 1
            if filled == 4 {
                output.append(UInt8(truncatingIfNeeded: group >> 16))
                output.append(UInt8(truncatingIfNeeded: group >> 8))
                output.append(UInt8(truncatingIfNeeded: group))
                group = 0
                filled = 0
            }
        }
        guard padding <= 2 else { return nil }
        output.removeLast(padding)
        return output
    }
}

/// The block explorer's static files, compiled into the binary (`ExplorerAssets.swift`, generated from
/// `Explorer/` by `Tools/generate-explorer-assets`).
///
/// Embedded rather than read from disk so a node serves its explorer with nothing installed beside the
/// binary, and the pages always match the API of the node that serves them (docs/explorer.md).
enum ExplorerAssets {
    /// The path prefix the explorer is served under.
    static let prefix = "/explorer/"

    /// The Content-Security-Policy of every explorer response: scripts, styles and connections only from
    /// the node's own origin (WebSocket included), no inline code, no framing, no plugins.
    ///
    /// `'wasm-unsafe-eval'` lets the verify page compile WebAssembly, and only that: the one module it
    /// compiles is `secp256k1.wasm`, fetched from this origin (`connect-src 'self'`), Debian's libsecp256k1
    /// for the offline evidence check (ADR 0015). JavaScript `eval` and inline script stay forbidden.
    /// `connect-src 'self'` covers `/ws` on the same host and port (CSP Level 3 matches `ws:` to an
    /// `http:` page's origin).
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The response to GET `path` (a path starting with `/explorer`), or nil when no file has that path.
    ///
    /// `/explorer` and `/explorer/` are `index.html`, which names its files by absolute paths so both work.
    static func response(path: String) -> Response? {
        var name = "index.html"
        if path != "/explorer" {
            guard path.hasPrefix(prefix) else { return nil }
            let rest = String(path.dropFirst(prefix.count))
            if !rest.isEmpty { name = rest }
        }
        guard let asset = files[name] else { return nil }
        var response = Response(
            status: .ok, headers: [.contentType: asset.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
        decorate(&response)
        return response
    }

    /// Adds the security headers every explorer answer carries, errors included (the pages set their
    /// referrer policy themselves, `<meta name="referrer" content="no-referrer">`).
    static func decorate(_ response: inout Response) {
        response.headers[.contentSecurityPolicy] = contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-cache"
    }
}
