import Foundation
import LedgerFixtures
import TestProcesses
import Testing

/// A file argument that names a directory or nothing is refused in words (`BoundedFile`): `--key /tmp` printed
/// Foundation's `Error Domain=NSCocoaErrorDomain Code=256 "(null)"UserInfo={…"Is a directory"}`.
@Suite("sbp file arguments")
struct FileArgumentTests {
    static let genesis = VerifyCommandTests.genesis
    static let bundle = VerifyCommandTests.bundle

    /// The arguments of one command, with `path` where the file goes.
    static func commands(_ path: String) -> [[String]] {
        [
            ["verify", path, "--genesis", genesis],
            ["verify", bundle, "--genesis", path],
            [
                "licence", "issue", "--rpc", "http://127.0.0.1:1", "--key", path, "--id", "L-1", "--type", "driving", "--holder", "A",
                "--salt", "s", "--valid-from", "0", "--valid-until", "10",
            ],
            ["tx", "send", "--file", path, "--rpc", "http://127.0.0.1:1"],
            [
                "snapshot", "import", "--file", path, "--data", NSTemporaryDirectory() + "sbp-never-made-" + UUID().uuidString,
                "--genesis", FixtureChain.repositoryRoot.appendingPathComponent("Genesis/example.json").path,
            ],
            ["licence", "verify", "--rpc", "http://127.0.0.1:1", "--id", "L-1", "--holder-file", path, "--salt", "s", "--at", "1"],
        ]
    }

    @Test("a directory or a missing file given as a file is refused with the reason in words")
    func directoriesAndMissingFiles() async throws {
        try await withTemporaryDirectoryAsync { directory in
            for (path, reason) in [(directory, "is a directory, not a file"), (directory + "/absent", "no")] {
                for arguments in Self.commands(path) {
                    let result = try await withBlockingWork { try SBPProcess.run(arguments) }
                    #expect(result.status != 0, "\(arguments)")
                    #expect(result.standardError.contains(reason), "\(arguments): \(result.standardError)")
                    #expect(!result.standardError.contains("Error Domain"), "\(arguments): \(result.standardError)")
                    if let data = arguments.firstIndex(of: "--data").map({ arguments[$0 + 1] }) {
                        #expect(!FileManager.default.fileExists(atPath: data), "a refused import leaves no data directory")
                    }
                }
            }
        }
    }

    @Test("network init under a file says the path goes through a file")
    func networkInitUnderAFile() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let file = directory + "/file"
            try Data("x".utf8).write(to: URL(fileURLWithPath: file))
            let arguments = [
                "network", "init", "--departments", "TD,IMMD,EPD,DH", "--out", file + "/net",
                "--contracts", FixtureChain.repositoryRoot.appendingPathComponent("Genesis/contracts").path,
            ]
            let result = try await withBlockingWork { try SBPProcess.run(arguments) }
            #expect(result.status != 0)
            let refusal = "\(file)/net: cannot create directory: a part of the path is not a directory"
            #expect(result.standardError.contains(refusal), "\(result.standardError)")
        }
    }

    @Test("evidence export refuses an --out it could not write before it asks the node for anything")
    func evidenceOut() async throws {
        try await withTemporaryDirectoryAsync { directory in
            for (out, reason) in [(directory, "is a directory, not a file"), (directory + "/absent/x.evidence", "no such directory")] {
                let arguments = ["evidence", "export", "--rpc", "http://127.0.0.1:1", "--licence", "L-1", "--out", out]
                let result = try await withBlockingWork { try SBPProcess.run(arguments) }
                #expect(result.status != 0)
                #expect(result.standardError.contains("cannot write --out \(out): "), "\(result.standardError)")
                #expect(result.standardError.contains(reason), "\(result.standardError)")
                #expect(!result.standardError.contains("cannot reach"), "\(result.standardError)")
            }
        }
    }
}
