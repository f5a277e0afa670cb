import ChainTypes
import Foundation
import Logging
import PeerNetwork
import Synchronization

/// Moves the node to its renewed TLS certificate once the chain registers it (issue 16, deliver 4).
///
/// `sbp node renew-certificate` writes `tls-next.crt` and `tls-next.key` beside the live pair; a validator's
/// department rotates it in with `rotateValidator`, an observer's with `sbp node rotate-observer`. After
/// every block that changes the peer trust the node checks whether the trust now names it by the renewed
/// certificate; if so it presents that certificate (its links re-open with it, `PeerHost.replaceCertificate`)
/// and moves the files into place, keeping the old pair as `tls-previous.*`. Peers refuse the old
/// certificate from the same block, so no restart is needed anywhere.
final class CertificateRollover: Sendable {
    let configuration: NodeConfiguration
    let logger: Logger
    /// The fingerprint of the certificate last taken up, so a failed file move never makes it re-apply.
    private let applied = Mutex<Hash?>(nil)
    /// Since when the node has had no peer link while a renewed certificate waits, and which of its two
    /// certificates it presents (`presentWhileIsolated`).
    private let isolation = Mutex<Isolation>(Isolation())
    private let movedTo = Mutex<Date?>(nil)

    /// When the renewed certificate the node moved to expires; nil while it presents the one it started with.
    var presentedNotValidAfter: Date? { movedTo.withLock { $0 } }

    struct Isolation {
        var since: Date?
        var presentingNext = false
    }

    init(configuration: NodeConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The renewed certificate when it exists and `trust` registers it as this node; nil otherwise.
    func registeredNext(in trust: PeerTrust, at now: Date) -> IssuedCertificate? {
        guard FileManager.default.fileExists(atPath: configuration.nextTLSCertificateFile) else { return nil }
        let next: IssuedCertificate
        do {
            next = try NodeConfiguration.loadTLSCertificate(
                certificateFile: configuration.nextTLSCertificateFile, keyFile: configuration.nextTLSKeyFile)
        } catch {
            logger.warning("cannot read the renewed TLS certificate", metadata: ["error": "\(error)"])
            return nil
        }
        guard let identity = try? trust.identify(next.certificate, at: now),
            identity == PeerIdentity(department: configuration.department, nodeName: configuration.nodeName)
        else { return nil }
        return next
    }

    /// Switches `host` to the renewed certificate if the chain registers it; true when it did.
    @discardableResult
    func apply(trust: PeerTrust, host: PeerHost, now: Date = Date()) -> Bool {
        guard let next = registeredNext(in: trust, at: now) else { return false }
        let fingerprint = PeerTrust.fingerprint(of: next.certificate)
        guard applied.withLock({ $0 }) != fingerprint else { return false }
        // Already presented while the node was cut off (`presentWhileIsolated`): its links are up with it.
        if !isolation.withLock({ $0.presentingNext }) {
            do {
                try host.replaceCertificate(next)
            } catch {
                logger.error("cannot present the renewed TLS certificate", metadata: ["error": "\(error)"])
                return false
            }
        }
        applied.withLock { $0 = fingerprint }
        isolation.withLock { $0 = Isolation() }
        movedTo.withLock { $0 = next.certificate.notValidAfter }
        moveFiles()
        logger.notice("moved to the renewed TLS certificate the chain registers", metadata: ["fingerprint": "\(fingerprint)"])
        return true
    }

    /// Presents the other of the node's two certificates when a renewed one waits and the node has had no
    /// peer link for `NodeLimits.renewedCertificateTryAfterMs`; true when it switched (the caller redials).
    ///
    /// A node learns that the chain registers its renewed certificate from the block that does so, but
    /// peers refuse its old certificate from that same block. A validator commits the block itself; an
    /// observer only fetches blocks from validators, and a validator that was down when the rotation
    /// passed must fetch it too, so both would be cut off for good. Cut off with a renewal waiting, the
    /// node presents the renewed certificate (and the current one again after as long without a link,
    /// in case the rotation has not passed yet); once a peer accepts it, the node fetches the block, and
    /// `apply` moves the files as usual.
    func presentWhileIsolated(host: PeerHost, openLinks: Int, now: Date) -> Bool {
        guard FileManager.default.fileExists(atPath: configuration.nextTLSCertificateFile), openLinks == 0 else {
            isolation.withLock { $0.since = nil }
            return false
        }
        let (due, presentingNext) = isolation.withLock { state -> (Bool, Bool) in
            let since = state.since ?? now
            state.since = since
            return (now.timeIntervalSince(since) * 1000 >= Double(NodeLimits.renewedCertificateTryAfterMs), state.presentingNext)
        }
        guard due else { return false }
        let (certificateFile, keyFile) =
            presentingNext
            ? (configuration.keys.tlsCertificateFile, configuration.keys.tlsKeyFile)
            : (configuration.nextTLSCertificateFile, configuration.nextTLSKeyFile)
        do {
            let certificate = try NodeConfiguration.loadTLSCertificate(certificateFile: certificateFile, keyFile: keyFile)
            try host.replaceCertificate(certificate)
        } catch {
            logger.error("cannot present the other TLS certificate", metadata: ["file": "\(certificateFile)", "error": "\(error)"])
            return false
        }
        isolation.withLock { $0 = Isolation(since: now, presentingNext: !presentingNext) }
        logger.notice(
            presentingNext
                ? "no peer accepts the renewed TLS certificate either; presenting the current one again"
                : "no peer accepts this node's TLS certificate; presenting the renewed one, in case the chain registers it",
            metadata: ["file": "\(certificateFile)"])
        return true
    }

    /// `tls.*` → `tls-previous.*`, `tls-next.*` → `tls.*`, so a restart presents the renewed certificate.
    private func moveFiles() {
        let keys = configuration.keys
        let moves = [
            (keys.tlsCertificateFile, NodeConfiguration.sibling(of: keys.tlsCertificateFile, named: "tls-previous.crt")),
            (keys.tlsKeyFile, NodeConfiguration.sibling(of: keys.tlsKeyFile, named: "tls-previous.key")),
            (configuration.nextTLSCertificateFile, keys.tlsCertificateFile),
            (configuration.nextTLSKeyFile, keys.tlsKeyFile),
        ]
        for (source, target) in moves {
            do {
                if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
                try FileManager.default.moveItem(atPath: source, toPath: target)
            } catch {
                logger.error(
                    "cannot move a TLS file after renewal", metadata: ["from": "\(source)", "to": "\(target)", "error": "\(error)"])
            }
        }
    }
}
