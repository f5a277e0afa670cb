import ChainTypes

/// Bounds of the consensus core (DESIGN §1.4): every buffer, proof and jump has a named maximum.
public enum ConsensusLimits {
    /// Prepared certificates in one VIEW-CHANGE; P only covers (s, s+L], and L is at most this.
    public static let preparedCertificatesMax = 256
    /// Watermark window L may not exceed the prepared certificates a view change can carry.
    public static let watermarkWindowMax = UInt64(preparedCertificatesMax)
    /// Blocks returned by one state-transfer response.
    public static let fetchBlocksMax = 32
    /// Messages for future views or heights kept per sender until they can be acted on (rule 7).
    ///
    /// Per sender, so one validator flooding future messages fills only its own share: an honest sender
    /// has at most a pre-prepare, a prepare and a commit per height of the window in flight.
    public static let futureMessagesPerSenderMax = 3 * preparedCertificatesMax
    /// Encoded bytes of future messages kept per sender: one largest pre-prepare (a whole block) plus its
    /// share of small votes. The replica-wide bound is this times the validators (`futureBytesMax(validators:)`).
    public static let futureBytesPerSenderMax = Limits.blockBytesMax + 1024 * 1024
    /// How far above its own view a replica acts on a single peer's view number without f+1 support
    /// (rule 16c). Anything further is ignored until f+1 replicas vouch for a higher view.
    public static let viewJumpMax: UInt64 = 64
    /// Messages one replica may emit per step (bounds the output of any single input).
    public static let outgoingPerStepMax = 4096
    /// Block bodies one height keeps besides those its messages name (the accepted, waiting, last accepted
    /// and prepared blocks): room for the body a new primary is offered for its re-proposal, whatever else
    /// faulty peers offer.
    public static let bodiesPerHeightMax = 4

    // MARK: - Bytes (issue 13, defect 5)

    /// The largest encoded consensus message, as sent between replicas: a pre-prepare with a block of
    /// `Limits.blockBytesMax` and its framing, with room to spare.
    ///
    /// VIEW-CHANGE and NEW-VIEW carry digests, not blocks (TOCS §4.5), so their largest legal encodings stay
    /// below it too; the node's frame limit must exceed it plus the peer-message tag (`NodeLimitsTests` and
    /// `ConsensusLimitsTests` check both sides).
    public static let messageBytesMax = Limits.blockBytesMax + 1024 * 1024

    // MARK: - The driver core (`DriverCore`)

    /// `Ready` batches the driver core carries out after one event before it stops to take the next event:
    /// a replica catching up may commit a chain of buffered heights at once, and this bounds the work one
    /// event can cause without ever stopping a normal cascade (a few batches per height).
    public static let readyRoundsMax = 256
    /// Bytes of a block kept free of transactions for its header and commit certificate: the primary packs
    /// at most `blockBytesMax` minus this in transactions, and replicas refuse a proposal whose transactions
    /// take more, so every block's encoding stays within `blockBytesMax`. The largest header and certificate
    /// (256 votes) take about 18 KiB; `NodeLimitsTests` checks that they fit.
    public static let proposalBytesReserve = 64 * 1024
    /// Bytes of blocks and certificates in one state-transfer reply (`fetchBlocks`) before it stops adding
    /// blocks (`BlockServer`). A reply always carries at least one block, and the largest block with its
    /// certificate fits a frame on its own; this smaller budget keeps one reply from taking half a link's
    /// send queue.
    public static let fetchBlocksReplyBytesMax = 8 * 1024 * 1024
    /// `fetchBlocks` requests one peer may have answered per second (`FetchRate`), with bursts up to
    /// `fetchBlocksBurstMax`; more are dropped and counted. A catching-up node asks once per reply.
    public static let fetchBlocksPerPeerPerSecond = 8
    public static let fetchBlocksBurstMax = 16
    /// Registered observers a replica keeps as sources of committed blocks (`Input.observers`), besides the
    /// validators: the node registry holds at most 512 records (`LedgerLimits.nodesMax`).
    public static let fetchObserversMax = 512

    // MARK: - Integers from outside (docs/consensus.md, "Integers from outside")

    /// The highest height any message, block, certificate or chain position may name.
    ///
    /// 2^62: a block per millisecond for 146 million years, and far enough below `UInt64.max` that a height
    /// plus any window, interval or one cannot overflow. Messages naming more are refused before anything
    /// else is looked at, so the arithmetic after admission never traps.
    public static let heightMax: UInt64 = 1 << 62
    /// The highest view any message may name, and the highest view a replica ever enters (rule 16).
    ///
    /// 2^62: a view change per millisecond for 146 million years; `view + 1` and the back-off stay far from
    /// overflow. A replica at this view stops changing view instead of trapping.
    public static let viewMax: UInt64 = 1 << 62
    /// The latest block timestamp any message may carry, in milliseconds since 1970 (146 million years).
    ///
    /// Timestamps are also checked against the parent and the local clock (rule 23); this cap keeps
    /// `timestamp + drift` and `parent + 1` from overflowing whatever the header says.
    public static let timestampMsMax: UInt64 = 1 << 62
    /// Parameter values (ticks, milliseconds, intervals) a replica accepts from genesis or governance.
    ///
    /// 2^32: far above any sensible timeout or window, and small enough that `ticks + timeout`, `2 × timeout`
    /// and `height + window` cannot overflow with heights and ticks below 2^62.
    public static let parameterMax: UInt64 = 1 << 32

    /// The replica-wide byte bound of buffered future messages for `validators` senders.
    public static func futureBytesMax(validators: Int) -> Int { validators * futureBytesPerSenderMax }
}
