import ChainTypes
import Node
import Testing

@Suite("Node limits")
struct NodeLimitsTests {
    @Test("defaults are within their limits and a full network fits the validator set and the port range")
    func relationships() {
        #expect(NodeLimits.mempoolTransactionsMaxDefault <= NodeLimits.mempoolTransactionsMaxLimit)
        #expect(NodeLimits.mempoolBytesMaxDefault <= NodeLimits.mempoolBytesMaxLimit)
        #expect(NodeLimits.mempoolBytesMaxDefault >= Limits.transactionBytesMax, "a default mempool holds a largest transaction")
        #expect(NodeLimits.certificateValidityDaysDefault <= NodeLimits.certificateValidityDaysMax)
        #expect(NodeLimits.validatorsPerDepartmentMax <= Limits.validatorsMax)
        #expect(NodeLimits.departmentsMax <= Limits.genesisDepartmentsMax)
        #expect(NodeLimits.peersMax >= Limits.validatorsMax - 1, "a config can list every other validator")
        #expect(NodeLimits.p2pBasePortDefault + Limits.validatorsMax <= 65536)
        #expect(NodeLimits.rpcBasePortDefault + Limits.validatorsMax <= NodeLimits.p2pBasePortDefault, "default port ranges never overlap")
        #expect(NodeLimits.contractFileBytesMax <= Limits.transactionPayloadBytesMax)
    }
}
