import ChainTypes
import HummingbirdWSClient
import RPCServer
import Testing

@Suite("WebSocket subscriptions: txStatus, slow clients and limits")
struct WebSocketLimitTests {
    @Test("txStatus reports pending at once, then the commit with its receipt, then ends; an unknown hash is unknown")
    func transactionStatus() async throws {
        let transaction = Fixtures.transaction(nonce: 4_242)
        let hex = "0x" + Hex.encode(transaction.canonicalBytes)
        try await LiveWebSocketServer.with { server in
            try await server.connect { connection in
                let sent = try await connection.call(#"{"jsonrpc": "2.0", "method": "tx_send", "params": ["\#(hex)"], "id": 1}"#)
                #expect(sent["result"] == RPCJSON.hash(transaction.hash))
                let response = try await connection.call(subscribeRequest(#"{"kind": "txStatus", "hash": "0x\#(transaction.hash.hex)"}"#))
                let id = try #require(response["result"]?["subscription"]?.text)
                let pending = try await connection.receive()
                #expect(pending.notification?["sequence"] == .number(1))
                #expect(pending.notification?["result"]?["status"] == .string("pending"))
                let height = await server.backend.commit(transaction)
                server.chainHead.advance(to: height)
                let committed = try await connection.receive()
                #expect(committed.notification?["sequence"] == .number(2))
                #expect(committed.notification?["result"]?["status"] == .string("committed"))
                #expect(committed.notification?["result"]?["receipt"]?["height"] == .number(Int(height)))
                #expect(committed.notification?["cursor"] == .string(headCursor(height)))
                let ended = try await connection.call(#"{"jsonrpc": "2.0", "method": "unsubscribe", "params": ["\#(id)"], "id": 2}"#)
                #expect(ended["result"] == .bool(false), "the subscription should have ended after the commit")

                let unknown = Fixtures.hash(0x42)
                _ = try await connection.call(subscribeRequest(#"{"kind": "txStatus", "hash": "0x\#(unknown.hex)"}"#, id: 3))
                let status = try await connection.receive()
                #expect(status.notification?["result"]?["status"] == .string("unknown"))
                #expect(status.notification?["result"]?["receipt"] == .null)
            }
        }
    }

    @Test("a client that stops reading is told it is too slow, with its last cursor, closed with 1008, and resumes without a gap")
    func slowClient() async throws {
        let configuration = RPCServerConfiguration(
            host: "127.0.0.1", port: 0, webSocketBacklogMessagesMax: 8, webSocketBacklogBytesMax: 1 << 20, webSocketStalledBlocksMax: 2,
            webSocketFarewellTimeout: .seconds(60))
        try await LiveWebSocketServer.with(configuration) { server in
            let resumeCursor = Captured("")
            let lastHeight = Captured(UInt64(0))
            let close = try await server.connect(deadline: .seconds(120)) { connection in
                let response = try await connection.call(subscribeRequest(#"{"kind": "newHeads"}"#))
                _ = try #require(response["result"]?["cursor"]?.text)
                // Read one notification first, so the farewell's lastSequence is at least 1 however the writer
                // and the slow-client check interleave under load.
                await server.finalize(blocks: 1)
                let first = try #require(try await connection.receive().notification)
                #expect(first["sequence"] == .number(1))
                var cursor = try #require(first["cursor"]?.text)
                lastHeight.value = RPCJSON.uint64(from: first["result"]?["header"]?["height"] ?? .null) ?? 0
                // Stop reading; finalize blocks until the socket and the backlog are full and the server gives up.
                try await eventually(within: .seconds(90)) {
                    if server.server.webSocketStatistics.slowClientsDisconnected > 0 { return true }
                    await server.finalize(blocks: 100)
                    return false
                }
                var sequence = 1
                var farewell: JSONValue?
                while let message = try await connection.next() {
                    let params = try #require(message.notification)
                    #expect(farewell == nil, "a message after the farewell: \(message)")
                    if let error = params["error"] {
                        farewell = error
                        #expect(params["sequence"] == .number(sequence + 1))
                        #expect(params["cursor"] == .string(cursor))
                        continue
                    }
                    sequence += 1
                    #expect(params["sequence"] == .number(sequence), "a gap before \(message)")
                    cursor = params["cursor"]?.text ?? ""
                    lastHeight.value = RPCJSON.uint64(from: params["result"]?["header"]?["height"] ?? .null) ?? 0
                }
                let error = try #require(farewell, "the connection ended without a farewell")
                #expect(error["code"] == .number(-32006))
                #expect(error["data"]?["lastCursor"] == .string(cursor))
                #expect(error["data"]?["lastSequence"] == .number(sequence))
                #expect(sequence > 0)
                resumeCursor.value = cursor
            }
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason?.contains("too slow") == true)
            try await server.connect { connection in
                _ = try await connection.call(subscribeRequest(#"{"kind": "newHeads", "cursor": "\#(resumeCursor.value)"}"#))
                let next = try await connection.receive()
                #expect(next.notification?["result"]?["header"]?["height"] == .number(Int(lastHeight.value + 1)))
                #expect(next.notification?["sequence"] == .number(1))
            }
        }
    }

    /// The server's shared backlog bytes bind a connection whose own bounds never would: with 100,000 messages
    /// and 1 GiB of its own, its backlog is full at its share (the 64 KiB floor), and the slow-client rule closes it.
    @Test("a connection's backlog is full at its share of the server's backlog bytes, however large its own bounds")
    func sharedBacklogBytes() async throws {
        var configuration = RPCServerConfiguration(
            host: "127.0.0.1", port: 0, webSocketBacklogMessagesMax: 100_000, webSocketBacklogBytesMax: 1 << 30,
            webSocketStalledBlocksMax: 2, webSocketFarewellTimeout: .seconds(60))
        configuration.webSocketBacklogBytesTotal = 1
        try await LiveWebSocketServer.with(configuration) { server in
            let close = try await server.connect(deadline: .seconds(120)) { connection in
                let response = try await connection.call(subscribeRequest(#"{"kind": "newHeads"}"#))
                _ = try #require(response["result"]?["cursor"]?.text)
                // Never read: finalize blocks until the socket and the 64 KiB share are full and the server gives up.
                try await eventually(within: .seconds(90)) {
                    if server.server.webSocketStatistics.slowClientsDisconnected > 0 { return true }
                    await server.finalize(blocks: 100)
                    return false
                }
                while try await connection.next() != nil {}
            }
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason?.contains("too slow") == true)
        }
    }

    @Test("resuming below the retained history ends the stream with a -32003 notice carrying the cursor to retry from")
    func resumeBelowPrunedHistory() async throws {
        try await LiveWebSocketServer.with { server in
            await server.backend.setLowestRetainedHeight(2)
            try await server.connect { connection in
                let response = try await connection.call(subscribeRequest(#"{"kind": "newHeads", "cursor": "\#(headCursor(0))"}"#))
                let id = try #require(response["result"]?["subscription"]?.text)
                let notice = try await connection.receive()
                #expect(notice.notification?["sequence"] == .number(1))
                #expect(notice.notification?["cursor"] == .string(headCursor(0)))
                #expect(notice.notification?["error"]?["code"] == .number(-32003))
                #expect(notice.notification?["error"]?["data"]?["lowestRetainedHeight"] == .number(2))
                let ended = try await connection.call(#"{"jsonrpc": "2.0", "method": "unsubscribe", "params": ["\#(id)"], "id": 2}"#)
                #expect(ended["result"] == .bool(false), "an error notice ends the subscription")
            }
        }
    }

    @Test("a connection holds at most subscriptionsPerConnectionMax subscriptions (-32004); unsubscribing frees one")
    func subscriptionLimit() async throws {
        let configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0, subscriptionsPerConnectionMax: 2)
        try await LiveWebSocketServer.with(configuration) { server in
            try await server.connect { connection in
                let first = try await connection.call(subscribeRequest(#"{"kind": "newHeads"}"#, id: 1))
                _ = try await connection.call(subscribeRequest(#"{"kind": "events"}"#, id: 2))
                let third = try await connection.call(subscribeRequest(#"{"kind": "newHeads"}"#, id: 3))
                #expect(third.errorCode == -32004)
                #expect(third["error"]?["data"]?["limit"] == .number(2))
                let id = try #require(first["result"]?["subscription"]?.text)
                let unsubscribed = try await connection.call(
                    #"{"jsonrpc": "2.0", "method": "unsubscribe", "params": {"subscription": "\#(id)"}, "id": 4}"#)
                #expect(unsubscribed["result"] == .bool(true))
                let again = try await connection.call(subscribeRequest(#"{"kind": "newHeads"}"#, id: 5))
                #expect(again["result"]?["subscription"] != nil)
                await server.finalize(blocks: 1)
                let notification = try await connection.receive()
                #expect(
                    notification.notification?["subscription"] == again["result"]?["subscription"], "the ended subscription still notifies")
            }
        }
    }

    static let badSubscriptions: [(params: String, reason: String)] = [
        (#"{}"#, "kind"),
        (#"{"kind": "blocks"}"#, "kind"),
        (#"{"kind": "newHeads", "filter": {}}"#, "filter"),
        (#"{"kind": "newHeads", "hash": "0x\#(String(repeating: "ab", count: 32))"}"#, "hash"),
        (#"{"kind": "newHeads", "cursor": "0200000000000000030000000000"}"#, "cursor"),
        (#"{"kind": "events", "filter": {"fromHeight": 1}}"#, "fromHeight"),
        (#"{"kind": "events", "filter": {"contracts": ["0x12"]}}"#, "contracts"),
        (#"{"kind": "events", "cursor": "\#(headCursor(2))"}"#, "cursor"),
        (#"{"kind": "txStatus"}"#, "hash"),
        (#"{"kind": "txStatus", "hash": "0x12"}"#, "hash"),
        (#"{"kind": "txStatus", "hash": "0x\#(String(repeating: "ab", count: 32))", "cursor": "\#(headCursor(2))"}"#, "cursor"),
        (#"{"kind": "newHeads", "since": 3}"#, "since"),
    ]

    @Test("bad subscribe params are -32602 with a message naming the problem", arguments: badSubscriptions)
    func badSubscribeParams(params: String, reason: String) async throws {
        try await LiveWebSocketServer.with { server in
            try await server.connect { connection in
                let response = try await connection.call(subscribeRequest(params))
                #expect(response.errorCode == -32602, "\(params)")
                #expect(response["error"]?["message"]?.text?.contains(reason) == true, "\(response)")
            }
        }
    }

    @Test("a message over the size limit closes the connection with 1009; in fragments it is first answered -32004")
    func oversizeMessage() async throws {
        let configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0, requestBodyBytesMax: 1024)
        try await LiveWebSocketServer.with(configuration) { server in
            let padding = String(repeating: " ", count: 2_000)
            let single = try await server.connect { connection in
                try await connection.send(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"# + padding)
                while try await connection.next() != nil {}
            }
            #expect(single?.closeCode == .messageTooLarge)
            let fragmented = try await server.connect { connection in
                try await connection.outbound.withTextMessageWriter { write in
                    try await write(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#)
                    for _ in 0..<3 { try await write(String(repeating: " ", count: 600)) }
                }
                let response = try await connection.receive()
                #expect(response.errorCode == -32004)
                #expect(response["error"]?["data"]?["limit"] == .number(1024))
                let end = try await connection.next()
                #expect(end == nil)
            }
            #expect(fragmented?.closeCode == .messageTooLarge)
        }
    }

    @Test("a frame over webSocketFrameBytesMax closes the connection with 1009; the same message in fragments is answered")
    func oversizeFrame() async throws {
        let request = #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#
        let padding = String(repeating: " ", count: RPCLimits.webSocketFrameBytesMax)
        try await LiveWebSocketServer.with { server in
            let single = try await server.connect { connection in
                try await connection.send(request + padding)
                while try await connection.next() != nil {}
            }
            #expect(single?.closeCode == .messageTooLarge)
            try await server.connect { connection in
                try await connection.outbound.withTextMessageWriter { write in
                    try await write(request)
                    for _ in 0..<4 { try await write(String(repeating: " ", count: RPCLimits.webSocketFrameBytesMax / 4)) }
                }
                let response = try await connection.receive()
                #expect(response["result"]?["chainId"] != nil, "\(response)")
            }
            try await eventually { server.server.requestBytesHeld == 0 }
        }
    }

    @Test("a message the request budget cannot hold is answered busy and closed with 1013; each answered message gives its room back")
    func requestBudget() async throws {
        // One body of 1,024 bytes in flight over all connections.
        var configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0, requestBodyBytesMax: 1024)
        configuration.requestBodiesInFlightMax = 1
        let request = #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#
        let padded = request + String(repeating: " ", count: 600 - request.utf8.count)
        try await LiveWebSocketServer.with(configuration) { server in
            try await server.connect { holder in
                try await holder.outbound.withTextMessageWriter { write in
                    // The writer sends a fragment when given the next one: the second sends the first.
                    try await write(padded)
                    try await write(" ")
                    try await eventually { server.server.requestBytesHeld == 600 }
                    let refused = try await server.connect { second in
                        try await second.send(padded)
                        let response = try await second.receive()
                        #expect(response.errorCode == -32007)
                        #expect(response["error"]?["data"]?["reason"] == .string("busy"), "\(response)")
                        #expect(try await second.next() == nil)
                    }
                    #expect(refused?.closeCode == .unknown(1013))
                }
                let answered = try await holder.receive()
                #expect(answered["result"]?["chainId"] != nil, "\(answered)")
            }
            try await eventually { server.server.requestBytesHeld == 0 }
            try await server.connect { third in
                let response = try await third.call(padded)
                #expect(response["result"]?["chainId"] != nil, "\(response)")
            }
        }
    }

    @Test("connections over webSocketConnectionsMax are closed at once with 1013")
    func connectionLimit() async throws {
        let configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0, webSocketConnectionsMax: 1)
        try await LiveWebSocketServer.with(configuration) { server in
            try await server.connect { connection in
                _ = try await connection.call(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#)
                let refused = try await server.connect { second in
                    let message = try await second.next()
                    #expect(message == nil)
                }
                #expect(refused?.closeCode == .unknown(1013))
                #expect(server.server.webSocketStatistics.connectionsRefused == 1)
            }
        }
    }

    @Test("a browser origin outside allowedOrigins cannot open /ws; an allowed one can")
    func originPolicy() async throws {
        let configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0, allowedOrigins: ["https://explorer.example"])
        try await LiveWebSocketServer.with(configuration) { server in
            await #expect(throws: (any Error).self) {
                try await server.connect(origin: "https://evil.example") { _ in }
            }
            try await server.connect(origin: "https://explorer.example") { connection in
                let response = try await connection.call(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#)
                #expect(response["result"] != nil)
            }
        }
    }

    @Test("an operations-only server refuses the WebSocket upgrade")
    func operationsServerHasNoWebSocket() async throws {
        var configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.endpoints = .operations
        try await LiveWebSocketServer.with(configuration) { server in
            await #expect(throws: (any Error).self) {
                try await server.connect { _ in }
            }
        }
    }

    @Test("GET /ws without an upgrade is 426 Upgrade Required")
    func upgradeRequired() async throws {
        try await LiveServer.with { server in
            let reply = try await server.send("GET", "/ws")
            #expect(reply.status == 426)
        }
    }

    @Test("tx_sendAndWait answers when the block is announced, without polling every 50 ms")
    func sendAndWaitWakesOnAnnouncement() async throws {
        let backend = FakeBackend()
        let chainHead = ChainHead(height: 3)
        chainHead.advance(to: 3)
        let engine = RPCEngine(backend: backend, chainHead: chainHead, logger: quietLogger)
        let transaction = Fixtures.transaction(nonce: 77)
        let request =
            #"{"jsonrpc": "2.0", "method": "tx_sendAndWait", "params": ["0x\#(Hex.encode(transaction.canonicalBytes))", 30000], "id": 1}"#
        async let reply = engine.response(to: Array(request.utf8))
        try await eventually { await backend.submitted.count == 1 }
        let height = await backend.commit(transaction)
        chainHead.advance(to: height)
        let response = try #require(await reply)
        #expect(response["result"]?["height"] == .number(Int(height)))
        let polls = await backend.receiptPolls
        #expect(polls <= 3, "polled \(polls) times")
    }
}

@Suite("WebSocket server shutdown")
struct WebSocketShutdownTests {
    @Test("stopping the server ends open WebSocket connections, subscriptions included, and run() returns")
    func shutdownWithOpenConnections() async throws {
        let backend = FakeBackend()
        let chainHead = ChainHead(height: 3)
        let server = RPCServer(
            configuration: RPCServerConfiguration(host: "127.0.0.1", port: 0), backend: backend, chainHead: chainHead, logger: quietLogger)
        let running = Task { try await server.run() }
        let port = try await server.listeningPort()
        let live = LiveWebSocketServer(server: server, port: port, backend: backend, chainHead: chainHead)
        let subscribed = Captured(false)
        let client = Task {
            try await live.connect(deadline: .seconds(60)) { connection in
                _ = try await connection.call(subscribeRequest(#"{"kind": "newHeads"}"#))
                subscribed.value = true
                while try await connection.next() != nil {}
            }
        }
        try await eventually { subscribed.value }
        running.cancel()
        try await withDeadline(.seconds(30)) { try await running.value }
        _ = try? await client.value
        #expect(server.webSocketStatistics.connections == 0)
    }
}
