// sbp-crash-writer: appends blocks to a RocksDB block store until killed, printing each committed height.
//
// Usage: sbp-crash-writer <database-path> [<height-max>]
//
// The crash-consistency test runs it, kills it with SIGKILL at a random moment and checks that the store
// it leaves behind is consistent (DESIGN §4). A height is printed only after `BlockStore.append` returned,
// that is after the batch was written with sync, so every printed height must survive the kill.
import ChainTypes
import Storage
import StorageRocksDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func fail(_ message: String) -> Never {
    let line = Array("sbp-crash-writer: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count == 2 || arguments.count == 3 else {
    fail("usage: sbp-crash-writer <database-path> [<height-max>]")
}
guard let heightMax = arguments.count == 3 ? UInt64(arguments[2]) : UInt64.max else {
    fail("height-max must be a non-negative integer, got \(arguments[2])")
}

do {
    let store = try RocksDBStore(path: arguments[1])
    let blocks = BlockStore(store: store)
    var height = try blocks.latestHeight()
    var parentHash = Hash.zero
    var lastCommit: CommitCertificate?
    if height > 0 {
        guard let header = try blocks.header(at: height), let certificate = try blocks.certificate(at: height) else {
            fail("latest height \(height) has no block or certificate")
        }
        parentHash = header.hash
        lastCommit = certificate
    }
    while height < heightMax {
        let block = CrashBlockBuilder.block(at: height + 1, parentHash: parentHash, lastCommit: lastCommit)
        let certificate = try CrashBlockBuilder.certificate(for: block)
        try blocks.append(block, certificate: certificate)
        height = block.height
        parentHash = block.hash
        lastCommit = certificate
        print(height)
        fflush(nil)  // flushes stdout: the test reads heights as they commit
    }
    store.close()
} catch {
    fail("\(error)")
}
