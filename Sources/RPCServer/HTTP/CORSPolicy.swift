import Hummingbird

/// Which browser origins may call the API, and the CORS headers that say so.
///
/// Written here rather than with Hummingbird's `CORSMiddleware` because the allowed origins are an
/// operator-supplied list, and the server answers preflights for every path the same way.
struct CORSPolicy: Sendable {
    let allowedOrigins: [String]

    static let allowedMethods = "GET, POST, OPTIONS"
    static let allowedHeaders = "Content-Type"
    static let preflightMaxAgeSeconds = 600

    func allows(_ origin: String) -> Bool {
        allowedOrigins.contains("*") || allowedOrigins.contains(origin)
    }

    /// The answer to an OPTIONS request: the CORS grant for an allowed origin, 403 for another origin,
    /// and a plain `Allow` list when the request is not a browser preflight.
    func preflightResponse(origin: String?) -> Response {
        guard let origin else {
            return Response(status: .noContent, headers: [.allow: Self.allowedMethods])
        }
        guard allows(origin) else {
            return Response(
                status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "origin not allowed\n")))
        }
        return Response(
            status: .noContent,
            headers: [
                .accessControlAllowOrigin: origin,
                .accessControlAllowMethods: Self.allowedMethods,
                .accessControlAllowHeaders: Self.allowedHeaders,
                .accessControlMaxAge: String(Self.preflightMaxAgeSeconds),
                .vary: "Origin",
            ])
    }

    /// Adds the CORS grant to a response for an allowed origin; other responses are left alone, and the
    /// browser then withholds them from the calling page.
    func decorate(_ response: inout Response, origin: String?) {
        guard let origin, allows(origin) else { return }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
    }
}
