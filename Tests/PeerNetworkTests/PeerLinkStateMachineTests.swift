import ChainTypes
import Testing

@testable import PeerNetwork

@Suite struct PeerLinkStateMachineTests {
    @Test("An idle link sends a heartbeat every tick; one that wrote since the last tick does not")
    func heartbeats() {
        var machine = PeerLinkStateMachine(heartbeatsMissedMax: 3)
        machine.handshakeCompleted()
        #expect(machine.heartbeatTick() == .sendHeartbeat)
        machine.frameReceived()
        #expect(machine.send(bytes: 10) == .write)
        #expect(machine.heartbeatTick() == .none)
        machine.frameReceived()
        #expect(machine.heartbeatTick() == .sendHeartbeat)
    }

    @Test("A peer silent for heartbeatsMissedMax ticks is disconnected; any frame resets the count")
    func silentPeer() {
        var machine = PeerLinkStateMachine(heartbeatsMissedMax: 3)
        machine.handshakeCompleted()
        #expect(machine.heartbeatTick() == .sendHeartbeat)
        #expect(machine.heartbeatTick() == .sendHeartbeat)
        machine.frameReceived()
        #expect(machine.heartbeatTick() == .sendHeartbeat)
        #expect(machine.heartbeatTick() == .sendHeartbeat)
        #expect(machine.heartbeatTick() == .close(.heartbeatsMissed(3)))
        #expect(machine.state == .closed)
        #expect(machine.heartbeatTick() == .none)
    }

    @Test("A handshake that takes handshakeTicksMax ticks is dropped")
    func handshakeTimeout() {
        var machine = PeerLinkStateMachine()
        for _ in 1..<PeerNetworkLimits.handshakeTicksMax { #expect(machine.heartbeatTick() == .none) }
        #expect(machine.heartbeatTick() == .close(.handshakeTimeout))
    }

    @Test("A full send queue drops the newest frame and counts it; completed writes make room")
    func boundedSendQueue() {
        var machine = PeerLinkStateMachine(sendQueueFramesMax: 2, sendQueueBytesMax: 100)
        #expect(machine.send(bytes: 1) == .refuseClosed)
        machine.handshakeCompleted()
        #expect(machine.send(bytes: 10) == .write)
        #expect(machine.send(bytes: 10) == .write)
        #expect(machine.send(bytes: 10) == .drop)
        #expect(machine.droppedFrames == 1)
        machine.writeCompleted(bytes: 10)
        #expect(machine.send(bytes: 91) == .drop)
        #expect(machine.send(bytes: 90) == .write)
        #expect(machine.queuedFrames == 2 && machine.queuedBytes == 100)
        machine.close()
        #expect(machine.send(bytes: 1) == .refuseClosed)
    }
}

@Suite struct ReconnectStateMachineTests {
    @Test("Failed dials back off exponentially up to the cap; a dropped link redials after the initial delay")
    func backOff() {
        var machine = ReconnectStateMachine(delayMsInitial: 100, delayMsMax: 1000)
        #expect(machine.start() == .connect)
        var delays: [Int64] = []
        for _ in 0..<6 {
            guard case .scheduleConnect(let delay) = machine.connectFailed() else {
                Issue.record("expected a scheduled redial")
                return
            }
            delays.append(delay)
            #expect(machine.delayElapsed() == .connect)
        }
        #expect(delays == [100, 200, 400, 800, 1000, 1000])
        machine.connected()
        #expect(machine.disconnected() == .scheduleConnect(afterMs: 100))
        #expect(machine.delayElapsed() == .connect)
        #expect(machine.connectFailed() == .scheduleConnect(afterMs: 200))
        machine.stop()
        #expect(machine.delayElapsed() == .none)
        #expect(machine.start() == .none)
    }

    @Test("The delay never overflows, however many failures")
    func delayCapped() {
        let machine = ReconnectStateMachine(delayMsInitial: 1, delayMsMax: PeerNetworkLimits.reconnectDelayMsMax)
        #expect(machine.delayMs(afterFailures: 10_000) == PeerNetworkLimits.reconnectDelayMsMax)
    }
}

@Suite struct PeerNetworkLimitsTests {
    @Test("Limits relate: a block fits a frame, a frame fits the send queue, heartbeats can detect silence")
    func relationships() {
        #expect(PeerNetworkLimits.frameBytesMax > Limits.blockBytesMax + Limits.transactionBytesMax)
        #expect(PeerNetworkLimits.sendQueueBytesMax >= PeerNetworkLimits.frameBytesMax)
        #expect(PeerNetworkLimits.frameBytesMax <= Int(UInt32.max))
        #expect(PeerNetworkLimits.heartbeatsMissedMax >= 2)
        #expect(PeerNetworkLimits.reconnectDelayMsInitial <= PeerNetworkLimits.reconnectDelayMsMax)
    }
}
