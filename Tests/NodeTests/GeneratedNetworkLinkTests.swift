import ChainTypes
import Foundation
import NetworkSetup
import PeerNetwork
import Testing

@testable import Node

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

/// What a node checks of its own identity at start (`NodeRuntime.identityProblems`).
@Suite
struct OwnIdentityTests {
    @Test("a generated node has no identity problem; another node's certificate or CA file, or a later date, is reported")
    func identityProblems() throws {
        try withTemporaryDirectory { directory in
            let options = TestSupport.options(in: directory, departments: "TD,IMMD")
            let manifest = try NetworkInitializer.run(options)
            let genesisJSON = try Data(contentsOf: URL(fileURLWithPath: options.outputDirectory + "/genesis.json"))
            let trust = try PeerTrust(genesis: try Genesis.load(json: Array(genesisJSON)))
            let configurations = try manifest.nodes.map { node in
                try NodeConfiguration.load(file: options.outputDirectory + "/" + node.configFile, environment: [:])
            }
            let (td, immd) = (configurations[0], configurations[1])
            func problems(_ configuration: NodeConfiguration, certificateOf: NodeConfiguration, caOf: NodeConfiguration, at now: Date)
                throws -> [String]
            {
                NodeRuntime.identityProblems(
                    certificate: try certificateOf.loadTLSCertificate().certificate, departmentCA: try caOf.loadDepartmentCA(),
                    trust: trust, configuration: configuration, at: now)
            }
            #expect(try problems(td, certificateOf: td, caOf: td, at: TestSupport.now).isEmpty)
            let wrongCertificate = try problems(td, certificateOf: immd, caOf: td, at: TestSupport.now)
            #expect(wrongCertificate == ["the chain registers this TLS certificate as IMMD/immd-1, not TD/td-1"])
            let wrongCA = try problems(td, certificateOf: td, caOf: immd, at: TestSupport.now)
            #expect(wrongCA == ["keys.department_ca_file is not a CA certificate the chain holds for department TD"])
            let late = try problems(td, certificateOf: td, caOf: td, at: TestSupport.now.addingTimeInterval(100 * 365 * 86_400))
            #expect(late.count == 1 && late[0].hasPrefix("peers will refuse this node's TLS certificate: "))
        }
    }
}
