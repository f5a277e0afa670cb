import ChainTypes

/// State transfer: a lagging, restarted or wiped replica fetches committed blocks with their
/// certificates and verifies them before voting again (PBFT §4.3, TOCS §5; PBFT-NOTES rules 18 and 19).
extension Replica {
    /// Asks a peer for blocks up to `target`, a height known to be committed somewhere.
    mutating func startStateTransfer(target: UInt64) {
        guard target > committedHeight else { return }
        if let current = fetch {
            fetch = (current.peer, max(current.target, target), current.deadline)
            return
        }
        let own = ownIndex(at: committedHeight + 1)
        // Peers seen working above our height, in a deterministic rotation over attempts.
        var peers = heightReports.keys.sorted().filter { $0 != own && heightReports[$0, default: 0] > committedHeight + 1 }
        if peers.isEmpty { peers = (0..<UInt16(currentValidators.count)).filter { $0 != own } }
        guard !peers.isEmpty else { return }
        let peer = peers[Int(fetchAttempt % UInt64(peers.count))]
        fetch = (peer, target, ticks + configuration.fetchTimeoutTicks)
        pending.fetch = FetchRequest(peer: peer, fromHeight: committedHeight + 1, targetHeight: target)
        emit(.stateTransferStarted(fromHeight: committedHeight + 1, targetHeight: target, peer: peer))
    }

    /// Rule 18: verify each block's certificate against the validator set at its height, link it to the
    /// chain, and commit it; execution follows through `Ready.committed` as in the normal case.
    mutating func onBlocks(_ blocks: [CommittedBlock]) {
        var progressed = false
        for committed in blocks.prefix(ConsensusLimits.fetchBlocksMax) {
            let block = committed.block
            guard block.height == committedHeight + 1 else { continue }
            if let problem = problemWithTransferredBlock(committed) {
                reject(.invalidStateTransfer(height: block.height, reason: problem))
                break
            }
            commit(committed)
            slots[block.height]?.isCommitted = true
            emit(.stateTransferred(height: block.height))
            progressed = true
        }
        guard progressed, let current = fetch else { return }
        if committedHeight >= current.target {
            fetch = nil
            fetchAttempt = 0
            finishRecoveryIfCaughtUp()
        } else {
            fetch = (current.peer, current.target, ticks + configuration.fetchTimeoutTicks)
            pending.fetch = FetchRequest(peer: current.peer, fromHeight: committedHeight + 1, targetHeight: current.target)
        }
    }

    func problemWithTransferredBlock(_ committed: CommittedBlock) -> String? {
        let (block, certificate) = (committed.block, committed.certificate)
        do { try block.checkStructure() } catch { return "structure: \(error)" }
        guard block.header.chainId == configuration.chainId else { return "another chain" }
        guard block.header.parentHash == committedHash else { return "does not extend the committed chain" }
        guard block.header.timestampMs > committedTimestampMs else { return "timestamp not after the parent's" }
        guard certificate.height == block.height, certificate.blockHash == block.hash else { return "certificate is for another block" }
        return problemWithCertificate(certificate)
    }

    /// Rule 19: a wiped replica stops recovering once f+1 replicas show that none of them works above its
    /// next height. From then on it votes only where it cannot have voted before the wipe: in views above
    /// the highest view f+1 replicas reported, or at heights above its committed height + 1.
    mutating func finishRecoveryIfCaughtUp() {
        let weak = currentValidators.weakQuorum
        guard isRecovering, fetch == nil, let vouchedHeight = kthLargest(Array(heightReports.values), weak),
            vouchedHeight <= committedHeight + 1
        else { return }
        let vouchedView = kthLargest(Array(viewReports.values), weak) ?? 0
        isRecovering = false
        votingFloor = (view: max(view, vouchedView), height: committedHeight + 1)
    }
}
