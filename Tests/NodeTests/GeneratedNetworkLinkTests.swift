import ChainTypes
import Foundation
import Node
import PeerNetwork
import Testing

/// The generated files work end to end: two nodes load their configs and open a real mutual-TLS 1.3 link.
@Suite(.timeLimit(.minutes(1)))
struct GeneratedNetworkLinkTests {
    @Test("two generated nodes of different departments link up, each seeing the other's registered identity")
    func generatedNodesLinkUp() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let options = TestSupport.options(in: directory, departments: "TD,IMMD")
            let manifest = try NetworkInitializer.run(options)
            let genesisJSON = try Data(contentsOf: URL(fileURLWithPath: options.outputDirectory + "/genesis.json"))
            let trust = try PeerTrust(genesis: try Genesis.load(json: Array(genesisJSON)))
            let configurations = try manifest.nodes.map { node in
                try NodeConfiguration.load(file: options.outputDirectory + "/" + node.configFile, environment: [:])
            }
            func host(_ configuration: NodeConfiguration) throws -> PeerHost {
                var hostConfiguration = PeerHost.Configuration(certificate: try configuration.loadTLSCertificate())
                hostConfiguration.now = { TestSupport.now }
                return try PeerHost(configuration: hostConfiguration, trust: trust)
            }
            let server = try host(configurations[0])
            let client = try host(configurations[1])
            let address = try await server.listen(host: "127.0.0.1", port: 0)
            let port = try #require(address.port)
            let link = try await client.connect(
                host: "127.0.0.1", port: port, expecting: PeerIdentity(department: "TD", nodeName: "td-1"))
            #expect(link.identity == PeerIdentity(department: "TD", nodeName: "td-1"))
            try await client.shutdown()
            try await server.shutdown()
        }
    }
}
