import ChainTypes
import Foundation
import X509

/// Who is at the other end of a link once its certificate has been checked: a registered node of a department.
public struct PeerIdentity: Hashable, Sendable, CustomStringConvertible {
    public var department: String
    public var nodeName: String

    public init(department: String, nodeName: String) {
        self.department = department
        self.nodeName = nodeName
    }

    public var description: String { "\(department)/\(nodeName)" }
}

/// Why a peer's certificate is refused (DESIGN §5, docs/peer-network.md "Identity rules").
public enum PeerRefusal: Error, Hashable, Sendable {
    /// No department CA on chain has the certificate's issuer name.
    case unknownCA(issuer: String)
    /// An on-chain CA has the issuer name but did not sign the certificate.
    case badSignature
    case expired(notAfter: Date)
    case notYetValid(notBefore: Date)
    /// The certificate chains to a department CA but is not registered to a validator or node of that department.
    case notRegistered(fingerprint: Hash)
    /// The certificate was revoked on chain.
    case revoked(fingerprint: Hash)
    /// A dialed peer is trusted but is not the node that was dialed.
    case unexpectedIdentity(PeerIdentity)
    /// The peer presented no certificate or one that does not parse.
    case malformedCertificate
    /// A certificate judged by the provisional rule (ADR 0018) does not name one node: its common name is not
    /// exactly one name that is also a DNS subject alternative name.
    case unnamedCertificate(subject: String)
}

/// What `PeerTrust.judge` decided about a link's certificate.
public struct PeerJudgement: Hashable, Sendable {
    public var identity: PeerIdentity
    /// Accepted by the provisional rule of ADR 0018: the certificate chains to a department CA of the local
    /// chain and names the node, but the local chain does not register it (yet).
    public var provisional: Bool

    public init(identity: PeerIdentity, provisional: Bool) {
        self.identity = identity
        self.provisional = provisional
    }
}

/// The chain state a peer certificate is judged against: department CAs, registered node certificates and
/// revocations. A value, replaced whole when a block changes it (`PeerHost.updateTrust(_:)`).
public struct PeerTrust: Sendable {
    public struct RegisteredNode: Hashable, Sendable {
        public var department: String
        public var nodeName: String

        public init(department: String, nodeName: String) {
            self.department = department
            self.nodeName = nodeName
        }
    }

    /// Department id → its CA certificates (several during a CA rotation).
    public var departmentCAs: [String: [Certificate]]
    /// SHA-256 of a node certificate's DER → the node it is registered to.
    public var registeredNodes: [Hash: RegisteredNode]
    /// SHA-256 of revoked certificates' DER.
    public var revokedCertificates: Set<Hash>
    /// Whether links this node dials may be accepted by the provisional rule (`judge`, ADR 0018): set by the
    /// node while its chain is behind, so that it can reach nodes whose renewed certificates it has not
    /// executed yet.
    public var admitsProvisionalDials = false

    public init(
        departmentCAs: [String: [Certificate]] = [:], registeredNodes: [Hash: RegisteredNode] = [:],
        revokedCertificates: Set<Hash> = []
    ) {
        self.departmentCAs = departmentCAs
        self.registeredNodes = registeredNodes
        self.revokedCertificates = revokedCertificates
    }

    /// The trust a chain starts with: the departments' CAs and the validators' TLS certificates from genesis.
    public init(genesis: Genesis) throws {
        self.init()
        for department in genesis.departments {
            departmentCAs[department.id, default: []].append(try Certificate(pemEncoded: department.caCertificate))
        }
        for validator in genesis.validators {
            let certificate = try Certificate(pemEncoded: validator.tlsCertificate)
            register(certificate, as: RegisteredNode(department: validator.department, nodeName: validator.name))
        }
    }

    /// SHA-256 of the certificate's DER. A parsed certificate always re-serializes; if one ever did not, the
    /// zero hash is registered to no one, so the certificate is refused rather than the node crashing.
    public static func fingerprint(of certificate: Certificate) -> Hash {
        (try? PeerCertificates.derBytes(certificate)).map(Hash.sha256) ?? .zero
    }

    public mutating func register(_ certificate: Certificate, as node: RegisteredNode) {
        registeredNodes[Self.fingerprint(of: certificate)] = node
    }

    public mutating func revoke(_ certificate: Certificate) {
        revokedCertificates.insert(Self.fingerprint(of: certificate))
    }

