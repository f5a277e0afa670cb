/// Who may do what through the server: the per-client limiter shared by HTTP and `/ws`, and the API
/// tokens that write methods need when the node configures any (issue 14, deliver 4).
struct RPCAccess: Sendable {
    let limiter: RPCClientLimiter
    /// Configured bearer tokens; empty: write methods need none (a loopback-only node).
    let apiTokens: [String]

    /// The caller of a request from `client` with this `Authorization` header value.
    func caller(client: String, authorization: String?) -> RPCCaller {
        RPCCaller(client: client, authorized: isAuthorized(authorization))
    }

    /// Whether `authorization` is `Bearer TOKEN` with a configured token (always true with none configured).
    ///
    /// Every configured token is compared in full, byte by byte, so the time taken does not tell a guesser
    /// how much of a token was right.
    func isAuthorized(_ authorization: String?) -> Bool {
        guard !apiTokens.isEmpty else { return true }
        guard let authorization, authorization.utf8.count <= RPCLimits.apiTokenBytesMax + 7,
            authorization.lowercased().hasPrefix("bearer ")
        else { return false }
        let presented = Array(authorization.utf8.dropFirst(7))
        var matched = false
        for token in apiTokens {
            let expected = Array(token.utf8)
            var difference = UInt8(expected.count == presented.count ? 0 : 1)
            for index in 0..<expected.count {
                difference |= expected[index] ^ (index < presented.count ? presented[index] : 0)
            }
            matched = matched || difference == 0
        }
        return matched
    }
}
