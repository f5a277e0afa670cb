import Hummingbird

/// A request's body read through its one iterator, so that what the responder leaves unread is read and
/// dropped while the response is written (`answering(_:)`).
///
/// Why: Hummingbird ends an exchange whose request says `Connection: close` by closing its output, and then
/// reads nothing more. A client that writes its whole body before it reads (Python's `urllib` does, and sends
/// `Connection: close`) and is answered early (a body over the limit, a host or media type refused, a rate
/// refusal) blocked on its full socket until the idle timeout closed the connection a minute later, and never
/// saw the answer: a 50 MiB body from `urllib` got a timeout instead of 413. Reading the rest lets it finish
/// writing and read the response, as Hummingbird already does on a connection kept alive. At most
/// `RPCLimits.unreadBodyBytesReadMax` bytes are read so; past them the connection is left to its idle timeout.
///
/// A request body can be iterated once (Hummingbird asserts it), so the responder reads the body only through
/// this reader. `@unchecked Sendable`: one task at a time uses the iterator, first the responder's, then, once
/// the responder has returned, the one writing the response.
struct RequestBodyReader: @unchecked Sendable {
    private var iterator: RequestBody.AsyncIterator
    /// Whether the body's end has been read.
    private(set) var isFinished = false

    /// Reads `request`'s body; a request without one (no `Content-Length` above 0, no `Transfer-Encoding`: a GET)
    /// counts as read, so its response goes out as it is.
    init(_ request: Request) {
        iterator = request.body.makeAsyncIterator()
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        isFinished = declared == 0 || (declared == nil && request.headers[.transferEncoding] == nil)
    }

    /// The next part of the body, or nil at its end.
    mutating func next() async throws -> ByteBuffer? {
        guard !isFinished else { return nil }
        guard let part = try await iterator.next() else {
            isFinished = true
            return nil
        }
        return part
    }

    /// Reads and drops the rest of the body, up to `bytesMax` bytes. A client that closes or resets the
    /// connection ends it too: the response it was sent is all there is to do.
    mutating func dropRest(bytesMax: Int) async {
        var dropped = 0
        while dropped <= bytesMax {
            guard let part = try? await next() else { return }
            dropped += part.readableBytes
        }
    }

    /// `response`, with a body that reads and drops what is left of this request's body after writing its own
    /// bytes and before it ends; `response` itself when the body has been read to its end.
    func answering(_ response: Response) -> Response {
        guard !isFinished else { return response }
        var answer = response
        let body = response.body
        let rest = self
        answer.body = ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(DroppingRestWriter(base: writer, rest: rest))
        }
        return answer
    }
}

/// Writes through `base`, and reads and drops the rest of the request's body before ending the response.
private struct DroppingRestWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    var rest: RequestBodyReader

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await base.write(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        await rest.dropRest(bytesMax: RPCLimits.unreadBodyBytesReadMax)
        try await base.finish(trailingHeaders)
    }
}
