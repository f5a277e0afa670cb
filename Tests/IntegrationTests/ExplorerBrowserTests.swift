import Foundation
import Testing

/// The block explorer in a real browser (issue 17, deliver 5): headless Chromium, driven by
/// `Tools/explorer-browser-test` over the DevTools protocol, against four real node processes.
///
/// The script waits on conditions in the page with deadlines: the overview shows the block that commits a
/// new licence (WebSocket `newHeads`), searching the licence id opens its page, the verify page says
/// holder mismatch, valid and, after `sbp licence suspend`, suspended; a certificate's document file
/// chosen in the page is valid and another file is not; the licence page's Download evidence saves a bundle
/// that the verify page checks offline against the network's genesis file (libsecp256k1 in WebAssembly),
/// a bundle of the issuing block says verified and valid, and the same bundle with one signature digit
/// changed does not verify; every other page renders without an error or a Content-Security-Policy violation. `SBP_EXPLORER_SCREENSHOTS=DIR` keeps a PNG of each page
/// (how docs/explorer/ is made).
extension IntegrationTests {
    @Test(
        "explorer in headless Chromium: live overview, search, verify valid then suspended, evidence verified offline, tampered fails",
        .timeLimit(.minutes(3)))
    func explorerInBrowser() async throws {
        try await withNetwork("explorer") { network in
            try await Self.start(network)
            var arguments = [
                Self.repositoryRoot.appendingPathComponent("Tools/explorer-browser-test").path,
                "--url", network.nodes[0].rpc.url.absoluteString, "--sbp", network.sbp.path, "--network", network.directory,
            ]
            if let directory = ProcessInfo.processInfo.environment["SBP_EXPLORER_SCREENSHOTS"] {
                arguments += ["--screenshots", directory]
            }
            let python = URL(fileURLWithPath: "/usr/bin/env")
            let result = try await CLIProcess.run(
                python, ["python3"] + arguments, currentDirectory: Self.repositoryRoot, timeout: .seconds(150))
            #expect(result.status == 0, "\(result.summary)")
            #expect(result.standardOutput.contains("explorer browser tests passed"), "\(result.summary)")
        }
    }
}
