import Foundation
import RPCServer
import Testing

/// `docs/rpc.md` carries a reference section generated from `rpc.discover`; this test regenerates it and
/// compares. `SBP_UPDATE_GOLDEN=1` rewrites the section in place and leaves the hand-written prose alone.
@Suite("docs/rpc.md")
struct RPCDocumentationTests {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/rpc.md")
    static let begin =
        "<!-- BEGIN GENERATED FROM rpc.discover: edit the method declarations, then run SBP_UPDATE_GOLDEN=1 swift test "
        + "--filter RPCDocumentationTests -->"
    static let end = "<!-- END GENERATED -->"

    @Test("the reference section equals the markdown rendered from the OpenRPC document")
    func referenceIsCurrent() async throws {
        let harness = EngineHarness()
        let response = try #require(try await harness.send(#"{"jsonrpc": "2.0", "method": "rpc.discover", "id": 1}"#))
        let document = try #require(response["result"])
        let generated = OpenRPCMarkdown(document: document).render()
        let text = try String(contentsOf: Self.url, encoding: .utf8)
        let beginRange = try #require(text.range(of: Self.begin), "docs/rpc.md lacks the line \(Self.begin)")
        let endRange = try #require(text.range(of: Self.end, range: beginRange.upperBound..<text.endIndex))
        let current = String(text[beginRange.upperBound..<endRange.lowerBound])
        let wanted = "\n" + generated
        if ProcessInfo.processInfo.environment["SBP_UPDATE_GOLDEN"] == "1" {
            try (text[..<beginRange.upperBound] + wanted + text[endRange.lowerBound...]).write(
                to: Self.url, atomically: true, encoding: .utf8)
            return
        }
        let currentLines = current.split(separator: "\n", omittingEmptySubsequences: false)
        let wantedLines = wanted.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, (have, want)) in zip(currentLines, wantedLines).enumerated() where have != want {
            Issue.record("docs/rpc.md generated line \(index + 1): expected \"\(want)\", found \"\(have)\"; rerun with SBP_UPDATE_GOLDEN=1")
            return
        }
        #expect(currentLines.count == wantedLines.count, "docs/rpc.md generated section length differs; rerun with SBP_UPDATE_GOLDEN=1")
    }
}
