import ChainTypes

/// Bounds of the RPC server (DESIGN §1.4): body size, batch size, JSON nesting.
///
/// The configurable ones are defaults for `RPCServerConfiguration`; `RPCLimitsTests` checks that they fit
/// together (a body can carry the largest transaction as hex, a batch of the largest allowed size fits).
public enum RPCLimits {
    /// Default largest HTTP request body accepted on POST `/`; larger bodies get HTTP 413.
    ///
    /// Big enough for a batch of a few largest transactions in hex (`Limits.transactionBytesMax` × 2 each).
    public static let requestBodyBytesMaxDefault = 4 * 1024 * 1024
    /// Default largest number of requests in one batch; a larger batch gets one −32004 error.
    public static let batchRequestsMaxDefault = 100
    /// Array and object nesting the JSON parser accepts; deeper text is a parse error.
    public static let jsonDepthMax = 64
    /// The longest method name looked up; longer names are "method not found" without a lookup.
    public static let methodNameBytesMax = 128
    /// Hex characters of one `tx_send` transaction: two per byte of the largest encoded transaction, plus `0x`.
    public static let transactionHexCharactersMax = 2 * Limits.transactionBytesMax + 2
    /// Largest `u64` written as a JSON number: 2^53 − 1, the largest integer every JSON reader
    /// (JavaScript's `Number.MAX_SAFE_INTEGER`) holds exactly. Larger values are written as decimal strings.
    public static let jsonSafeIntegerMax: UInt64 = (1 << 53) - 1
}
