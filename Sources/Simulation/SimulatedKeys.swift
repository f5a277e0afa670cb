import ChainTypes
import Consensus

/// Consensus keys for simulated validators: a keyed hash instead of ECDSA, so thousands of seeds run in
/// minutes. Signatures have the canonical form of real ones (r, s in range, low-S) and are unforgeable
/// within the simulation: only the holder of a validator's secret can make one that verifies.
public struct SimulatedKeys: Sendable {
    public let validators: ValidatorSet
    let secrets: [Hash]
    let secretsByKey: [[UInt8]: Hash]
    /// The key a validator rotates to (`rotated(_:)`): nobody in the cluster holds it.
    let rotatedMember: Validator

    public init(count: Int, seed: UInt64) {
        var secrets: [Hash] = []
        var members: [Validator] = []
        for index in 0..<count {
            var encoder = CanonicalEncoder()
            encoder.write(text: "sbp-simulated-validator")
            encoder.write(seed)
            encoder.write(UInt32(index))
            let secret = Hash.sha256(encoder.bytes)
            secrets.append(secret)
            let publicKey = [0x02] + Hash.sha256(secret.bytes).bytes
            members.append(try! Validator(name: "v\(index)", department: "D\(index % 4)", publicKey: publicKey))
        }
        self.secrets = secrets
        self.validators = try! ValidatorSet(members)
        var encoder = CanonicalEncoder()
        encoder.write(text: "sbp-simulated-rotated-key")
        encoder.write(seed)
        let rotatedSecret = Hash.sha256(encoder.bytes)
        rotatedMember = try! Validator(name: "rotated", department: "D0", publicKey: [0x02] + Hash.sha256(rotatedSecret.bytes).bytes)
        var byKey: [[UInt8]: Hash] = [rotatedMember.publicKey: rotatedSecret]
        for (member, secret) in zip(members, secrets) { byKey[member.publicKey] = secret }
        secretsByKey = byKey
    }

    /// The genesis set with validator `index`'s key rotated to a fresh one: the old key is removed, so what
    /// it signs afterwards is signed with a stale key (issue 13, deliver 7).
    public func rotated(_ index: Int) -> ValidatorSet {
        var members = validators.validators
        members[index] = rotatedMember
        return try! ValidatorSet(members)
    }

    /// The authenticator of validator `index` (twins share one).
    public func authenticator(for index: Int) -> SimulatedAuthenticator {
        SimulatedAuthenticator(secret: secrets[index], secretsByKey: secretsByKey)
    }

    public func address(of index: Int) -> Address { validators.validators[index].address }
}

public struct SimulatedAuthenticator: MessageAuthenticator {
    let secret: Hash
    let secretsByKey: [[UInt8]: Hash]

    public func sign(_ digest: Hash) -> RecoverableSignature {
        Self.signature(secret: secret, digest: digest)
    }

    public func isValid(_ signature: RecoverableSignature, digest: Hash, by validator: Validator) -> Bool {
        guard let secret = secretsByKey[validator.publicKey] else { return false }
        return Self.signature(secret: secret, digest: digest) == signature
    }

    /// The keyed-hash signature of `digest` under `secret`, in canonical form.
    public static func signature(secret: Hash, digest: Hash) -> RecoverableSignature {
        var r = Hash.sha256(parts: [secret.bytes, digest.bytes]).bytes
        var s = Hash.sha256(parts: [r, secret.bytes]).bytes
        r[0] = (r[0] & 0x7f) | 0x01
        s[0] = (s[0] & 0x3f) | 0x01
        return try! RecoverableSignature(compact: r + s, recoveryId: 0)
    }
}

/// Accepts transactions whose signature has canonical form; the simulator's clients sign with fixed bytes.
public struct SimulatedScreen: TransactionScreen {
    public init() {}
    public func accepts(_ transactions: [Transaction]) -> Bool { true }
}
