import ChainTypes
import Foundation
import NetworkSetup
import Node
import PeerNetwork
import Testing

/// `Networks/local-4`, committed for local devnets, stays consistent: regenerate it (Networks/README.md)
/// when genesis, config or manifest formats change and this fails.
@Suite("Networks/local-4")
struct LocalNetworkTests {
    static let directory = TestSupport.repositoryRoot.appendingPathComponent("Networks/local-4").path

    @Test("the manifest, genesis, configs and keys agree, and every node certificate is trusted")
    func consistent() throws {
        let manifest = try NetworkManifest.load(directory: Self.directory)
        let genesisJSON = try Data(contentsOf: URL(fileURLWithPath: Self.directory + "/" + manifest.genesisFile))
        let genesis = try Genesis.load(json: Array(genesisJSON))
        #expect(genesis.hash == manifest.genesisHash)
        #expect(manifest.nodes.map(\.name) == ["td-1", "immd-1", "epd-1", "dh-1"])
        let trust = try PeerTrust(genesis: genesis)
        let genesisTime = Date(timeIntervalSince1970: Double(genesis.genesisTimeMs) / 1000)
        for (node, validator) in zip(manifest.nodes, genesis.validators) {
            let configuration = try NodeConfiguration.load(file: Self.directory + "/" + node.configFile, environment: [:])
            #expect(configuration.p2p.port == node.p2pPort && configuration.rpc.port == node.rpcPort)
            let key = try configuration.loadConsensusKey(environment: [:])
            #expect(Hex.encode(key.publicKey.compressed) == validator.consensusPublicKey)
            let tls = try configuration.loadTLSCertificate()
            let identity = try trust.identify(tls.certificate, at: genesisTime)
            #expect(identity == PeerIdentity(department: node.department, nodeName: node.name))
        }
        for account in manifest.departments.flatMap(\.accounts) {
            #expect(try KeyFile.readPlaintext(Self.directory + "/" + account.keyFile).address == account.address)
        }
    }
}
