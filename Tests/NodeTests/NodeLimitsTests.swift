import ChainTypes
import Node
import PeerNetwork
import Testing

@Suite("Node limits")
struct NodeLimitsTests {
    @Test("defaults are within their limits and a full network fits the validator set and the port range")
    func relationships() {
        #expect(NodeLimits.mempoolTransactionsMaxDefault <= NodeLimits.mempoolTransactionsMaxLimit)
        #expect(NodeLimits.mempoolBytesMaxDefault <= NodeLimits.mempoolBytesMaxLimit)
        #expect(NodeLimits.mempoolBytesMaxDefault >= Limits.transactionBytesMax, "a default mempool holds a largest transaction")
        #expect(NodeLimits.mempoolTransactionsPerSenderMaxDefault <= NodeLimits.mempoolTransactionsMaxDefault)
        #expect(
            NodeLimits.mempoolGossipMessageBytesMaxDefault >= MempoolGossip.messageBytesMin, "a gossip message holds a largest transaction")
        #expect(NodeLimits.mempoolGossipMessageBytesMaxDefault < PeerNetworkLimits.frameBytesMax, "a gossip message fits a peer frame")
        #expect(NodeLimits.mempoolGossipTransactionsPerMessageMax >= Limits.blockTransactionsMax, "one message can refill a block")
        #expect(NodeLimits.mempoolRegossipTransactionsMax <= NodeLimits.mempoolTransactionsMaxDefault)
        #expect(NodeLimits.mempoolRegossipIntervalMs > 0)
        #expect(NodeLimits.mempoolFutureNonceWindow >= 1)
        #expect(NodeLimits.mempoolFutureNonceWindow <= UInt64(NodeLimits.mempoolTransactionsPerSenderMaxDefault))
        #expect(NodeLimits.mempoolFutureTransactionsMaxDefault < NodeLimits.mempoolTransactionsMaxDefault, "ready transactions keep room")
        #expect(
            NodeLimits.mempoolFutureNonceTimeoutMs >= 4 * NodeLimits.mempoolRegossipIntervalMs,
            "a gap waits several re-gossip rounds before its queued nonces are evicted")
        #expect(NodeLimits.certificateValidityDaysDefault <= NodeLimits.certificateValidityDaysMax)
        #expect(NodeLimits.validatorsPerDepartmentMax <= Limits.validatorsMax)
        #expect(NodeLimits.departmentsMax <= Limits.genesisDepartmentsMax)
        #expect(NodeLimits.peersMax >= Limits.validatorsMax - 1, "a config can list every other validator")
        #expect(NodeLimits.p2pBasePortDefault + Limits.validatorsMax <= 65536)
        #expect(NodeLimits.rpcBasePortDefault + Limits.validatorsMax <= NodeLimits.p2pBasePortDefault, "default port ranges never overlap")
        #expect(NodeLimits.contractFileBytesMax <= Limits.transactionPayloadBytesMax)
    }
}
