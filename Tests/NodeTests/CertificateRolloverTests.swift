import ChainTypes
import Foundation
import Logging
import NetworkSetup
import PeerNetwork
import Testing

@testable import Node

/// A node cut off while its renewed certificate waits (`CertificateRollover.presentWhileIsolated`): an
/// observer whose rotation passed in a block it could not fetch, because the validators refuse its old
/// certificate from that block on (issue 16, deliver 4).
@Suite(.timeLimit(.minutes(1)))
struct CertificateRolloverTests {
    @Test("cut off with a renewed certificate waiting, a node presents it after 3 s without a link, and its current one 3 s later")
    func presentsTheRenewedCertificateWhenCutOff() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let options = TestSupport.options(in: directory, departments: "TD")
            _ = try NetworkInitializer.run(options)
            let home = options.outputDirectory + "/td-1"
            let configuration = try NodeConfiguration.load(file: home + "/config.toml", environment: [:])
            let genesisJSON = try Data(contentsOf: URL(fileURLWithPath: options.outputDirectory + "/genesis.json"))
            var hostConfiguration = PeerHost.Configuration(certificate: try configuration.loadTLSCertificate())
            hostConfiguration.now = { TestSupport.now }
            let host = try PeerHost(
                configuration: hostConfiguration, trust: try PeerTrust(genesis: try Genesis.load(json: Array(genesisJSON))))
            let rollover = CertificateRollover(configuration: configuration, logger: Logger(label: "test"))
            let start = TestSupport.now

            // Nothing waits: the node keeps its certificate however long it is alone.
            #expect(!rollover.presentWhileIsolated(host: host, openLinks: 0, now: start))
            #expect(!rollover.presentWhileIsolated(host: host, openLinks: 0, now: start.addingTimeInterval(60)))

            _ = try CertificateRenewal.run(
                departmentDirectory: options.outputDirectory + "/departments/TD", nodeHome: home, now: start, days: 30)
            let cut = start.addingTimeInterval(100)
            #expect(!rollover.presentWhileIsolated(host: host, openLinks: 0, now: cut), "the count starts")
            #expect(!rollover.presentWhileIsolated(host: host, openLinks: 0, now: cut.addingTimeInterval(2.9)))
            #expect(rollover.presentWhileIsolated(host: host, openLinks: 0, now: cut.addingTimeInterval(3)), "presents tls-next")
            // A link resets the count; alone again for 3 s, it presents its current certificate again.
            #expect(!rollover.presentWhileIsolated(host: host, openLinks: 1, now: cut.addingTimeInterval(4)))
            #expect(!rollover.presentWhileIsolated(host: host, openLinks: 0, now: cut.addingTimeInterval(5)))
            #expect(!rollover.presentWhileIsolated(host: host, openLinks: 0, now: cut.addingTimeInterval(7.9)))
            #expect(rollover.presentWhileIsolated(host: host, openLinks: 0, now: cut.addingTimeInterval(8)), "presents tls.crt again")
            #expect(rollover.presentedNotValidAfter == nil, "nothing moved: the chain registers neither yet")
            #expect(FileManager.default.fileExists(atPath: home + "/tls-next.crt"))
            try await host.shutdown()
        }
    }
}
