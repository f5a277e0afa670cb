import Foundation
import Glibc
import PeerNetwork
import RPCServer
import TestProcesses
import Testing

extension IntegrationTests {
    @Test(
        "a client holding hundreds of idle connections to a validator's RPC and P2P ports: refused past its bounds; the validator keeps committing and serving others",
        .timeLimit(.minutes(3)))
    func connectionFloodIsBounded() async throws {
        try await withNetwork("connection-flood") { network in
            try await Self.start(network)
            let target = 1
            let node = network.nodes[target]
            let held = 3 * RPCLimits.clientConnectionsMaxDefault
            // Each port is flooded from an address of its own, so the test's own RPC client (127.0.0.1) is
            // another client for the bounds.
            let rpc = try await IdleConnections.open(held, to: network.ports.rpcPort(target), from: "127.0.0.2")
            defer { rpc.close() }
            let p2p = try await IdleConnections.open(held, to: network.ports.p2pPort(target), from: "127.0.0.3")
            defer { p2p.close() }
            // Refused ones are closed at once; the rest wait (RPC: for a request; P2P: for a handshake).
            let rpcRefused = Double(held - RPCLimits.clientConnectionsMaxDefault)
            try await eventually("\(node.name) refuses RPC connections past the per-client bound", within: Self.progressTimeout) {
                try await node.rpc.metric("sbp_rpc_connections_refused").map { $0 >= rpcRefused } ?? false
            }
            let p2pRefused = Double(held - PeerNetworkLimits.inboundConnectionsPerAddressMax)
            try await eventually("\(node.name) refuses P2P connections past the per-address bound", within: Self.progressTimeout) {
                try await node.rpc.metric("sbp_peer_inbound_connections_refused").map { $0 >= p2pRefused } ?? false
            }
            let open = try #require(try await node.rpc.metric("sbp_rpc_connections"))
            // At most the flooder's 64 and the test's own (idle ones may already have timed out on a slow machine).
            #expect(open <= Double(RPCLimits.clientConnectionsMaxDefault + 4))

            // It keeps committing with the others, and serves another client.
            let transaction = try network.licences.issue("FLOOD-1", by: network.account("td-issuer"))
            _ = try await network.submit(transaction, to: [target])
            _ = try await network.receipt(transaction.hash, on: target, within: Self.progressTimeout)
            _ = try await network.waitForProgress(2, on: Self.all, within: Self.progressTimeout)
            #expect(node.logLines(containing: "node halted").isEmpty)
            #expect(node.logLines(containing: "Too many open files").isEmpty)
        }
    }
}

/// Plain TCP connections from one loopback address that send nothing, held open until `close`.
final class IdleConnections: Sendable {
    let descriptors: [Int32]

    private init(_ descriptors: [Int32]) { self.descriptors = descriptors }

    static func open(_ count: Int, to port: Int, from source: String) async throws -> IdleConnections {
        try await withBlockingWork {
            var descriptors: [Int32] = []
            do {
                for _ in 0..<count { descriptors.append(try connect(to: port, from: source)) }
            } catch {
                for descriptor in descriptors { Glibc.close(descriptor) }
                throw error
            }
            return IdleConnections(descriptors)
        }
    }

    private static func connect(to port: Int, from source: String) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, connected == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        return descriptor
    }

    func close() {
        for descriptor in descriptors { Glibc.close(descriptor) }
    }
}
