import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Loopback ports for one test network: a P2P range and a disjoint RPC range, each checked free by binding.
///
/// Each test picks a random base so that tests (and concurrent runs of the suite) do not share ports. The
/// base stays below the kernel's ephemeral range (on Linux usually 32768–60999), so the outgoing connections
/// of nodes and clients never occupy a port a node is about to listen on after a restart.
struct PortBlock: Sendable {
    /// Ports per range: the network's nodes first, then extra nodes (rogue peers) a test starts.
    let width: Int
    let p2pBase: Int
    let rpcBase: Int

    static let lowest = 20_000
    static let attemptsMax = 64

    func p2pPort(_ index: Int) -> Int {
        precondition(index < width, "port \(index) outside the block")
        return p2pBase + index
    }

    func rpcPort(_ index: Int) -> Int {
        precondition(index < width, "port \(index) outside the block")
        return rpcBase + index
    }

    /// Finds `width` free P2P ports followed by `width` free RPC ports.
    static func reserve(width: Int) throws -> PortBlock {
        let highest = min(60_000, ephemeralLowest) - 2 * width
        for _ in 0..<attemptsMax {
            let base = Int.random(in: lowest...highest)
            if (base..<(base + 2 * width)).allSatisfy(isFree) {
                return PortBlock(width: width, p2pBase: base, rpcBase: base + width)
            }
        }
        throw Unavailable(width: width)
    }

    /// The lowest port the kernel hands out for outgoing connections (32768 when it cannot be read).
    static var ephemeralLowest: Int {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
            let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first, let port = Int(first)
        else { return 32_768 }
        return max(port, lowest + 1024)
    }

    /// Whether a TCP socket can bind 127.0.0.1:`port` right now (without SO_REUSEADDR, so a port with
    /// connections in TIME_WAIT counts as taken).
    static func isFree(_ port: Int) -> Bool {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }

    struct Unavailable: Error, CustomStringConvertible {
        let width: Int
        var description: String { "no block of \(2 * width) free loopback ports found in \(attemptsMax) attempts" }
    }
}
