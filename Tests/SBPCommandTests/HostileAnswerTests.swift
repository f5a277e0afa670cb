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
                    try await withThrowingDiscardingTaskGroup { answering in
                        for try await connection in connections {
                            answering.addTask { await Self.answerEndlessly(connection, head: head) }
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
}
