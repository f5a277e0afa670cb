import Foundation
import Testing

@Suite("sbp keys new, list, show")
struct KeysCommandTests {
    struct KeyJSON: Decodable, Equatable {
        var name: String
        var address: String
        var publicKey: String
    }

    static func isAddress(_ text: String) -> Bool {
        text.count == 42 && text.hasPrefix("0x") && text.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    @Test("new creates a key, list and show report it in text and JSON, and new refuses to overwrite")
    func lifecycle() throws {
        try withTemporaryDirectory { directory in
            let keystore = directory + "/keys"
            let passwordFile = directory + "/password"
            try "s3cret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)

            let created = try SBPProcess.run(["keys", "new", "--name", "alice", "--keystore", keystore, "--password-file", passwordFile])
            #expect(created.status == 0, "\(created.standardError)")
            let address = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(Self.isAddress(address), "printed \(address)")

            let listed = try SBPProcess.run(["keys", "list", "--keystore", keystore, "--output", "json"])
            #expect(listed.status == 0)
            let keys = try JSONDecoder().decode([KeyJSON].self, from: Data(listed.standardOutput.utf8))
            #expect(keys.map(\.name) == ["alice"])
            #expect(keys.first?.address == address)
            #expect(keys.first?.publicKey.count == 66)

            let listedText = try SBPProcess.run(["keys", "list", "--keystore", keystore])
            #expect(listedText.standardOutput.contains("alice") && listedText.standardOutput.contains(address))

            let shown = try SBPProcess.run(["keys", "show", "alice", "--keystore", keystore, "--output", "json"])
            #expect(shown.status == 0)
            #expect(try JSONDecoder().decode(KeyJSON.self, from: Data(shown.standardOutput.utf8)) == keys.first)

            let shownText = try SBPProcess.run(["keys", "show", "alice", "--keystore", keystore])
            #expect(shownText.standardOutput.contains(address))

            let again = try SBPProcess.run(["keys", "new", "--name", "alice", "--keystore", keystore, "--password-file", passwordFile])
            #expect(again.status != 0)
            #expect(again.standardError.contains("already exists"))
            #expect(again.standardError.split(separator: "\n").count == 1, "one line: \(again.standardError)")
        }
    }

    @Test("the password may come from SBP_KEYSTORE_PASSWORD, and the keystore from SBP_HOME")
    func environment() throws {
        try withTemporaryDirectory { directory in
            let result = try SBPProcess.run(
                ["keys", "new", "--name", "bob"],
                environment: ["SBP_HOME": directory, "SBP_KEYSTORE_PASSWORD": "from-env"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(FileManager.default.fileExists(atPath: directory + "/keys/bob.json"))
            let shown = try SBPProcess.run(["keys", "show", "bob"], environment: ["SBP_HOME": directory])
            #expect(shown.status == 0)
        }
    }

    @Test(
        "failures are one clear line on stderr with a non-zero exit",
        arguments: [
            (["keys", "new", "--name", "carol"], "no password"),
            (["keys", "new", "--name", "../up", "--password-file", "/dev/null"], "invalid key name"),
            (["keys", "show", "nobody"], "no key named"),
        ])
    func failures(arguments: [String], message: String) throws {
        try withTemporaryDirectory { directory in
            let result = try SBPProcess.run(arguments + ["--keystore", directory + "/keys"])
            #expect(result.status != 0)
            #expect(result.standardError.contains(message), "stderr: \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "one line: \(result.standardError)")
        }
    }
}
