import Synchronization

/// Bytes of POST bodies and WebSocket messages the server holds at once, over all requests: reserved chunk
/// by chunk (frame by frame) as a body arrives, released when its request is answered.
///
/// Each request's body is bounded (`requestBodyBytesMax`) and each client's requests in flight too, but
/// clients at many addresses, each sending large bodies slowly, could hold a body of every connection the
/// server keeps open: 512 × 4 MiB, twice a node's whole memory budget. Past this budget a request is
/// answered 429 with reason `busy` (`RPCLimits.busyRetryAfterMs`) and the rest of its body discarded; a
/// WebSocket message is answered −32007 `busy` and its connection closed with 1013 (`WebSocketSession`).
final class RPCBodyBudget: Sendable {
    let bytesMax: Int
    private let held = Mutex(0)

    init(bytesMax: Int) {
        self.bytesMax = max(1, bytesMax)
    }

    /// Bytes reserved now.
    var reserved: Int { held.withLock { $0 } }

    /// Reserves `bytes`; false, reserving nothing, when that would pass `bytesMax`.
    func reserve(_ bytes: Int) -> Bool {
        held.withLock { held in
            guard bytes <= bytesMax - held else { return false }
            held += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        held.withLock { $0 -= bytes }
    }
}
