import ChainTypes
import HummingbirdWSClient
import RPCServer
import Testing

/// The cursor string of a `newHeads` position (tag 0x04 and the height, big-endian), as clients receive it.
func headCursor(_ height: UInt64) -> String {
    let hex = String(height, radix: 16)
    return "04" + String(repeating: "0", count: 16 - hex.count) + hex
}

func subscribeRequest(_ params: String, id: Int = 1) -> String {
    #"{"jsonrpc": "2.0", "method": "subscribe", "params": \#(params), "id": \#(id)}"#
}

@Suite("JSON-RPC over WebSocket /ws")
struct WebSocketTests {
    @Test("a request, a batch, a notification and a parse error get the same answers over /ws as over POST /")
    func requestsOverWebSocket() async throws {
        let viaEngine = try await EngineHarness().send(#"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": [2], "id": 7}"#)
        try await LiveWebSocketServer.with { server in
            try await server.connect { connection in
                let single = try await connection.call(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#)
                #expect(single["result"]?["chainId"] == .string(Fixtures.chainId))
                #expect(single["id"] == .number(1))
                let batch = try await connection.call(
                    #"[{"jsonrpc": "2.0", "method": "chain_getLatestHeight", "id": "a"}, {"jsonrpc": "2.0", "method": "node_status"}, "#
                        + #"{"jsonrpc": "2.0", "method": "nope", "id": 2}]"#)
                #expect(batch.elements?.count == 2)
                #expect(batch.elements?.first?["result"] == .number(3))
                #expect(batch.elements?.last?.errorCode == -32601)
                try await connection.send(#"{"jsonrpc": "2.0", "method": "node_status"}"#)
                let afterNotification = try await connection.call(#"{"jsonrpc": "2.0", "method": "chain_getLatestHeight", "id": 3}"#)
                #expect(afterNotification["id"] == .number(3), "a notification was answered")
                let parseError = try await connection.call("{not json")
                #expect(parseError.errorCode == -32700 && parseError["id"] == .null)
                let viaSocket = try await connection.call(
                    #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": [2], "id": 7}"#)
                #expect(viaSocket == viaEngine)
            }
        }
    }

    @Test("a batch over the limit is one -32004 error over /ws too")
    func batchLimit() async throws {
        try await LiveWebSocketServer.with(RPCServerConfiguration(host: "127.0.0.1", port: 0, batchRequestsMax: 2)) { server in
            try await server.connect { connection in
                let request = #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#
                let response = try await connection.call("[\(request), \(request), \(request)]")
                #expect(response.errorCode == -32004)
                #expect(response["error"]?["data"]?["limit"] == .number(2))
            }
        }
    }

    @Test("subscribe and unsubscribe over HTTP are -32601 naming /ws")
    func subscribeNeedsWebSocket() async throws {
        let harness = EngineHarness()
        for request in [
            subscribeRequest(#"{"kind": "newHeads"}"#), #"{"jsonrpc": "2.0", "method": "unsubscribe", "params": ["0x1"], "id": 1}"#,
        ] {
            let response = try #require(try await harness.send(request))
            #expect(response.errorCode == -32601)
            #expect(response["error"]?["message"]?.text?.contains("/ws") == true)
        }
    }

    @Test("newHeads replays after a cursor, then sends each finalized block once, in order, numbered 1, 2, 3 …")
    func newHeadsSequence() async throws {
        try await LiveWebSocketServer.with { server in
            try await server.connect { connection in
                let response = try await connection.call(subscribeRequest(#"{"kind": "newHeads", "cursor": "\#(headCursor(1))"}"#))
                let id = try #require(response["result"]?["subscription"])
                #expect(response["result"]?["cursor"] == .string(headCursor(1)))
                var notifications: [JSONValue] = []
                for _ in 0..<2 { notifications.append(try await connection.receive()) }
                await server.finalize(blocks: 1)
                notifications.append(try await connection.receive())
                await server.finalize(blocks: 3)
                for _ in 0..<3 { notifications.append(try await connection.receive()) }
                for (offset, notification) in notifications.enumerated() {
                    let height = UInt64(offset + 2)
                    #expect(notification["method"] == .string("subscription"))
                    #expect(notification["id"] == nil, "a notification has no id")
                    #expect(notification.notification?["subscription"] == id)
                    #expect(notification.notification?["sequence"] == .number(offset + 1))
                    #expect(notification.notification?["cursor"] == .string(headCursor(height)))
                    #expect(notification.notification?["result"]?["header"]?["height"] == .number(Int(height)))
                }
                var early: [JSONValue] = []
                _ = try await connection.call(#"{"jsonrpc": "2.0", "method": "node_status", "id": 9}"#, notifications: &early)
                #expect(early.isEmpty, "a block was sent twice: \(early)")
            }
        }
    }

    @Test("a newHeads client that reads while the head advances one block at a time is never called slow")
    func readingClientIsNotSlow() async throws {
        let configuration = RPCServerConfiguration(
            host: "127.0.0.1", port: 0, webSocketBacklogMessagesMax: 4, webSocketBacklogBytesMax: 1 << 20, webSocketStalledBlocksMax: 1)
        try await LiveWebSocketServer.with(configuration) { server in
            _ = await server.backend.appendBlocks(600)
            try await server.connect { connection in
                _ = try await connection.call(subscribeRequest(#"{"kind": "newHeads", "cursor": "\#(headCursor(0))"}"#))
                // A block is finalized every 50 notifications read, and only once the client has read one that
                // the server queued after the previous block (or has read everything): the client is reading,
                // whatever the scheduler does to the server's writer, so the rule must never call it slow.
                var finalized = 0
                var nextBlockAt = 50
                var queuedAtLastBlock: UInt64 = 0
                var received = 0
                while finalized < 10 || received < 600 + finalized {
                    let drained = received == 600 + finalized
                    if finalized < 10, drained || (received >= nextBlockAt && UInt64(received) > queuedAtLastBlock) {
                        _ = await server.finalize(blocks: 1)
                        queuedAtLastBlock = server.server.webSocketStatistics.notificationsQueued
                        finalized += 1
                        nextBlockAt = received + 50
                        continue
                    }
                    let notification = try await connection.receive()
                    received += 1
                    #expect(notification.notification?["sequence"] == .number(received))
                    guard notification.notification?["error"] == nil else { return }
                }
                #expect(finalized == 10)
            }
            #expect(server.server.webSocketStatistics.slowClientsDisconnected == 0)
        }
    }

    @Test("an events subscription resumed from its last cursor after a disconnect receives every event exactly once")
    func eventsResumeExactlyOnce() async throws {
        try await LiveWebSocketServer.with { server in
            let filter = #"{"contracts": ["0x\#(Hex.encode(Fixtures.contract.bytes))"]}"#
            let saved = Captured("")
            try await server.connect { connection in
                let response = try await connection.call(subscribeRequest(#"{"kind": "events", "filter": \#(filter)}"#))
                #expect(response["result"]?["subscription"] != nil)
                let height = await server.backend.appendBlock(events: ["A", "B"])
                server.chainHead.advance(to: height)
                for (offset, topic) in ["A", "B"].enumerated() {
                    let notification = try await connection.receive()
                    #expect(notification.notification?["sequence"] == .number(offset + 1))
                    #expect(notification.notification?["result"]?["topic"] == .string(topic))
                    saved.value = notification.notification?["cursor"]?.text ?? ""
                }
            }
            let cursor = saved.value
            #expect(cursor.hasPrefix("02"), "an events cursor: \(cursor)")
            _ = await server.backend.appendBlock(events: ["C"])
            _ = await server.backend.appendBlock(events: ["X"], contract: Fixtures.address(0xc9))
            let height = await server.backend.appendBlock(events: ["D", "E"])
            server.chainHead.advance(to: height)
            try await server.connect { connection in
                let response = try await connection.call(
                    subscribeRequest(#"{"kind": "events", "filter": \#(filter), "cursor": "\#(cursor)"}"#))
                #expect(response["result"]?["cursor"] == .string(cursor))
                var topics: [String] = []
                for _ in 0..<3 { topics.append(try await connection.receive().notification?["result"]?["topic"]?.text ?? "?") }
                let live = await server.backend.appendBlock(events: ["F"])
                server.chainHead.advance(to: live)
                let last = try await connection.receive()
                topics.append(last.notification?["result"]?["topic"]?.text ?? "?")
                #expect(last.notification?["sequence"] == .number(4))
                #expect(topics == ["C", "D", "E", "F"])
                var extra: [JSONValue] = []
                _ = try await connection.call(#"{"jsonrpc": "2.0", "method": "node_status", "id": 9}"#, notifications: &extra)
                #expect(extra.isEmpty, "an event was delivered twice: \(extra)")
            }
        }
    }
}
