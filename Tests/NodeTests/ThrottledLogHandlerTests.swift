import Logging
import PeerNetwork
import TestProcesses
import Testing

@testable import Node

/// The RPC servers' logger writes each message at most `PeerNetworkLimits.unverifiedLogLinesPerMinute` times a
/// minute, since clients can cause its lines (a malformed WebSocket upgrade logged an error each).
@Suite struct ThrottledLogHandlerTests {
    @Test("each message has its own quota a minute, and messages past the tracked number share one")
    func quotas() {
        let written = CapturedLog()
        let logger = ThrottledLogHandler.wrapping(written.logger)
        let quota = PeerNetworkLimits.unverifiedLogLinesPerMinute
        for _ in 0..<(quota + 10) { logger.error("Error handling upgrade result") }
        logger.notice("WebSocket client too slow: sent a farewell and closing")
        #expect(written.messages.count == quota + 1)

        let others = ThrottledLogHandler.wrapping(written.logger)
        written.removeAll()
        let tracked = ThrottledLogHandler.Throttles.messagesMax
        for index in 0..<(tracked + 100) { others.error("failed: \(index)") }
        #expect(written.messages.count == tracked + quota)
    }
}
