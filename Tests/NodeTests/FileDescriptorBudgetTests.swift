import PeerNetwork
import RPCServer
import StorageRocksDB
import Testing

@testable import Node

/// The node's file descriptor budget: what it counts, and what it does with a process limit.
@Suite("File descriptor budget")
struct FileDescriptorBudgetTests {
    @Test("the budget counts every bounded user of descriptors, and follows rpc.connections_max and metrics.listen_port")
    func counts() throws {
        var configuration = NodeConfigurationTests.minimal
        let budget = FileDescriptorBudget(configuration: configuration)
        #expect(budget.storage == 2 * (RocksDBStore.openFilesMax + RocksDBStore.otherFilesMax))
        #expect(budget.peers == PeerNetworkLimits.inboundConnectionsMax + PeerNetworkLimits.linksMax)
        #expect(budget.rpc == RPCLimits.connectionsMaxDefault)
        #expect(budget.total == budget.storage + budget.peers + budget.rpc + budget.other)
        // The defaults fit a hard limit of 4,096, the smallest common on servers.
        #expect(budget.total <= 4_096, "\(budget.total)")

        let parsed = try NodeConfiguration.parse(
            configuration.render().replacing("connections_max = 512", with: "connections_max = 2000")
                .replacing("client_connections_max = 64", with: "client_connections_max = 8"))
        #expect(parsed.rpcOptions.connectionsMax == 2000)
        #expect(parsed.rpcOptions.clientConnectionsMax == 8)
        let server = parsed.rpcOptions.serverConfiguration(parsed.rpc)
        #expect(server.connectionsMax == 2000 && server.clientConnectionsMax == 8)
        #expect(FileDescriptorBudget(configuration: parsed).rpc == 2000)
        configuration.metricsListenPort = 9100
        #expect(
            FileDescriptorBudget(configuration: configuration).rpc == RPCLimits.connectionsMaxDefault + NodeLimits.metricsConnectionsMax)
    }

    @Test("a soft limit that fits is kept; one that does not is raised towards the hard limit; a hard limit below it refuses")
    func decisions() {
        let budget = FileDescriptorBudget(configuration: NodeConfigurationTests.minimal)
        let needed = UInt64(budget.total)
        #expect(budget.decide(soft: needed, hard: needed) == .keep)
        #expect(budget.decide(soft: 1_024, hard: 524_288) == .raise(to: 524_288))
        #expect(budget.decide(soft: 1_024, hard: needed) == .raise(to: needed))
        #expect(budget.decide(soft: 1_024, hard: UInt64.max) == .raise(to: FileDescriptorBudget.raiseCeiling))
        #expect(budget.decide(soft: 1_024, hard: needed - 1) == .refuse)
    }

    @Test("applied to this process, the soft limit ends at least at the budget")
    func applied() throws {
        let budget = FileDescriptorBudget(configuration: NodeConfigurationTests.minimal)
        #expect(try budget.apply() >= UInt64(budget.total))
    }
}
