import ChainTypes
import Keys
import StateTree

/// What a verified evidence bundle proves.
public struct VerifiedRecord: Hashable, Sendable {
    public var chainId: String
    public var contract: Address
    public var key: [UInt8]
    /// The value, or nil: the key was absent.
    public var value: [UInt8]?
    /// The state after this block.
    public var height: UInt64
    /// The block whose header carries the state root (`height + 1`), and its certificate's signers.
    public var certifyingBlock: Hash
    public var certifyingHeight: UInt64
    /// The certifying block's timestamp (ms since the Unix epoch): the record was the chain's current
    /// state when that block was proposed. The bundle proves nothing about later blocks (`docs/evidence.md` §5).
    public var certifyingTimeMs: UInt64
    public var signers: Int
    public var validators: Int
    /// Validator-set changes the proof walked through from genesis.
    public var transitions: Int
}

/// Why an evidence bundle does not prove what it claims.
public enum EvidenceError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case wrongChain(expected: String, bundle: String)
    case wrongGenesis(expected: Hash, bundle: Hash)
    case transitionOutOfOrder(activationHeight: UInt64)
    /// A validator-set change activates after the certified header, so it cannot have decided it.
    case transitionAfterHeader(activationHeight: UInt64, headerHeight: UInt64)
    case headerMismatch(height: UInt64, reason: String)
    case certificateInvalid(height: UInt64, reason: String)
    case proofInvalid(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "not an evidence bundle: \(reason)"
        case .wrongChain(let expected, let bundle): "the evidence is for chain \(bundle), the genesis is for \(expected)"
        case .wrongGenesis(let expected, let bundle): "the evidence names genesis \(bundle), the given genesis is \(expected)"
        case .transitionOutOfOrder(let height): "validator-set change at \(height) is out of order or not announced a block ahead"
        case .transitionAfterHeader(let activation, let header):
            "validator-set change activating at height \(activation) comes after the certified header (height \(header)): "
                + "a bundle lists only the changes activating at or before its header"
        case .headerMismatch(let height, let reason): "header \(height): \(reason)"
        case .certificateInvalid(let height, let reason): "commit certificate of \(height): \(reason)"
        case .proofInvalid(let reason): "state proof: \(reason)"
        }
    }
}

/// Checks evidence bundles with nothing but a genesis document: no network, no node (DESIGN §4).
public enum EvidenceVerifier {
    /// The namespace the ledger writes announced validator sets under (`Ledger.StateLayout.announcedSpace`).
    public static let announcedSpace = Array("sbp.announced".utf8)

    /// Verifies the encoded bundle `bytes` against `genesis`.
    public static func verify(_ bytes: [UInt8], genesis: Genesis) throws(EvidenceError) -> VerifiedRecord {
        let bundle: EvidenceBundle
        do {
            bundle = try EvidenceBundle(canonicalBytes: bytes)
        } catch {
            throw .malformed(error.description)
        }
        return try verify(bundle, genesis: genesis)
    }

    /// Verifies `bundle` against `genesis`: the chain of validator sets, the header, and the record.
    public static func verify(_ bundle: EvidenceBundle, genesis: Genesis) throws(EvidenceError) -> VerifiedRecord {
        guard bundle.chainId == genesis.chainId else { throw .wrongChain(expected: genesis.chainId, bundle: bundle.chainId) }
        guard bundle.genesisHash == genesis.hash else { throw .wrongGenesis(expected: genesis.hash, bundle: bundle.genesisHash) }
        let validators = try validatorSet(
            certifying: bundle.header, through: bundle.transitions, genesis: genesis, chainId: bundle.chainId)
        // `header.height ≥ 1` first, so `header.height - 1` cannot wrap (a bundle may claim any height).
        guard bundle.header.height >= 1, bundle.header.height - 1 == bundle.height else {
            throw .headerMismatch(height: bundle.header.height, reason: "does not carry the state after height \(bundle.height)")
        }
        try checkCertified(bundle.header, bundle.certificate, by: validators, chainId: bundle.chainId)
        let key = StateKey(namespace: bundle.contract.bytes, key: bundle.key)
        guard bundle.proof.verifies(key: key, value: bundle.value, root: bundle.header.stateRoot) else {
            throw .proofInvalid("the record does not match the state root of block \(bundle.header.height)")
        }
        return VerifiedRecord(
            chainId: bundle.chainId, contract: bundle.contract, key: bundle.key, value: bundle.value, height: bundle.height,
            certifyingBlock: bundle.header.hash, certifyingHeight: bundle.header.height, certifyingTimeMs: bundle.header.timestampMs,
            signers: bundle.certificate.votes.count, validators: validators.count, transitions: bundle.transitions.count)
    }

