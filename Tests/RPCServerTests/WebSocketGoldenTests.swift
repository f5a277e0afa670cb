import ChainTypes
import Foundation
import RPCServer
import Testing

/// Golden transcripts of `subscribe` and `unsubscribe` over `/ws` (`testdata/ws-NAME.json`): every
/// message sent and received, in order, compared as parsed JSON like the HTTP methods' golden responses
/// (`SBP_UPDATE_GOLDEN=1` rewrites them). The wire format of subscriptions is API as much as a method's.
@Suite("WebSocket golden transcripts")
struct WebSocketGoldenTests {
    /// One exchange: what the client sent and what it read, in order.
    final class Transcript: @unchecked Sendable {
        var entries: [JSONValue] = []

        func sent(_ text: String) { entries.append(.object(["send": json(text)])) }
        func received(_ message: JSONValue) { entries.append(.object(["receive": message])) }
    }

    func check(_ name: String, _ transcript: Transcript) throws {
        let url = GoldenResponseTests.directory.appendingPathComponent("ws-\(name).json")
        let actual = JSONValue.array(transcript.entries)
        if GoldenResponseTests.updating {
            try actual.formatted().write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let stored = try JSONParser.parse(Array(try Data(contentsOf: url)))
        if let difference = firstDifference(stored, actual) {
            Issue.record("ws-\(name).json: \(difference); rerun with SBP_UPDATE_GOLDEN=1 if intended")
        }
    }

    @Test("newHeads: subscribe from a cursor, one replayed and one live header, unsubscribe")
    func newHeads() async throws {
        let transcript = Transcript()
        try await LiveWebSocketServer.with { server in
            let latest = try await server.backend.latestHeight()
            try await server.connect { connection in
                let subscribe = subscribeRequest(#"{"kind": "newHeads", "cursor": "\#(headCursor(latest - 1))"}"#)
                transcript.sent(subscribe)
                transcript.received(try await connection.call(subscribe))
                transcript.received(try await connection.receive())
                await server.finalize(blocks: 1)
                transcript.received(try await connection.receive())
                let unsubscribe = #"{"jsonrpc": "2.0", "method": "unsubscribe", "params": ["0x1"], "id": 2}"#
                transcript.sent(unsubscribe)
                transcript.received(try await connection.call(unsubscribe))
            }
        }
        try check("newHeads", transcript)
    }

    @Test("events: subscribe with a contract filter, two events of a new block")
    func events() async throws {
        let transcript = Transcript()
        try await LiveWebSocketServer.with { server in
            try await server.connect { connection in
                let filter = #"{"contracts": ["0x\#(Hex.encode(Fixtures.contract.bytes))"], "topics": ["A", "B"]}"#
                let subscribe = subscribeRequest(#"{"kind": "events", "filter": \#(filter)}"#)
                transcript.sent(subscribe)
                transcript.received(try await connection.call(subscribe))
                let height = await server.backend.appendBlock(events: ["A", "Z", "B"])
                server.chainHead.advance(to: height)
                transcript.received(try await connection.receive())
                transcript.received(try await connection.receive())
            }
        }
        try check("events", transcript)
    }

    @Test("txStatus: pending at once, then committed with its receipt")
    func transactionStatus() async throws {
        let transaction = Fixtures.transaction(nonce: 4_242)
        let transcript = Transcript()
        try await LiveWebSocketServer.with { server in
            try await server.connect { connection in
                let send = #"{"jsonrpc": "2.0", "method": "tx_send", "params": ["0x\#(Hex.encode(transaction.canonicalBytes))"], "id": 1}"#
                transcript.sent(send)
                transcript.received(try await connection.call(send))
                let subscribe = subscribeRequest(#"{"kind": "txStatus", "hash": "0x\#(transaction.hash.hex)"}"#, id: 2)
                transcript.sent(subscribe)
                transcript.received(try await connection.call(subscribe))
                transcript.received(try await connection.receive())
                let height = await server.backend.commit(transaction)
                server.chainHead.advance(to: height)
                transcript.received(try await connection.receive())
            }
        }
        try check("txStatus", transcript)
    }
}
