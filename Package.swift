// swift-tools-version:6.1
// SBP node: a permissioned PBFT blockchain node. Target layout and the allowed imports between targets
// follow ../shared/DESIGN.md §2; `Tools/check-dependencies` enforces them in CI.
import PackageDescription

let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let cryptoExtras: Target.Dependency = .product(name: "_CryptoExtras", package: "swift-crypto")
let wasmKit: Target.Dependency = .product(name: "WasmKit", package: "WasmKit")
let wasmParser: Target.Dependency = .product(name: "WasmParser", package: "WasmKit")
let wat: Target.Dependency = .product(name: "WAT", package: "WasmKit")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioEmbedded: Target.Dependency = .product(name: "NIOEmbedded", package: "swift-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let nioTLS: Target.Dependency = .product(name: "NIOTLS", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioWebSocket: Target.Dependency = .product(name: "NIOWebSocket", package: "swift-nio")
let x509: Target.Dependency = .product(name: "X509", package: "swift-certificates")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let swiftASN1: Target.Dependency = .product(name: "SwiftASN1", package: "swift-asn1")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let metrics: Target.Dependency = .product(name: "CoreMetrics", package: "swift-metrics")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let tomlKit: Target.Dependency = .product(name: "TOMLKit", package: "TOMLKit")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let hummingbirdCore: Target.Dependency = .product(name: "HummingbirdCore", package: "hummingbird")
let hummingbirdWebSocket: Target.Dependency = .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket")
let hummingbirdWSClient: Target.Dependency = .product(name: "HummingbirdWSClient", package: "hummingbird-websocket")
/// The pure cores are optimized even in debug builds: the consensus simulation runs hundreds of seeds in
/// `make test`, and an unoptimized replica is ten times slower. Tests still use `@testable import`.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "SBP",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sbp", targets: ["sbp"]),
        .executable(name: "sbp-bench", targets: ["sbp-bench"]),
        .executable(name: "sbp-crash-writer", targets: ["sbp-crash-writer"]),
        .executable(name: "sbp-contract-replay", targets: ["sbp-contract-replay"]),
        .executable(name: "sbp-simulator", targets: ["sbp-simulator"]),
        .executable(name: "sbp-ledger-worker", targets: ["sbp-ledger-worker"]),
        .executable(name: "sbp-byzantine", targets: ["sbp-byzantine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // Pinned exactly: fuel accounting is consensus-critical (DESIGN §6).
        .package(url: "https://github.com/swiftwasm/WasmKit.git", exact: "0.4.2"),
        // Node configuration files (DESIGN §7: TOML config with environment overrides).
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        // Graceful shutdown on SIGTERM/SIGINT, and Prometheus metrics through swift-metrics (DESIGN §7 Ops).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The JSON-RPC server (DESIGN §7). No traits: the node needs neither swift-configuration nor full Foundation.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        // JSON-RPC over WebSocket `/ws` and its subscriptions (DESIGN §7), on the same server; the client for tests.
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        // System libraries, found through pkg-config.
        .systemLibrary(
            name: "CRocksDB", pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]),
        .systemLibrary(
            name: "CSecp256k1", pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"])]),
        // The allocator of the node's processes (ADR 0024): linked into the executables that run a ledger.
        .systemLibrary(
            name: "CJemalloc", pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]),
        .target(name: "ProcessAllocator", dependencies: ["CJemalloc"]),

        // SHA-256 with the state on the caller's stack and the processor's SHA extensions (ADR 0020). Optimised
        // in debug builds too: the tests hash as much as the node does.
        .target(name: "CSHA256", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        // Pure value types and the canonical encoding.
        .target(name: "ChainTypes", dependencies: ["CSHA256"], swiftSettings: optimizedInDebug),
        // The PBFT replica as a pure state machine (DESIGN §3).
        .target(name: "Consensus", dependencies: ["ChainTypes"], swiftSettings: optimizedInDebug),
        // secp256k1 keys, signatures and the encrypted keystore.
        .target(name: "Keys", dependencies: ["ChainTypes", "CSecp256k1", crypto, cryptoExtras]),
        // The authenticated state tree (Jellyfish-style sparse Merkle tree) and its proofs; no storage imports.
        .target(name: "StateTree", dependencies: ["ChainTypes"]),
        // Storage protocols and in-memory implementations, and the key-value-backed state tree store.
        .target(name: "Storage", dependencies: ["ChainTypes", "StateTree"]),
        // RocksDB's info log, written so that a failed write (a full disk) drops a line instead of aborting the
        // process, as RocksDB's own file logger does. C++ against RocksDB's headers, without RTTI, as Debian
        // builds the library (its classes export no type information).
        .target(name: "CRocksDBLog", dependencies: ["CRocksDB"], cxxSettings: [.unsafeFlags(["-fno-rtti"])]),
        // RocksDB's CRC-32C with the processor's CRC32 instruction, in place of the portable table Debian's build
        // uses (ADR 0025): the executable's definition of `rocksdb::crc32c::Extend` serves the library's calls.
        // Optimised in debug builds too: the tests write as much as a node does.
        .target(name: "CRocksDBChecksum", dependencies: ["CRocksDB"], cxxSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        // RocksDB implementations of the storage protocols (the only user of CRocksDB).
        .target(name: "StorageRocksDB", dependencies: ["Storage", "ChainTypes", "CRocksDB", "CRocksDBLog", "CRocksDBChecksum"]),
        // Mutual-TLS peer links, framing, peer identity and reconnects (docs/peer-network.md).
        .target(name: "PeerNetwork", dependencies: ["ChainTypes", nioCore, nioPosix, nioTLS, nioSSL, x509, swiftASN1, crypto, logging]),

        // The deterministic WebAssembly contract VM: validation, host API, fuel and limits (DESIGN §6).
        .target(name: "ContractVM", dependencies: ["ChainTypes", wasmKit, wasmParser, crypto]),

        // The application: permissions, transaction checks, governance, block execution, receipts, indexes.
        .target(name: "Ledger", dependencies: ["ChainTypes", "Keys", "StateTree", "Storage", "ContractVM", x509, swiftASN1, crypto]),

        // Test support: a reproducible chain (fixed keys, genesis, signed transactions, certified blocks).
        .target(
            name: "LedgerFixtures", dependencies: ["Ledger", "ChainTypes", "Keys", "Storage", "ContractVM", "PeerNetwork", x509, crypto]),

        // Record proofs anyone can check offline with the genesis document (DESIGN §4).
        .target(name: "Evidence", dependencies: ["ChainTypes", "Keys", "StateTree"]),

        // Waiting for a child process's exit without polling (issue 18): the devnet supervisor, benchmarks, tests.
        .target(name: "ChildProcesses"),
        // Test support: finds and runs the helper executables of multi-process tests; keeps what a logger writes.
        .target(name: "TestProcesses", dependencies: ["ChildProcesses", logging]),
        // Test support: drives a ledger on RocksDB for the two-process replay and the kill test.
        .executableTarget(name: "sbp-ledger-worker", dependencies: ["Ledger", "LedgerFixtures", "ChainTypes", "StorageRocksDB"]),
        // The node shell (DESIGN §2): replica driver, mempool, peer wiring, RPC backend, lifecycle, configuration.
        .target(
            name: "Node",
            dependencies: [
                "ChainTypes", "Keys", "PeerNetwork", "Ledger", "Consensus", "Storage", "StorageRocksDB", "RPCServer", "Evidence",
                "StateTree",
                "ContractVM",
                x509, crypto, tomlKit,
                logging, nioCore, serviceLifecycle, metrics, prometheus,
            ]),
        // Setting up networks, departments and nodes on the machines that own their keys (issue 16, ADR 0012):
        // `sbp network|department|node init`. Builds on the shell's configuration and key files, so `Node` stays the runtime.
        .target(name: "NetworkSetup", dependencies: ["ChainTypes", "Keys", "PeerNetwork", "Ledger", "Node", x509, crypto]),
        // JSON-RPC 2.0 over HTTP, the OpenRPC document and the ops endpoints; reaches the node through `RPCBackend`.
        .target(
            name: "RPCServer",
            dependencies: ["ChainTypes", hummingbird, hummingbirdCore, hummingbirdWebSocket, nioCore, nioHTTP1, nioWebSocket, logging]),

        // Executables.
        // PeerNetwork and X509 read the certificates a governance proposal names (their SHA-256 fingerprint).
        .executableTarget(
            name: "sbp",
            dependencies: [
                "ChainTypes", "Keys", "Node", "NetworkSetup", "Evidence", "ContractVM", "PeerNetwork", "ChildProcesses", x509,
                "ProcessAllocator", "StorageRocksDB", argumentParser,
            ]),
        .executableTarget(
            name: "sbp-bench",
            dependencies: [
                "ChainTypes", "Keys", "CSecp256k1", "Storage", "StorageRocksDB", "StateTree", "ContractVM", "Ledger", "LedgerFixtures",
                "Node", "NetworkSetup", "ChildProcesses", "ProcessAllocator",
                crypto, argumentParser, wasmKit, hummingbirdWSClient, logging,
            ]),
        // Seeded cluster simulation of the consensus core (test support and the simulator executable).
        .target(name: "Simulation", dependencies: ["Consensus", "ChainTypes"], swiftSettings: optimizedInDebug),
        .executableTarget(name: "sbp-simulator", dependencies: ["Simulation", "Consensus", "ChildProcesses", argumentParser]),
        // Test support: a real validator that misbehaves on purpose (`NodeFaults`), for the integration tests;
        // the production `sbp` binary has no such switch (issue 13, deliver 8).
        .executableTarget(
            name: "sbp-byzantine",
            dependencies: ["Node", "Ledger", "Consensus", "Simulation", "ChainTypes", "Keys", logging, argumentParser]),
        // Test support: appends blocks to a RocksDB store until killed (crash-consistency test).
        .executableTarget(name: "sbp-crash-writer", dependencies: ["ChainTypes", "Storage", "StorageRocksDB"]),
        // Test support: the fixed contract call sequence, run in the test process and by `sbp-contract-replay`,
        // which the two-process determinism test starts twice (DESIGN §1.3).
        .target(name: "ContractReplay", dependencies: ["ContractVM", "ChainTypes"]),
        .executableTarget(name: "sbp-contract-replay", dependencies: ["ContractReplay"]),

        // Tests.
        .testTarget(name: "ChainTypesTests", dependencies: ["ChainTypes", "CSHA256", crypto]),
        .testTarget(
            name: "ConsensusTests", dependencies: ["Consensus", "Simulation", "ChainTypes", "TestProcesses"], exclude: ["testdata"]),
        .testTarget(name: "KeysTests", dependencies: ["Keys", "ChainTypes"]),
        .testTarget(name: "ChildProcessesTests", dependencies: ["ChildProcesses"]),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage", "StorageRocksDB", "CRocksDBLog", "CRocksDBChecksum", "ChainTypes", "TestProcesses", "ChildProcesses"]),
        .testTarget(name: "StateTreeTests", dependencies: ["StateTree", "Storage", "StorageRocksDB", "ChainTypes"]),
        .testTarget(
            name: "PeerNetworkTests",
            dependencies: ["PeerNetwork", "ChainTypes", "TestProcesses", nioCore, nioPosix, nioEmbedded, nioTLS, nioSSL, x509, crypto, logging]),
        // CLI tests: the built `sbp` as a subprocess, and its parsing and output code through `@testable import sbp`.
        .testTarget(
            name: "SBPCommandTests",
            dependencies: [
                "sbp", "NetworkSetup", "ChainTypes", "Keys", "Ledger", "LedgerFixtures", "RPCServer", "Storage", "TestProcesses",
                "ChildProcesses",
                crypto,
                argumentParser,
                nioCore,
                nioPosix,
            ]),
        // Benchmark arithmetic (the figures' definitions), through `@testable import sbp_bench`.
        .testTarget(name: "SBPBenchTests", dependencies: ["sbp-bench", "ChainTypes", "Keys"]),
        .testTarget(
            name: "LedgerTests",
            dependencies: [
                "Ledger", "LedgerFixtures", "TestProcesses", "ChildProcesses", "ChainTypes", "Keys", "Storage", "StorageRocksDB",
                "StateTree", "ContractVM",
                "PeerNetwork", x509, crypto, wat,
            ]),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "Node", "NetworkSetup", "ChainTypes", "Keys", "Ledger", "LedgerFixtures", "Storage", "StorageRocksDB", "Consensus",
                "PeerNetwork",
                "Evidence", "TestProcesses", "ChildProcesses",
                "StateTree", "ContractVM", "RPCServer", "Simulation", x509, logging, nioCore, hummingbirdWSClient,
            ]),
        .testTarget(
            name: "ContractVMTests",
            dependencies: ["ContractVM", "ContractReplay", "TestProcesses", "ChildProcesses", "ChainTypes", wasmKit, wat]),
        .testTarget(
            name: "RPCServerTests", dependencies: ["RPCServer", "ChainTypes", logging, nioCore, nioPosix, hummingbirdWSClient],
            exclude: ["testdata"]),
        // Multi-process tests: real `sbp node start` processes on loopback (DESIGN §8 level 5); needs the `sbp` product built.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Node", "NetworkSetup", "ChainTypes", "Keys", "ContractVM", "PeerNetwork", "TestProcesses", "ChildProcesses", "RPCServer",
                "LedgerFixtures", logging, hummingbirdWSClient, wat,
            ]),
    ],
    swiftLanguageModes: [.v6],
    // RocksDB's C++ headers (CRocksDBLog) need C++17.
    cxxLanguageStandard: .cxx17
)