    /// The validator set in force at `header`, reached from the genesis set through `transitions`, each
    /// checked as a bundle's are (§3.1): certified by the set before it and proven in the state its
    /// announcing header carries. State sync verifies a snapshot's header with it (docs/adr/0017-state-sync.md).
    public static func validatorSet(
        certifying header: BlockHeader, through transitions: [EpochTransition], genesis: Genesis, chainId: String
    ) throws(EvidenceError) -> ValidatorSet {
        var validators: ValidatorSet
        do {
            validators = try genesis.validatorSet()
        } catch {
            throw .malformed("genesis validators: \(error)")
        }
        var inForceFrom: UInt64 = 1
        for transition in transitions {
            let announcing = transition.announcingHeader
            guard transition.activationHeight <= header.height else {
                throw .transitionAfterHeader(activationHeight: transition.activationHeight, headerHeight: header.height)
            }
            // `activationHeight > inForceFrom ≥ 1` first, so `activationHeight - 1` cannot wrap.
            guard transition.activationHeight > inForceFrom, announcing.height == transition.activationHeight - 1 else {
                throw .transitionOutOfOrder(activationHeight: transition.activationHeight)
            }
            try checkCertified(announcing, transition.announcingCertificate, by: validators, chainId: chainId)
            let key = StateKey(namespace: announcedSpace, key: transition.activationHeight.canonicalBytes)
            guard transition.proof.verifies(key: key, value: transition.validators.canonicalBytes, root: announcing.stateRoot) else {
                throw .proofInvalid("the validator set announced for height \(transition.activationHeight) is not in the state")
            }
            validators = transition.validators
            inForceFrom = transition.activationHeight
        }
        return validators
    }

    /// Checks that `certificate`, by the set `validatorSet(certifying:through:genesis:chainId:)` reached,
    /// commits `header` of chain `chainId`.
    public static func checkCertified(
        _ header: BlockHeader, _ certificate: CommitCertificate, through transitions: [EpochTransition], genesis: Genesis
    ) throws(EvidenceError) -> ValidatorSet {
        guard header.chainId == genesis.chainId else { throw .wrongChain(expected: genesis.chainId, bundle: header.chainId) }
        let validators = try validatorSet(certifying: header, through: transitions, genesis: genesis, chainId: genesis.chainId)
        try checkCertified(header, certificate, by: validators, chainId: genesis.chainId)
        return validators
    }

    /// A header of this chain, for this validator set, committed by a valid certificate of that set.
    static func checkCertified(
        _ header: BlockHeader, _ certificate: CommitCertificate, by validators: ValidatorSet, chainId: String
    ) throws(EvidenceError) {
        guard header.chainId == chainId else { throw .headerMismatch(height: header.height, reason: "for chain \(header.chainId)") }
        guard header.validatorsHash == validators.hash else {
            throw .headerMismatch(
                height: header.height,
                reason: "names another validator set than the one in force after the bundle's validator-set changes "
                    + "(is a change missing from the bundle?)")
        }
        guard certificate.height == header.height, certificate.blockHash == header.hash else {
            throw .certificateInvalid(height: header.height, reason: "is for another block")
        }
        do {
            try certificate.verify(chainId: chainId, validators: validators)
        } catch {
            throw .certificateInvalid(height: header.height, reason: "\(error)")
        }
    }
}
