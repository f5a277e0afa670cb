import Foundation
import Glibc
import TestProcesses
import Testing

extension IntegrationTests {
    @Test(
        "a validator whose disk fills halts and stays up; the other three keep committing; with space freed it restarts and catches up",
        .enabled("mounts a small tmpfs, which needs root with the right to mount") { SmallDisk.canMount() },
        .timeLimit(.minutes(3)))
    func fullDiskHaltsOneValidator() async throws {
        try await withNetwork("full-disk") { network in
            // A backup, so that the survivors keep their primary and the test measures the full disk alone.
            let victim = 2
            let node = network.nodes[victim]
            let survivors = Self.all.filter { $0 != victim }
            let disk = try await SmallDisk.mount(at: node.dataDirectory, bytes: SmallDisk.bytes)
            do {
                try await Self.fillDiskAndRecover(node: node, victim: victim, survivors: survivors, disk: disk, network: network)
            } catch {
                node.killNow()
                await disk.detach()
                throw error
            }
            try await node.stop()
            try await disk.unmount()
        }
    }

    private static func fillDiskAndRecover(
        node: NodeProcess, victim: Int, survivors: [Int], disk: SmallDisk, network: TestNetwork
    ) async throws {
        try await start(network)
        let load = LoadGenerator(
            network: network, issuers: [network.account("td-issuer"), network.account("epd-issuer")], targets: survivors, label: "FD")
        defer { load.cancel() }
        load.start()
        try await network.waitForProgress(2, on: all, within: progressTimeout)

        // The disk fills: the next block the victim writes fails, and it halts rather than writing a part.
        try await disk.fill()
        try await eventually("\(node.name) halts on the full disk", within: progressTimeout) {
            try node.requireRunning()
            return !node.logLines(containing: "node halted", "No space left on device").isEmpty
        }
        let health = try #require(try await node.rpc.call("node_health", []) as? [String: Any])
        let reason = try #require(health["haltedReason"] as? String, "node_health: \(health)")
        #expect(reason.contains("No space left on device"), "\(reason)")
        // The others keep committing without it, and the halted node stays up and answers, however long
        // RocksDB's background threads keep meeting the full disk (RocksDB's own logger aborted the process
        // on its next line here).
        try await network.waitForProgress(3, on: survivors, within: progressTimeout)
        try node.requireRunning()
        _ = try await node.rpc.status()

        // Stopped, it exits cleanly; started again on the still-full disk, it refuses with the reason (RocksDB's
        // own logger aborted the process at its second line).
        try await node.stop()
        #expect(node.exitDescription == "exited with status 0", "\(node.exitDescription ?? "?")\n\(node.logTail(20))")
        try await disk.fill()
        try node.start()
        let refused = try await eventually("\(node.name) refuses to start on the full disk", within: progressTimeout) {
            node.isRunning ? nil : node.exitDescription
        }
        #expect(refused == "exited with status 1", "\(node.logTail(20))")
        #expect(!node.logLines(containing: "cannot start node", "No space left on device").isEmpty, "\(node.logTail(20))")

        // The operator frees space and starts it: it catches up and agrees.
        try await disk.empty()
        try node.start()
        let target = try #require(await network.highestHeight(survivors))
        try await network.waitForHeight(target + 1, on: [victim], within: progressTimeout)
        let hashes = try await load.stop()
        try await requireCommittedOnce(hashes, network: network, receiptsFrom: survivors[0])
        _ = try await network.waitForAgreement(on: all, atLeast: target + 1, within: progressTimeout)
        for other in survivors.map({ network.nodes[$0] }) {
            #expect(other.logLines(containing: "node halted").isEmpty, "\(other.name) halted")
        }
    }
}

extension NodeProcess {
    /// Throws, with how it ended and its last log lines, when the node is no longer running.
    func requireRunning() throws {
        guard !isRunning else { return }
        throw Exited(name: name, how: exitDescription ?? "?", logTail: logTail(20))
    }

    struct Exited: Error, CustomStringConvertible {
        let name: String
        let how: String
        let logTail: String
        var description: String { "\(name) \(how); its log ends:\n\(logTail)" }
    }
}

/// A tmpfs of a few MiB mounted over a node's data directory, and a file that fills it.
struct SmallDisk: Sendable {
    /// Smaller than the write-ahead log's preallocation (1.1 × a memtable, 35 MiB at the node's default
    /// budget), so RocksDB cannot reserve log space ahead and the first write after `fill` meets the full disk.
    static let bytes = 24 << 20

    let path: String
    private var filler: String { path + "/filler" }

    /// Whether this process may mount a tmpfs: root, and in a container also `CAP_SYS_ADMIN`, which a
    /// container's root often lacks. Mounts one of 64 KiB on a fresh directory and unmounts it.
    static func canMount() -> Bool {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-mount-probe-\(UUID().uuidString)").path
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard Glibc.mount("sbp-test-mount-probe", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
        return umount2(probe, 0) == 0
    }

    static func mount(at path: String, bytes: Int) async throws -> SmallDisk {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        _ = try await HelperExecutable.runOffPool(
            URL(fileURLWithPath: "/bin/mount"), arguments: ["-t", "tmpfs", "-o", "size=\(bytes)", "sbp-test-full-disk", path])
        return SmallDisk(path: path)
    }

    /// Writes a file until the disk refuses more (ENOSPC).
    func fill() async throws {
        let filler = filler
        try await withBlockingWork {
            let descriptor = open(filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            defer { close(descriptor) }
            let chunk = [UInt8](repeating: 0xA5, count: 64 << 10)
            var size = 1 << 16
            while size > 0 {
                let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, min(size, chunk.count)) }
                if written < 0 && errno == ENOSPC {
                    size /= 2  // the last pages: smaller writes until not one byte fits
                } else if written < 0 {
                    throw POSIXError(.init(rawValue: errno) ?? .EIO)
                }
            }
        }
    }

    /// Removes the filler: the space an operator frees.
    func empty() async throws {
        let filler = filler
        try await withBlockingWork { try FileManager.default.removeItem(atPath: filler) }
    }

    func unmount() async throws {
        _ = try await HelperExecutable.runOffPool(URL(fileURLWithPath: "/bin/umount"), arguments: [path])
    }

    /// Unmounts even while a process still holds files open (the cleanup path of a failed test).
    func detach() async {
        _ = try? await HelperExecutable.runOffPool(URL(fileURLWithPath: "/bin/umount"), arguments: ["-l", path])
    }
}
