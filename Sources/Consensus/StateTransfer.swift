import ChainTypes

/// State transfer: a lagging, restarted or wiped replica fetches committed blocks with their
/// certificates and verifies them before voting again (PBFT §4.3, TOCS §5; PBFT-NOTES rules 18 and 19).
extension Replica {
    /// Asks a peer for blocks up to `target`, a height known to be committed somewhere.
    mutating func startStateTransfer(target: UInt64) {
        guard target > committedHeight else { return }
        if let current = fetch {
            fetch = (current.source, max(current.target, target), current.deadline)
            return
        }
        let sources = fetchSources()
        guard !sources.isEmpty else { return }
        let source = sources[Int(fetchAttempt % UInt64(sources.count))]
        fetch = (source, target, ticks.adding(saturating: configuration.fetchTimeoutTicks))
        pending.fetch = fetchRequest(to: source, target: target)
        emit(.stateTransferStarted(fromHeight: committedHeight + 1, targetHeight: target, source: source))
    }

    /// The peers a fetch may ask, in the deterministic rotation attempts go through: the validators seen
    /// working above this replica's next height (every other validator when none was), then the linked
    /// observers (issue 16, deliver 3).
    ///
    /// Validators first: they hold the blocks first, and an observer follows them a fetch behind. An
    /// observer comes next whenever every validator asked let the fetch time out (they are down, busy or
    /// withholding), and its blocks pass the same checks (`problemWithTransferredBlock`).
    func fetchSources() -> [FetchSource] {
        let own = ownIndex(at: committedHeight + 1)
        let validators = currentValidators
        var peers = heightReports.filter { $0.value > committedHeight + 1 }.keys.compactMap { validators.index(of: $0).map(UInt16.init) }
            .sorted().filter { $0 != own }
        if peers.isEmpty { peers = (0..<UInt16(validators.count)).filter { $0 != own } }
        return peers.map(FetchSource.validator) + observers.map(FetchSource.observer)
    }

    /// Rule 18: verify each block's certificate against the validator set at its height, link it to the
    /// chain, and commit it; execution follows through `Ready.committed` as in the normal case.
    ///
    /// Only an answer to this replica's own request is taken, and only the heights it asked for: the replica
    /// knows what it asked for, so unsolicited blocks are dropped. A batch is checked set by set: a block
    /// waits until the replica executed its height − 2, since a validator-set change is reported by the block
    /// two heights before it activates (rule 20), so the set that checks each certificate is final.
    mutating func onBlocks(_ blocks: [CommittedBlock]) {
        guard let current = fetch else { return reject(.unsolicitedBlocks(count: blocks.count)) }
        transferQueue = blocks.prefix(ConsensusLimits.fetchBlocksMax).filter {
            $0.block.height > committedHeight && $0.block.height <= current.target
        }
        continueStateTransfer()
    }

    /// Commits queued transferred blocks whose validator set is known; asks for more when the queue is done.
    mutating func continueStateTransfer() {
        var progressed = false
        while let committed = transferQueue.first {
            let height = committed.block.height
            guard height == committedHeight + 1 else {
                transferQueue = []
                break
            }
            guard executedHeight.adding(saturating: 2) >= height else { break }
            transferQueue.removeFirst()
            if let problem = problemWithTransferredBlock(committed) {
                reject(.invalidStateTransfer(height: height, reason: problem))
                transferQueue = []
                break
            }
            commit(committed)
            slots[height]?.isCommitted = true
            emit(.stateTransferred(height: height))
            progressed = true
        }
        guard progressed, let current = fetch else { return }
        if committedHeight >= current.target {
            fetch = nil
            fetchAttempt = 0
            transferQueue = []
            finishRecoveryIfCaughtUp()
        } else {
            fetch = (current.source, current.target, ticks.adding(saturating: configuration.fetchTimeoutTicks))
            if transferQueue.isEmpty {
                pending.fetch = fetchRequest(to: current.source, target: current.target)
            }
        }
    }

    /// The request for the blocks after `committedHeight` up to `target` from `source`: a validator of the
    /// set deciding the next height, or an observer; a replica outside that set asks all the same (a
    /// validator added by governance catches up from genesis, rules 18 and 20).
    func fetchRequest(to source: FetchSource, target: UInt64) -> FetchRequest {
        let name: String
        switch source {
        case .validator(let index):
            let validators = currentValidators.validators
            name = Int(index) < validators.count ? validators[Int(index)].name : ""
        case .observer(let observer):
            name = observer
        }
        return FetchRequest(
            source: source, peerName: name, fromHeight: committedHeight + 1, targetHeight: target,
            requester: ownIndex(at: committedHeight + 1) ?? FetchRequest.requesterOutsideSet)
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
