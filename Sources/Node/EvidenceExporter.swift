import ChainTypes
import Evidence
import Ledger
import StateTree

/// Builds evidence bundles from the ledger: a record, its proof, the certified header carrying the root,
/// and every validator-set change since genesis with the proof of its announcement (DESIGN §4).
public enum EvidenceExporter {
    /// Why a bundle cannot be built.
    public enum ExportError: Error, Equatable, Sendable, CustomStringConvertible {
        case notCertifiedYet(height: UInt64, latest: UInt64)
        /// The node pruned the state after `height`; the oldest it keeps is after `oldestHeight`.
        case pruned(height: UInt64, oldestHeight: UInt64)
        case ledger(String)

        public var description: String {
            switch self {
            case .notCertifiedYet(let height, let latest):
                "the state after height \(height) is certified by block \(height + 1), but the chain is at \(latest)"
            case .pruned(let height, let oldestHeight):
                "the state after height \(height) is pruned on this node; the oldest state it keeps is after height \(oldestHeight)"
            case .ledger(let message): message
            }
        }
    }

    /// Evidence for `key` of `contract` in the state after `height` (default: the latest certified state,
    /// the one after the second-latest block, whose root the latest header carries).
    public static func bundle(
        view: LedgerView, contract: Address, key: [UInt8], height: UInt64? = nil
    ) throws(ExportError) -> EvidenceBundle {
        guard view.height >= 1 else { throw .notCertifiedYet(height: 0, latest: view.height) }
        let stateHeight = height ?? view.height - 1
        guard stateHeight < view.height else { throw .notCertifiedYet(height: stateHeight, latest: view.height) }
        guard stateHeight >= view.oldestStateHeight else { throw .pruned(height: stateHeight, oldestHeight: view.oldestStateHeight) }
        do {
            let (header, certificate) = try certified(view, stateHeight + 1)
            let (value, proof, root) = try view.proof(of: StateKey(namespace: contract.bytes, key: key), at: stateHeight)
            guard root == header.stateRoot else { throw ExportError.ledger("state root after \(stateHeight) differs from its header") }
            var transitions: [EpochTransition] = []
            for epoch in try view.epochs().epochs where epoch.firstHeight > 1 && epoch.firstHeight <= stateHeight + 1 {
                let (announcing, announcingCertificate) = try certified(view, epoch.firstHeight - 1)
                // Below the oldest kept state, the proof the pruner kept (`LedgerView.announcementProof`).
                let announced = try view.announcementProof(activationHeight: epoch.firstHeight)
                transitions.append(
                    EpochTransition(
                        activationHeight: epoch.firstHeight, validators: epoch.validators, announcingHeader: announcing,
                        announcingCertificate: announcingCertificate, proof: announced))
            }
            return EvidenceBundle(
                chainId: view.chainId, genesisHash: view.genesisHash, transitions: transitions, contract: contract, key: key,
                value: value, height: stateHeight, proof: proof, header: header, certificate: certificate)
        } catch let error as ExportError {
            throw error
        } catch {
            throw .ledger("\(error)")
        }
    }

    private static func certified(_ view: LedgerView, _ height: UInt64) throws -> (BlockHeader, CommitCertificate) {
        guard let block = try view.block(at: height), let certificate = try view.certificate(at: height) else {
            throw ExportError.notCertifiedYet(height: height - 1, latest: view.height)
        }
        return (block.header, certificate)
    }
}
