import Foundation
import Testing

@Suite("sbp network init")
struct NetworkInitCommandTests {
    /// The parts of `network.json` these tests read.
    struct Manifest: Decodable {
        struct Node: Decodable {
            var name: String
            var department: String
            var p2pPort: Int
            var rpcPort: Int
            var configFile: String
        }
        var chainId: String
        var keyStorage: String
        var nodes: [Node]
    }

    static let contracts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Genesis/contracts").path

    static func initialize(_ out: String, _ extra: [String] = []) throws -> SBPProcess.Result {
        try SBPProcess.run(
            ["network", "init", "--departments", "TD,IMMD,EPD,DH", "--out", out, "--contracts", contracts] + extra)
    }

    @Test("--output json prints the manifest it wrote; the nodes get consecutive ports from the bases")
    func jsonManifest() throws {
        try withTemporaryDirectory { directory in
            let out = directory + "/net"
            let result = try Self.initialize(out, ["--validators-per-department", "2", "--p2p-base-port", "30000", "--output", "json"])
            #expect(result.status == 0, "\(result.standardError)")
            let printed = try JSONDecoder().decode(Manifest.self, from: Data(result.standardOutput.utf8))
            let written = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/network.json")))
            #expect(printed.nodes.map(\.name) == written.nodes.map(\.name))
            #expect(printed.nodes.map(\.name) == ["td-1", "td-2", "immd-1", "immd-2", "epd-1", "epd-2", "dh-1", "dh-2"])
            #expect(printed.nodes.map(\.p2pPort) == Array(30000..<30008))
            #expect(printed.nodes.map(\.rpcPort) == Array(8545..<8553))
            #expect(printed.keyStorage == "plaintext")
            for node in printed.nodes {
                #expect(FileManager.default.fileExists(atPath: out + "/" + node.configFile))
            }
            #expect(FileManager.default.fileExists(atPath: out + "/genesis.json"))
        }
    }

    @Test("re-running into the same directory fails with one clear line unless --force")
    func reinit() throws {
        try withTemporaryDirectory { directory in
            let out = directory + "/net"
            let first = try Self.initialize(out)
            #expect(first.status == 0, "\(first.standardError)")
            #expect(first.standardOutput.contains("td-1") && first.standardOutput.contains("127.0.0.1:26600"))
            let genesis = try Data(contentsOf: URL(fileURLWithPath: out + "/genesis.json"))

            let again = try Self.initialize(out)
            #expect(again.status != 0)
            #expect(again.standardError.contains("not empty") && again.standardError.contains("--force"), "\(again.standardError)")
            #expect(again.standardError.split(separator: "\n").count == 1, "one line: \(again.standardError)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/genesis.json")) == genesis, "nothing changed")

            let forced = try Self.initialize(out, ["--force"])
            #expect(forced.status == 0, "\(forced.standardError)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/genesis.json")) != genesis)
        }
    }

    @Test("--hosts puts each node at its own address; the text output lists them")
    func hostPerNode() throws {
        try withTemporaryDirectory { directory in
            let result = try Self.initialize(directory + "/net", ["--hosts", "10.77.0.1, 10.77.0.2,10.77.0.3,10.77.0.4"])
            #expect(result.status == 0, "\(result.standardError)")
            for (index, node) in ["td-1", "immd-1", "epd-1", "dh-1"].enumerated() {
                #expect(
                    result.standardOutput.contains("\(node)\t") && result.standardOutput.contains("10.77.0.\(index + 1):\(26600 + index)"))
            }
        }
    }

    @Test(
        "--hosts with the wrong count, a bad host, or together with --host exits non-zero naming the problem",
        arguments: [
            (["--hosts", "10.77.0.1,10.77.0.2"], "--hosts: expected 4 hosts"),
            (["--hosts", "a,b,,d"], "--hosts: host 3"),
            (["--host", "10.0.0.1", "--hosts", "a,b,c,d"], "--host and --hosts are exclusive"),
        ])
    func badHosts(extra: [String], message: String) throws {
        try withTemporaryDirectory { directory in
            let result = try Self.initialize(directory + "/net", extra)
            #expect(result.status != 0)
            #expect(result.standardError.contains(message), "\(result.standardError)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/net"))
        }
    }

    @Test("bad options exit non-zero naming the option")
    func badOptions() throws {
        try withTemporaryDirectory { directory in
            let result = try Self.initialize(directory + "/net", ["--validators-per-department", "0"])
            #expect(result.status != 0)
            #expect(result.standardError.contains("--validators-per-department"), "\(result.standardError)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/net"))
        }
    }
}
