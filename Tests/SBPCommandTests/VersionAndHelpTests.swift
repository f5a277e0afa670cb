import Testing

@Suite("sbp --version and --help")
struct VersionAndHelpTests {
    @Test("--version prints the program name and version")
    func version() throws {
        let result = try SBPProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.standardOutput == "sbp 0.1.0\n")
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
