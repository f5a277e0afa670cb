import Dispatch
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP exchange whose answer is read up to `CLILimits.responseBytesMax` bytes, with at most the request's
/// timeout between two of its bytes and at most `CLILimits.answerSecondsMax` (or the timeout, if longer) in all.
///
/// Why: `URLSession.data(for:)` keeps every byte of an answer until it ends, and its timeout only bounds the
/// silence between two packets. A `--rpc` address that answered with an endless or a falsely long body (a
/// broken proxy, a hostile node) grew `sbp licence verify` to 10 GB in a minute, and one that sent a byte now
/// and then held it for ever.
///
/// The outcome is decided here, once, by whichever comes first: the answer's end, its size passing the
/// bound, the deadline, or a failure. On Linux a cancelled task did not always report its end, so the caller
/// is answered at once and the session is cancelled behind it; bytes that still arrive are dropped.
final class BoundedResponse: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    typealias Outcome = Result<(Data, URLResponse), RPCClientError>

    /// What the callbacks build; `lock` guards it (the session calls back on its own queue, the deadline on
    /// another).
    private struct State {
        var data = Data()
        var response: URLResponse?
        var continuation: CheckedContinuation<Outcome, Never>?
    }

    private let lock = NSLock()
    private var state = State()
    private let url: String

    private init(url: String) {
        self.url = url
    }

    /// Sends `request` and returns the whole answer, or the reason it was not had.
    static func fetch(_ request: URLRequest, url: String, timeoutSeconds: Double) async throws(RPCClientError) -> (Data, URLResponse) {
        let totalSeconds = max(timeoutSeconds, CLILimits.answerSecondsMax)
        let exchange = BoundedResponse(url: url)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = totalSeconds
        let session = URLSession(configuration: configuration, delegate: exchange, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        let outcome = await withCheckedContinuation { continuation in
            exchange.lock.withLock { exchange.state.continuation = continuation }
            DispatchQueue.global().asyncAfter(deadline: .now() + totalSeconds) {
                exchange.finish(.failure(.answerTooSlow(url: url, seconds: totalSeconds)))
            }
            session.dataTask(with: request).resume()
        }
        return try outcome.get()
    }

    /// Answers the caller with `outcome` unless it has been answered already.
    private func finish(_ outcome: Outcome) {
        let continuation = lock.withLock { () -> CheckedContinuation<Outcome, Never>? in
            defer { state.continuation = nil; state.data = Data() }
            return state.continuation
        }
        continuation?.resume(returning: outcome)
    }

    private var tooLarge: Outcome { .failure(.answerTooLarge(url: url, bytesMax: CLILimits.responseBytesMax)) }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard response.expectedContentLength <= Int64(CLILimits.responseBytesMax) else {
            finish(tooLarge)
            completionHandler(.cancel)
            return
        }
        lock.withLock { state.response = response }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = lock.withLock { () -> Bool in
            guard state.continuation != nil else { return false }
            guard state.data.count + data.count <= CLILimits.responseBytesMax else { return true }
            state.data.append(data)
            return false
        }
        if over {
            finish(tooLarge)
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (data, response) = lock.withLock { (state.data, state.response ?? task.response) }
        if let error {
            // A time-out here is the session's, between two bytes of the answer (or before the first).
            finish(.failure(.unreachable(url: url, reason: error.localizedDescription)))
        } else if let response {
            finish(.success((data, response)))
        } else {
            finish(.failure(.unreachable(url: url, reason: "the connection ended without an answer")))
        }
    }
}
