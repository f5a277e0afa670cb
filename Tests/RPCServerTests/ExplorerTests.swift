import Foundation
import Testing

@testable import RPCServer

/// The block explorer on `/explorer/` (issue 17): embedded files with a strict Content-Security-Policy,
/// the `rpc.explorer` switch, and the generated Swift file kept equal to the sources in `Explorer/`.
@Suite("Block explorer files")
struct ExplorerTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("/explorer/ serves index.html and the modules with their types and a strict CSP; /explorer is the index too")
    func servesFiles() async throws {
        try await LiveServer.with { server in
            let index = try await server.send("GET", "/explorer/")
            #expect(index.status == 200)
            #expect(index.header("Content-Type") == "text/html; charset=utf-8")
            #expect(index.text.contains(#"<script type="module" src="/explorer/app.js"></script>"#))
            let policy = try #require(index.header("Content-Security-Policy"))
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self' 'wasm-unsafe-eval';"))
            #expect(policy.contains("connect-src 'self'") && !policy.contains(" 'unsafe-eval'"), "WebAssembly only, no JavaScript eval")
            #expect(!policy.contains("unsafe-inline") && !policy.contains("http"), "no inline code and no other origin: \(policy)")
            #expect(index.header("X-Content-Type-Options") == "nosniff")

            let module = try await server.send("GET", "/explorer/app.js")
            #expect(module.status == 200 && module.header("Content-Type") == "text/javascript; charset=utf-8")
            #expect(try await server.send("GET", "/explorer/explorer.css").header("Content-Type") == "text/css; charset=utf-8")
            let wasm = try await server.send("GET", "/explorer/secp256k1.wasm")
            #expect(wasm.status == 200 && wasm.header("Content-Type") == "application/wasm")
            let committed = try Data(contentsOf: Self.repositoryRoot.appendingPathComponent("Explorer/secp256k1.wasm"))
            #expect(wasm.body == Array(committed) && wasm.body.starts(with: [0, 0x61, 0x73, 0x6d]), "the module is served byte for byte")

            let withoutSlash = try await server.send("GET", "/explorer")
            #expect(withoutSlash.status == 200 && withoutSlash.text == index.text)
            let missing = try await server.send("GET", "/explorer/nothing.js")
            #expect(missing.status == 404 && missing.header("Content-Security-Policy") != nil)
            #expect(try await server.send("POST", "/explorer/").status == 405)
        }
    }

    @Test("rpc.explorer = false and the operations port answer /explorer/ with 404 and say why")
    func turnedOff() async throws {
        var configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.explorer = false
        try await LiveServer.with(configuration) { server in
            let reply = try await server.send("GET", "/explorer/")
            #expect(reply.status == 404 && reply.text.contains("rpc.explorer = false"))
            #expect(try await server.send("GET", "/healthz").status == 200)
        }
        var operations = RPCServerConfiguration(host: "127.0.0.1", port: 0)
        operations.endpoints = .operations
        try await LiveServer.with(operations) { server in
            let reply = try await server.send("GET", "/explorer/app.js")
            #expect(reply.status == 404)
        }
    }

    @Test("the embedded files equal Explorer/ (run Tools/generate-explorer-assets after editing it)")
    func generatedFileIsCurrent() throws {
        let directory = Self.repositoryRoot.appendingPathComponent("Explorer")
        let names = try #require(FileManager.default.enumerator(atPath: directory.path)).compactMap { $0 as? String }
        var sources: [String: [UInt8]] = [:]
        for name in names {
            var isDirectory: ObjCBool = false
            let path = directory.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            sources[name] = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        #expect(Set(sources.keys) == Set(ExplorerAssets.files.keys), "run Tools/generate-explorer-assets")
        for (name, bytes) in sources {
            let same = ExplorerAssets.files[name]?.bytes == bytes  // a Bool, so a failure does not print every byte
            #expect(same, "\(name) differs from its embedded copy: run Tools/generate-explorer-assets")
        }
    }

    @Test("base64 decoding of the embedded binary file refuses what is not padded base64")
    func base64() {
        #expect(Base64.decode("") == [])
        #expect(Base64.decode("AGFzbQ==") == [0, 0x61, 0x73, 0x6d])
        #expect(Base64.decode("AGFzbQE=") == [0, 0x61, 0x73, 0x6d, 1])
        for invalid in ["AGFzbQ=", "AG=zbQ==", "AGFz*Q==", "A===", "===="] {
            #expect(Base64.decode(invalid) == nil, "\(invalid)")
        }
    }

    @Test("no explorer file loads anything from another origin or runs inline code")
    func selfContained() {
        for (name, asset) in ExplorerAssets.files where asset.contentType != "application/wasm" {
            for forbidden in ["http://", "https://", "//cdn", "innerHTML", "eval(", "new Function", "onclick=", "style=\""] {
                #expect(!asset.text.contains(forbidden), "\(name) contains \(forbidden)")
            }
        }
    }
}
