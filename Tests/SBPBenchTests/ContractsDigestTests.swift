import Foundation
import Testing

@testable import sbp_bench

/// A populated network is reused only for the contracts it was populated with (`NetworkCommand.contractsDigest`).
@Suite struct ContractsDigestTests {
    @Test("the digest follows every module's bytes and name, and nothing else in the directory")
    func digestFollowsTheModules() throws {
        let directory = NSTemporaryDirectory() + "sbp-contracts-digest-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func write(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        try write("a.wasm", [0, 0x61, 0x73, 0x6d, 1])
        try write("b.wasm", [0, 0x61, 0x73, 0x6d, 2])
        let first = try NetworkCommand.contractsDigest(directory)
        try write("a.interface.json", Array("{}".utf8))
        #expect(try NetworkCommand.contractsDigest(directory) == first)
        try write("b.wasm", [0, 0x61, 0x73, 0x6d, 3])
        let changed = try NetworkCommand.contractsDigest(directory)
        #expect(changed != first)
        try FileManager.default.moveItem(atPath: directory + "/b.wasm", toPath: directory + "/c.wasm")
        #expect(try NetworkCommand.contractsDigest(directory) != changed)
    }
}
