import Hummingbird

/// One embedded explorer file: its media type and its text.
struct ExplorerAsset: Sendable {
    let contentType: String
    let text: String
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
    /// `'wasm-unsafe-eval'` is absent: the pages run no WebAssembly. `connect-src 'self'` covers `/ws`
    /// on the same host and port (CSP Level 3 matches `ws:` to an `http:` page's origin).
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
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
            body: ResponseBody(byteBuffer: ByteBuffer(string: asset.text)))
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
