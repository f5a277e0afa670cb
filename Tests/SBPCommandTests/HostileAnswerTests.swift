import Keys
import NIOCore
import NIOPosix
import TestProcesses
import Testing

/// `--rpc` may name anything: the CLI reads at most `CLILimits.responseBytesMax` bytes of an answer
/// (`BoundedResponse`). It used to keep every byte of an endless answer, 10 GB in a minute.
@Suite("sbp against a hostile JSON-RPC address")
struct HostileAnswerTests {
    /// Answers every connection with `head`, then spaces, 64 KiB at a time, until the client goes away.
    static func withEndlessAnswers(head: String, _ body: @Sendable (Int) async throws -> Void) async throws {
        try await withServer(answering: { await answerEndlessly($0, head: head) }, body)
    }

    /// A server on a free loopback port that runs `answering` for each connection while `body` runs.
    static func withServer(
        answering: @escaping @Sendable (NIOAsyncChannel<ByteBuffer, ByteBuffer>) async -> Void, _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = try #require(server.channel.localAddress?.port)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await server.executeThenClose { connections in
                    try await withThrowingDiscardingTaskGroup { answeringConnections in
                        for try await connection in connections {
                            answeringConnections.addTask { await answering(connection) }
                        }
                    }
                }
            }
            try await body(port)
            server.channel.close(promise: nil)
        }
    }

    static func answerEndlessly(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, head: String) async {
        try? await connection.executeThenClose { requests, answers in
            var reading = requests.makeAsyncIterator()
            _ = try await reading.next()
            try await answers.write(ByteBuffer(string: head))
            let spaces = ByteBuffer(repeating: UInt8(ascii: " "), count: 1 << 16)
            while true { try await answers.write(spaces) }
        }
    }

    /// Answers every connection's first request with `answer` and closes it.
    static func withAnswers(_ answer: String, _ body: @Sendable (Int) async throws -> Void) async throws {
        try await withServer(
            answering: { connection in
                try? await connection.executeThenClose { requests, answers in
                    var reading = requests.makeAsyncIterator()
                    _ = try await reading.next()
                    try await answers.write(ByteBuffer(string: answer))
                }
            }, body)
    }

    @Test(
        "an answer that never ends, or declares more than the bound, is cut off with a clear error",
        arguments: [
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n",
        ])
    func endlessAnswers(head: String) async throws {
        try await Self.withEndlessAnswers(head: head) { port in
            let result = try await withBlockingWork { try SBPProcess.run(["status", "--rpc", "http://127.0.0.1:\(port)"]) }
            #expect(result.status != 0)
            #expect(result.standardError.contains("answered with more than"), "\(result.standardError)")
        }
    }

    /// A node that says its latest height is 2^64 − 1 (and the account's nonce 0) to every call.
    static let lyingAnswer = #"{"jsonrpc":"2.0","id":1,"result":{"chainId":"x","latestHeight":"18446744073709551615","nonce":0}}"#

    @Test("a node that reports the largest height gets an error, not a trap, from commands that count past it")
    func largestHeight() async throws {
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: \(Self.lyingAnswer.utf8.count)\r\n\r\n"
        try await Self.withAnswers(head + Self.lyingAnswer) { port in
            try await withTemporaryDirectoryAsync { directory in
                let key = directory + "/sender.key"
                try FileWriter.write(Array(String(repeating: "01", count: 32).utf8), to: key, replacing: false)
                let rpc = "http://127.0.0.1:\(port)"
                let cases: [(arguments: [String], error: String)] = [
                    (["account", "suspend", "0x" + String(repeating: "11", count: 20), "--rpc", rpc, "--key", key], "no expiry height"),
                    (["evidence", "export", "--rpc", rpc, "--licence", "L-1", "--out", directory + "/x.evidence"], "no block can certify"),
                ]
                for (arguments, error) in cases {
                    let result = try await withBlockingWork { try SBPProcess.run(arguments) }
                    #expect(result.status == 1, "\(arguments): \(result.standardError)")
                    #expect(result.standardError.contains(error), "\(arguments): \(result.standardError)")
                }
            }
        }
    }
}