    /// When `leaf` stops passing `identify`: the earlier of its own expiry and that of the department CA
    /// that signed it; nil when no CA on chain signed it (it is refused already).
    ///
    /// Issue 14, defect 6: the node closes a link when this time passes and exports the nearest one.
    public func expiry(of leaf: Certificate) -> Date? {
        let signers = departmentCAs.values.joined().filter {
            $0.subject == leaf.issuer && $0.publicKey.isValidSignature(leaf.signature, for: leaf)
        }
        guard let ca = signers.max(by: { $0.notValidAfter < $1.notValidAfter }) else { return nil }
        return min(leaf.notValidAfter, ca.notValidAfter)
    }

    /// Decides whether `leaf` identifies a peer at time `now`.
    ///
    /// Order: issuer CA on chain, CA signature, validity window (leaf and CA), revocation, registration; the
    /// registered department must be the department whose CA signed the certificate.
    public func identify(_ leaf: Certificate, at now: Date) throws(PeerRefusal) -> PeerIdentity {
        let candidates = departmentCAs.flatMap { department, cas in
            cas.filter { $0.subject == leaf.issuer }.map { (department, $0) }
        }
        guard !candidates.isEmpty else { throw .unknownCA(issuer: leaf.issuer.description) }
        guard let (department, ca) = candidates.first(where: { $0.1.publicKey.isValidSignature(leaf.signature, for: leaf) })
        else { throw .badSignature }
        for certificate in [leaf, ca] {
            guard now >= certificate.notValidBefore else { throw .notYetValid(notBefore: certificate.notValidBefore) }
            guard now <= certificate.notValidAfter else { throw .expired(notAfter: certificate.notValidAfter) }
        }
        let fingerprint = Self.fingerprint(of: leaf)
        guard !revokedCertificates.contains(fingerprint) else { throw .revoked(fingerprint: fingerprint) }
        guard let node = registeredNodes[fingerprint], node.department == department else {
            throw .notRegistered(fingerprint: fingerprint)
        }
        return PeerIdentity(department: node.department, nodeName: node.nodeName)
    }

    /// Decides whether a link's certificate identifies its peer: `identify`, plus, on a link this node dialed
    /// while `admitsProvisionalDials`, the provisional rule of ADR 0018.
    ///
    /// A dialing node behind the chain cannot know a peer's renewed certificate until it has executed the
    /// block that registers it, and it can only execute that block by fetching it over such a link. So a
    /// dialed certificate that passes every check of `identify` except registration (its fingerprint is
    /// registered to no one) is accepted as the node its common name and DNS subject alternative name give,
    /// in the department whose CA signed it; `expected` (the dialed node, nil for a bootstrap address) must
    /// be that node, and a name the local chain registers in another department is refused. Nothing the
    /// link carries is trusted by who sent it (blocks by commit certificates, snapshots by certified roots,
    /// consensus messages by consensus keys), so such a link can at worst withhold. Inbound links, and every
    /// link once the node has caught up, keep the strict rule (`PeerHost.updateTrust` re-judges them).
    public func judge(
        _ leaf: Certificate, direction: PeerLinkDirection, expecting expected: PeerIdentity?, at now: Date
    ) throws(PeerRefusal) -> PeerJudgement {
        let identity: PeerIdentity
        let provisional: Bool
        do {
            identity = try identify(leaf, at: now)
            provisional = false
        } catch {
            guard case .notRegistered = error, direction == .outbound, admitsProvisionalDials else { throw error }
            identity = try namedIdentity(of: leaf, refusing: error)
            provisional = true
        }
        if let expected, identity != expected { throw .unexpectedIdentity(identity) }
        return PeerJudgement(identity: identity, provisional: provisional)
    }

    /// The node `leaf` names, in the department whose CA signed it (`identify` checked the rest);
    /// `refusal` (not registered) when the local chain registers the certificate (to a node of another
    /// department) or that name in another department.
    private func namedIdentity(of leaf: Certificate, refusing refusal: PeerRefusal) throws(PeerRefusal) -> PeerIdentity {
        let signer = departmentCAs.first { _, cas in
            cas.contains { $0.subject == leaf.issuer && $0.publicKey.isValidSignature(leaf.signature, for: leaf) }
        }
        guard let department = signer?.key else { throw refusal }
        let commonNames = leaf.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }.compactMap { String($0.value) }
        let dnsNames = ((try? leaf.extensions.subjectAlternativeNames) ?? nil).map { Array($0) } ?? []
        guard commonNames.count == 1, let name = commonNames.first, !name.isEmpty, dnsNames.contains(.dnsName(name)) else {
            throw .unnamedCertificate(subject: leaf.subject.description)
        }
        guard registeredNodes[Self.fingerprint(of: leaf)] == nil,
            !registeredNodes.values.contains(where: { $0.nodeName == name && $0.department != department })
        else { throw refusal }
        return PeerIdentity(department: department, nodeName: name)
    }
}
