import Foundation
import NIOCore
import Testing
import X509

@testable import PeerNetwork

/// Certificates for two departments, a rogue CA that copies TD's name, and nodes in every state a test needs.
struct Fixtures: Sendable {
    static let now = Date()
    static let year: TimeInterval = 365 * 24 * 3600
    static let shared = try! Fixtures()

    let tdCA: IssuedCertificate
    let immdCA: IssuedCertificate
    /// Same subject name as TD's CA, different key: its certificates fail the signature check.
    let rogueCA: IssuedCertificate
    /// A CA no department has on chain.
    let strangerCA: IssuedCertificate
    let td1: IssuedCertificate
    let immd1: IssuedCertificate
    let td2: IssuedCertificate
    let forgedTD: IssuedCertificate
    let strangerNode: IssuedCertificate
    let expiredTD: IssuedCertificate
    let futureTD: IssuedCertificate
    let unregisteredTD: IssuedCertificate

    init() throws {
        let from = Self.now - 3600
        let until = Self.now + Self.year
        tdCA = try PeerCertificates.makeDepartmentCA(department: "TD", notValidBefore: from, notValidAfter: until)
        immdCA = try PeerCertificates.makeDepartmentCA(department: "IMMD", notValidBefore: from, notValidAfter: until)
        rogueCA = try PeerCertificates.makeDepartmentCA(department: "TD", notValidBefore: from, notValidAfter: until)
        strangerCA = try PeerCertificates.makeDepartmentCA(department: "XX", notValidBefore: from, notValidAfter: until)
        func node(_ name: String, _ department: String, _ ca: IssuedCertificate, from: Date = from, until: Date = until) throws
            -> IssuedCertificate
        {
            try PeerCertificates.makeNodeCertificate(
                nodeName: name, department: department, issuer: ca, notValidBefore: from, notValidAfter: until)
        }
        td1 = try node("td-1", "TD", tdCA)
        immd1 = try node("immd-1", "IMMD", immdCA)
        td2 = try node("td-2", "TD", tdCA)
        forgedTD = try node("td-1", "TD", rogueCA)
        strangerNode = try node("xx-1", "XX", strangerCA)
        expiredTD = try node("td-old", "TD", tdCA, from: Self.now - 2 * Self.year, until: Self.now - Self.year)
        futureTD = try node("td-new", "TD", tdCA, from: Self.now + Self.year / 2, until: Self.now + Self.year)
        unregisteredTD = try node("td-9", "TD", tdCA)
    }

    /// The chain state: TD and IMMD CAs; every TD/IMMD node registered except `unregisteredTD`.
    var trust: PeerTrust {
        var trust = PeerTrust(departmentCAs: ["TD": [tdCA.certificate], "IMMD": [immdCA.certificate]])
        let nodes: [(IssuedCertificate, String, String)] = [
            (td1, "TD", "td-1"), (immd1, "IMMD", "immd-1"), (td2, "TD", "td-2"), (forgedTD, "TD", "td-1"),
            (expiredTD, "TD", "td-old"), (futureTD, "TD", "td-new"), (strangerNode, "XX", "xx-1"),
        ]
        for (issued, department, name) in nodes {
            trust.register(issued.certificate, as: .init(department: department, nodeName: name))
        }
        return trust
    }
}

struct TimedOut: Error {}

/// Runs `body`, failing with `TimedOut` after `seconds`: the bound on every wait in these tests (generous:
/// it only bounds a failure, and a loaded machine can take seconds for a handshake).
func within<T: Sendable>(_ seconds: Double = 30, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut()
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}

extension PeerHost {
    /// The first event matching `predicate`, skipping others, within the time bound.
    func next<T: Sendable>(_ seconds: Double = 10, _ match: @escaping @Sendable (PeerEvent) -> T?) async throws -> T {
        try await within(seconds) {
            for await event in self.events {
                if let value = match(event) { return value }
            }
            throw TimedOut()
        }
    }
}
