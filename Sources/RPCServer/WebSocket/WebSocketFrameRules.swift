import HummingbirdWebSocket
import NIOWebSocket
import Synchronization

/// The RFC 6455 rules on the data frames a client sends, which the framework's frame-by-frame stream
/// (`WebSocketInboundStream`) leaves to its user: masking (§5.1), fragmentation (§5.4) and UTF-8 text (§8.1).
///
/// A value fed one frame at a time; a violation tells the session which close code to send, after which
/// the session reads nothing more from the connection.
struct WebSocketFrameRules: Sendable {
    /// Why a frame sequence fails the connection.
    enum Violation: Equatable, Sendable, CustomStringConvertible {
        /// §5.1: "a client MUST mask all frames that it sends to the server"; the server closes with 1002.
        case unmaskedFrame
        /// §5.4: a continuation frame with no message started.
        case continuationWithoutStart
        /// §5.4: a new text or binary frame while a fragmented message is still open.
        case messageInsideFragmentedMessage
        /// §8.1: a text message that is not valid UTF-8 closes with 1007.
        case invalidUTF8

        /// The close code RFC 6455 §7.4.1 assigns.
        var closeCode: UInt16 {
            switch self {
            case .unmaskedFrame, .continuationWithoutStart, .messageInsideFragmentedMessage: return Self.protocolErrorCode
            case .invalidUTF8: return Self.invalidPayloadCode
            }
        }

        /// 1002: protocol error.
        static let protocolErrorCode: UInt16 = 1002
        /// 1007: data inconsistent with the message type (invalid UTF-8 in text).
        static let invalidPayloadCode: UInt16 = 1007

        var description: String {
            switch self {
            case .unmaskedFrame: return "client frame not masked"
            case .continuationWithoutStart: return "continuation frame without a message to continue"
            case .messageInsideFragmentedMessage: return "new data frame inside a fragmented message"
            case .invalidUTF8: return "text message is not valid UTF-8"
            }
        }
    }

    /// The first frame's opcode of the message being collected; nil between messages.
    private var openMessage: WebSocketDataFrame.Opcode?

    /// Checks one data frame; nil when it may be collected into the current message.
    mutating func check(_ opcode: WebSocketDataFrame.Opcode, fin: Bool, masked: Bool) -> Violation? {
        guard masked else { return .unmaskedFrame }
        switch (opcode, openMessage) {
        case (.continuation, nil): return .continuationWithoutStart
        case (.text, .some), (.binary, .some): return .messageInsideFragmentedMessage
        case (.continuation, .some): break
        case (.text, nil), (.binary, nil): openMessage = opcode
        }
        return nil
    }

    /// Ends the current message (its last frame had FIN); checks a text message's bytes are UTF-8.
    mutating func finishMessage(_ bytes: [UInt8]) -> Violation? {
        defer { openMessage = nil }
        guard openMessage == .text else { return nil }
        return String(validating: bytes, as: UTF8.self) == nil ? .invalidUTF8 : nil
    }
}

/// Records whether each data frame of the connection arrived masked, for `WebSocketFrameRules`.
///
/// The framework hands the session unmasked payloads without the mask bit, so a non-negotiated extension,
/// which sees each raw frame in the reading task, notes the bit in the reader's `FrameMasking.current`.
struct FrameMaskingExtension: WebSocketExtension {
    var name: String { "sbp-frame-masking" }

    func processReceivedFrame(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
        FrameMasking.current?.record(masked: frame.maskKey != nil)
        return frame
    }

    func processFrameToSend(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame { frame }

    func shutdown() async {}
}

/// The mask bit of the last data frame the reading task received (set by `FrameMaskingExtension`).
final class FrameMasking: Sendable {
    @TaskLocal static var current: FrameMasking?

    private let lastMasked = Mutex(true)

    func record(masked: Bool) { lastMasked.withLock { $0 = masked } }

    var lastFrameMasked: Bool { lastMasked.withLock { $0 } }
}
