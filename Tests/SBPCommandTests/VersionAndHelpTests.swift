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
        ])
    func help(command: [String]) throws {
        let result = try SBPProcess.run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("USAGE:"))
    }
}
