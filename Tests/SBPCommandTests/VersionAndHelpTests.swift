import Testing

@Suite("sbp --version and --help")
struct VersionAndHelpTests {
    @Test("--version prints the program name, its version, the allocator (jemalloc, ADR 0024) and RocksDB's checksums (ADR 0025)")
    func version() throws {
        let result = try SBPProcess.run(["--version"])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "sbp 0.1.0")
        #expect(lines.dropFirst().first?.hasPrefix("allocator: jemalloc ") == true, "\(result.standardOutput)")
        // Either of this build's two paths; "RocksDB's own" would mean the executable does not export the symbol.
        #expect(lines.dropFirst(2).first?.hasPrefix("rocksdb checksums: CRC-32C by ") == true, "\(result.standardOutput)")
        #expect(lines.count == 4 && lines.last == "")
    }

    @Test(
        "every command has --help",
        arguments: [
            [], ["keys"], ["keys", "new"], ["keys", "list"], ["keys", "show"], ["keys", "verify"], ["network"], ["network", "init"],
            ["tx", "send"], ["tx", "get"], ["contract", "deploy"], ["contract", "call"], ["contract", "query"], ["governance", "propose"],
            ["governance", "propose", "add-validator"], ["governance", "vote"], ["governance", "list"], ["account", "add"],
            ["account", "roles"], ["account", "show"], ["validators"], ["status"], ["block"], ["licence", "history"],
            ["certificate", "get"],
        ])
    func help(command: [String]) throws {
        let result = try SBPProcess.run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("USAGE:"))
    }
}

@Suite("sbp commands without a node")
struct NodeUnreachableTests {
    @Test(
        "a read or write against an address where no node listens fails with one readable line and no output",
        arguments: [
            ["status"], ["validators", "--output", "json"], ["tx", "get", "0x" + String(repeating: "00", count: 32)],
            ["governance", "list"], ["account", "show", "0x" + String(repeating: "11", count: 20)],
        ])
    func unreachable(arguments: [String]) throws {
        let result = try SBPProcess.run(arguments + ["--rpc", "http://127.0.0.1:1"])
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.hasPrefix("Error: cannot reach a node at http://127.0.0.1:1"))
    }

    @Test("a damaged transaction is refused before any node is contacted")
    func damagedTransaction() throws {
        let result = try SBPProcess.run(["tx", "send", "0x0102", "--rpc", "http://127.0.0.1:1"])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("Error: the bytes are not a signed transaction"))
    }
}

@Suite("sbp write commands: the signing key")
struct SigningKeyTests {
    @Test("--key takes a keystore document unlocked with --password-file, and a wrong password is refused before any node is asked")
    func keystoreKey() throws {
        try withTemporaryDirectory { directory in
            let keystore = directory + "/keys"
            let passwordFile = directory + "/password"
            let wrongPasswordFile = directory + "/wrong"
            try "s3cret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
            try "guess\n".write(toFile: wrongPasswordFile, atomically: true, encoding: .utf8)
            let created = try SBPProcess.run(["keys", "new", "--name", "issuer", "--keystore", keystore, "--password-file", passwordFile])
            #expect(created.status == 0, "\(created.standardError)")
            let issue = [
                "licence", "issue", "--id", "L-1", "--type", "driving", "--holder", "Alice", "--salt", "s", "--valid-from", "0",
                "--valid-until", "9", "--rpc", "http://127.0.0.1:1", "--key", keystore + "/issuer.json",
            ]
            // The key unlocks, so the command gets as far as the (absent) node.
            let unlocked = try SBPProcess.run(issue + ["--password-file", passwordFile])
            #expect(unlocked.status == 1)
            #expect(unlocked.standardError.hasPrefix("Error: cannot reach a node"), "\(unlocked.standardError)")
            let locked = try SBPProcess.run(issue + ["--password-file", wrongPasswordFile])
            #expect(locked.status == 1)
            #expect(locked.standardError.hasPrefix("Error: cannot use the key \(keystore)/issuer.json"), "\(locked.standardError)")
            let missing = try SBPProcess.run(issue.dropLast(2) + ["--key", directory + "/none.key"])
            #expect(missing.standardError.hasPrefix("Error: cannot use the key \(directory)/none.key"), "\(missing.standardError)")
        }
    }
}
