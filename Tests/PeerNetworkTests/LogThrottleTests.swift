import Logging
import NIOCore
import NIOPosix
import TestProcesses
import Testing

@testable import PeerNetwork

/// Lines that anyone reaching the peer port can cause are written at most
/// `PeerNetworkLimits.unverifiedLogLinesPerMinute` a minute, and the next line written counts those held back.
@Suite(.timeLimit(.minutes(1))) struct LogThrottleTests {
    @Test("the first lines of an interval are written, the rest held back and counted on the next interval's first line")
    func throttle() {
        let throttle = LogThrottle(linesMax: 3, interval: .seconds(60))
        let start = ContinuousClock.now
        let first = (0..<5).map { throttle.admit(at: start + .seconds($0)) }
        #expect(first.map(\.write) == [true, true, true, false, false])
        #expect(first.map(\.heldBack) == [0, 0, 0, 0, 0])
        let next = throttle.admit(at: start + .seconds(60))
        #expect(next.write && next.heldBack == 2)
        #expect(throttle.admit(at: start + .seconds(61)) == (true, 0))
        #expect(LogThrottle.metadata(["a": "1"], heldBack: 0) == ["a": "1"])
        #expect(LogThrottle.metadata(["a": "1"], heldBack: 2) == ["a": "1", "heldBack": "2"])
    }

    @Test("a hundred connections closed before their handshake write at most a minute's share of lines")
    func unverifiedConnections() async throws {
        let written = CapturedLog()
        var configuration = PeerHost.Configuration(certificate: Fixtures.shared.td1)
        configuration.heartbeatInterval = .seconds(60)
        let server = try PeerHost(
            configuration: configuration, trust: Fixtures.shared.trust, logger: written.logger)
        let port = try #require(try await server.listen(host: "127.0.0.1", port: 0).port)
        let started = ContinuousClock.now
        for _ in 0..<100 {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port)
                .get()
            try await channel.close()
            // Each connection is counted until the server has seen it close, so they never pile up at the bound.
            try await InboundConnectionBoundTests.until { server.inboundConnections.open == 0 }
        }
        let closed = written.messages.filter { $0 == "peer connection closed before it was verified" }
        // A minute's share per minute begun: one on any machine that opens 100 connections within a minute.
        let minutes = Int((ContinuousClock.now - started) / .seconds(60)) + 1
        let quota = PeerNetworkLimits.unverifiedLogLinesPerMinute
        #expect(closed.count >= quota && closed.count <= quota * minutes, "\(closed.count) lines in \(minutes) minute(s)")
        try await server.shutdown()
    }
}
