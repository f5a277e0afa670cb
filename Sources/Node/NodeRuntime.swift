import ChainTypes
import Consensus
import Foundation
import Keys
import Ledger
import Logging
import PeerNetwork
import RPCServer
import ServiceLifecycle
import Storage
import StorageRocksDB
import Synchronization
import X509

/// A running node: storage, ledger, mempool, replica driver, peer network and JSON-RPC, started from one
/// configuration file and stopped gracefully on SIGTERM or SIGINT (DESIGN §2 `Node`, §7 Ops).
///
/// Start-up order: open RocksDB, load and check genesis, open the ledger (writing genesis state on first
/// start), replay the consensus journal, listen for peers and dial the configured ones, start the driver,
/// then serve RPC. Shutdown runs the other way round and closes the store last, so a stop never leaves
/// a half-written block (each block is one synced batch anyway).
public final class NodeRuntime: Sendable {
    public let configuration: NodeConfiguration
    let logger: Logger
    let store: RocksDBStore
    let ledger: Ledger
    let mempool: Mempool
    let driver: ReplicaDriver
    let host: PeerHost
    /// Keeps links to the nodes the chain lists (`PeerDirectory`), re-read after every block that changes them.
    let dialer: PeerDialer
    /// Takes up a renewed TLS certificate once the chain registers it (`sbp node renew-certificate`).
    let rollover: CertificateRollover
    let signer: ConsensusSigner
    let intake: PeerIntake
    let trustDigest = TrustDigest()
    /// Whether the replica is in state transfer, for `ChainTrust.isBehind` (the driver is made after the
    /// block callback that reads it).
    let syncingProbe = SyncingProbe()
    /// When this node's and its peers' certificates expire (issue 14, defect 6); the node's own expiry
    /// is that of the certificate it started with, until it moves to a renewed one (`rollover`).
    let expiryWatch: CertificateExpiryWatch
    /// When the department CA that signed this node's certificates expires.
    let departmentCANotValidAfter: Date
    let metrics: NodeMetrics
    let peerActivity = PeerActivity()
    /// The genesis contracts' interface descriptions, for decoding RPC results and events.
    let interfaces: ContractInterfaces
    /// Where the driver announces each finalized block to the RPC server (WebSocket subscriptions, `tx_sendAndWait`).
    let chainHead: ChainHead
    /// The latest finalized block's timestamp (the genesis time at height 0), kept in memory so the
    /// once-a-second check of whether this node is behind (ADR 0018) reads no block from RocksDB.
    let headTimestamp: HeadTimestamp
    /// The state snapshots this node makes every `storage.snapshot_interval` blocks and serves to joining nodes.
    let snapshots: SnapshotStore
    /// Prunes the state tree's history (`storage.history = "recent N"`); nil for an archive node.
    let pruner: TreePruner?
    /// The running RPC server, for its WebSocket counters in `/metrics`; nil until `run()` makes it.
    let rpcServer = Mutex<RPCServer?>(nil)
    /// A gossip flush is queued on `gossipQueue` and has not taken the mempool's backlog yet (`gossipPending`).
    let gossipScheduled = Atomic<Bool>(false)
    let gossipQueue = DispatchQueue(label: "sbp-gossip")

    /// Marker written beside the data directory once the node has started; if the data directory is later
    /// found empty while the marker exists, the node knows it was wiped and recovers (PBFT-NOTES rule 19).
    static let startedMarker = ".sbp-node-started"

    /// Opens everything a node needs; nothing listens until `run()`.
    ///
    /// `faults` make the node misbehave on purpose, and `capabilities` other than `.thisBuild` make it act as
    /// another build; only the test executable `sbp-byzantine` sets either.
    public init(
        configuration: NodeConfiguration, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment,
        faults: NodeFaults = NodeFaults(), capabilities: BuildCapabilities = .thisBuild
    ) throws {
        self.configuration = configuration
        self.logger = logger
        let descriptors = FileDescriptorBudget(configuration: configuration)
        let descriptorLimit = try descriptors.apply()
        logger.info("file descriptors", metadata: ["budget": "\(descriptors.total)", "limit": "\(descriptorLimit)"])
        let consensusKey: PrivateKey
        let tlsCertificate: IssuedCertificate
        let departmentCA: Certificate
        do {
            consensusKey = try configuration.loadConsensusKey(environment: environment)
            tlsCertificate = try configuration.loadTLSCertificate()
            departmentCA = try configuration.loadDepartmentCA()
        } catch {
            throw NodeError.keys(error.description)
        }
        let bundle: GenesisBundle
        do {
            bundle = try GenesisBundle.load(path: configuration.genesisFile)
        } catch {
            throw NodeError.genesis(error.description)
        }
        interfaces = ContractInterfaces.load(
            genesis: bundle.genesis, directory: (configuration.genesisFile as NSString).deletingLastPathComponent, logger: logger)
        let dataDirectory = configuration.dataDirectory
        let marker = (dataDirectory as NSString).deletingLastPathComponent + "/" + Self.startedMarker
        // The database decides, not the directory: `snapshots/` (state snapshots this node made) may outlive a
        // wiped `db`, and a node that lost its database must still recover (rule 19).
        let hadData = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory + "/db"))?.isEmpty == false
        let wiped = !hadData && FileManager.default.fileExists(atPath: marker)
        let recoveryMarker = RecoveryMarker(dataDirectory: dataDirectory)
        // A restored backup (or a wipe the node was restarted in the middle of recovering from).
        let restored = hadData && recoveryMarker.exists
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw NodeError.storage("\(error)")
        }
        // Written before the store exists: a node stopped before it recovers still knows, at its next start.
        if wiped { try recoveryMarker.write(reason: "data directory wiped") }
        do {
            store = try RocksDBStore(path: dataDirectory + "/db", memoryBudget: configuration.storageMemoryBytes)
        } catch {
            throw NodeError.storage("\(error)")
        }
        do {
            try StorageFormat.check(store)
        } catch {
            store.close()
            throw NodeError.storageFormat(error)
        }
        do {
            ledger = try Ledger(
                store: store, genesis: bundle, executableProtocolVersions: capabilities.chainProtocolVersions,
                treeNodeCacheBytes: RocksDBStore.treeNodeCacheBytes(memoryBudget: configuration.storageMemoryBytes))
        } catch {
            store.close()
            throw NodeError.ledger(error.description)
        }
        _ = FileManager.default.createFile(atPath: marker, contents: Data("started\n".utf8))
        let journal = try JournalStore(store: store)
        let view = try ledger.view()
        let epochs = try view.epochs().epochs + view.announcedValidatorSets()
        guard let first = epochs.first else { throw NodeError.genesis("no validator set") }
        var schedule = ValidatorSchedule(genesis: first.validators)
        for epoch in epochs.dropFirst() { schedule.schedule(epoch.validators, from: epoch.firstHeight) }
        chainHead = ChainHead(height: view.height)
        let parameters = try view.parameters().consensus
        do {
            // Stored parameters outside the ranges this node supports (written by an older node) stop it
            // here with the reason, never in a precondition of the replica (issue 14, defect 1).
            try parameters.validate()
        } catch {
            throw NodeError.ledger("the chain's consensus parameters are outside what this node supports: \(error)")
        }
        let protocolWatch = ProtocolVersionWatch(executable: ledger.executableProtocolVersions)
        for problem in try protocolWatch.newProblems(in: view) { logger.error("chain protocol version: \(problem)") }
        let position = try Self.chainPosition(view)
        signer = ConsensusSigner(key: consensusKey)
        let replicaConfiguration = ReplicaConfiguration(
            chainId: bundle.genesis.chainId, checkpointInterval: parameters.checkpointInterval, watermarkWindow: parameters.watermarkWindow,
            viewChangeTimeoutTicks: parameters.viewChangeTimeoutTicks, viewChangeTimeoutTicksMax: parameters.viewChangeTimeoutTicksMax,
            timestampDriftMsMax: parameters.timestampDriftMsMax, blockBytesMax: Int(parameters.blockBytesMax))
        let replica = Replica(
            configuration: replicaConfiguration, identity: consensusKey.address, schedule: schedule, chain: position,
            journal: journal.records.map(\.record), wiped: wiped || restored, authenticator: signer,
            screen: LedgerScreen(
                chainId: bundle.genesis.chainId, verified: ledger.verifiedSignatures,
                blockBytesMax: { [ledger] in (try? ledger.view().parameters().consensus.blockBytesMax).map { Int($0) } }))
        if wiped { logger.warning("data directory was wiped: recovering through state transfer before voting (rule 19)") }
        if restored {
            logger.warning(
                "data directory holds a recovery marker (a restored backup, or a recovery cut short): recovering through state transfer before voting (rule 19)",
                metadata: ["marker": "\(recoveryMarker.reason)", "height": "\(view.height)"])
        }
        mempool = Mempool(limits: Mempool.Limits(configuration.mempool), application: ledger)
        var (trust, digest, trustProblems) = try ChainTrust.make(from: view)
        let startHeadTimestampMs = try ChainTrust.headTimestampMs(of: view)
        headTimestamp = HeadTimestamp(milliseconds: startHeadTimestampMs)
        trust.admitsProvisionalDials = ChainTrust.isBehind(headTimestampMs: startHeadTimestampMs, now: Date())
        for problem in trustProblems { logger.error("peer trust: \(problem)") }
        // A node of a department that joined later starts from a state (genesis, at first) without its
        // department: expected until it has synced past the blocks that add it, so a warning, not an error.
        let joinsLater = trust.departmentCAs[configuration.department] == nil
        for problem in Self.identityProblems(
            certificate: tlsCertificate.certificate, departmentCA: departmentCA, trust: trust, configuration: configuration, at: Date())
        {
            let metadata: Logger.Metadata = ["certificate": "\(configuration.keys.tlsCertificateFile)", "height": "\(view.height)"]
            if joinsLater {
                logger.warning(
                    "\(problem) (department \(configuration.department) is not in the state this node holds yet; expected of a node that joins later, until it has synced past the blocks that add its department and itself)",
                    metadata: metadata)
            } else {
                logger.error("\(problem)", metadata: metadata)
            }
        }
        trustDigest.value.withLock { $0 = digest }
        trustDigest.trust.withLock { $0 = trust }
        let observerNames = try ChainTrust.inputs(of: view).observerNames
        trustDigest.observers.withLock { $0 = observerNames }
        departmentCANotValidAfter = departmentCA.notValidAfter
        expiryWatch = CertificateExpiryWatch(
            warningInterval: TimeInterval(configuration.certificateExpiryWarningDays) * 86_400,
            ownExpiry: min(tlsCertificate.certificate.notValidAfter, departmentCA.notValidAfter))
        var peerConfiguration = PeerHost.Configuration(certificate: tlsCertificate)
        peerConfiguration.protocolVersions = capabilities.peerProtocolVersions
        let peerHost = try PeerHost(configuration: peerConfiguration, trust: trust, logger: logger)
        host = peerHost
        dialer = PeerDialer(host: host, logger: logger)
        let rollover = CertificateRollover(configuration: configuration, logger: logger)
        // A node restarted after its renewed certificate was registered presents that one from the start.
        rollover.apply(trust: trust, host: peerHost)
        self.rollover = rollover
        metrics = NodeMetrics()
        let links = LinkTransport(host: host, logger: logger)
        let faulty: any PeerTransport =
            if let outgoing = faults.outgoing { FaultyTransport(inner: links, rewrite: outgoing) } else { links }
        // An observer never votes (DESIGN §5): whatever its replica decides, only requests for blocks leave it.
        let transport: any PeerTransport =
            if configuration.role == .observer { ObserverTransport(inner: faulty, logger: logger) } else { faulty }
        if configuration.role == .observer { logger.info("running as an observer: following the chain, never voting") }
        if !faults.isEmpty { logger.warning("fault injection: this node misbehaves on purpose (a test of the others)") }
        let ledger = self.ledger
        let host = self.host
        let trustDigest = self.trustDigest
        let syncingProbe = self.syncingProbe
        let dialer = self.dialer
        let ownName = configuration.nodeName
        let metrics = self.metrics
        let mempool = self.mempool
        let chainHead = self.chainHead
        let headTimestamp = self.headTimestamp
        // Observers are linked to validators only (ADR 0014), so only a validator may ask one for blocks.
        let observerSources: (@Sendable () -> Set<String>)? =
            if configuration.role == .observer { nil } else { { @Sendable in trustDigest.observers.withLock { $0 } } }
        let snapshots = SnapshotStore(
            dataDirectory: dataDirectory, interval: configuration.snapshotInterval, kept: configuration.snapshotsKept, logger: logger)
        self.snapshots = snapshots
        let store = self.store
        let pruner: TreePruner? =
            switch configuration.stateHistory {
            case .archive: nil
            case .recent(let versions):
                TreePruner(
                    ledger: ledger, versions: versions, logger: logger,
                    nodesPerStep: faults.pruning?.nodesPerStep ?? LedgerLimits.pruneRecordsPerStep, afterStep: faults.pruning?.afterStep)
            }
        self.pruner = pruner
        let gossipBacklog = GossipBacklog()
        driver = ReplicaDriver(
            replica: replica, schedule: schedule, ledger: ledger, journal: journal,
            pool: MempoolProposals(mempool: mempool, logger: logger, filter: faults.proposal, gossipBacklog: gossipBacklog),
            transport: transport, signer: signer, tickMs: parameters.tickMs, emptyBlockIntervalMs: configuration.emptyBlockIntervalMs,
            blockLimits: BlockLimits(parameters), recoveryMarker: wiped || restored ? recoveryMarker : nil,
            observerSources: observerSources, logger: logger
        ) { executed in
            metrics.blockFinalized(executed)
            chainHead.advance(to: executed.block.height)
            headTimestamp.advance(to: executed.block.header.timestampMs)
            snapshots.blockFinalized(height: executed.block.height, ledger: ledger, store: store)
            pruner?.blockFinalized()
            do {
                for problem in try protocolWatch.newProblems(in: try ledger.view()) { logger.error("chain protocol version: \(problem)") }
            } catch {
                logger.error("cannot read the scheduled protocol versions", metadata: ["error": "\(error)"])
            }
            Self.refreshTrust(
                ledger: ledger, host: host, digest: trustDigest, dialer: dialer, rollover: rollover, ownName: ownName,
                headTimestampMs: executed.block.header.timestampMs, syncing: syncingProbe.isSyncing, logger: logger)
        }
        let driver = self.driver
        syncingProbe.probe.withLock { $0 = { driver.status.withLock { $0.syncing } } }
        intake = PeerIntake(
            driver: driver, mempool: mempool, ledger: ledger, signer: signer, activity: peerActivity,
            validators: { driver.currentValidators.withLock { $0 } }, observers: { trustDigest.observers.withLock { $0 } }, logger: logger,
            rewriteServed: faults.outgoing, withholdsBlocks: faults.withholdBlocks, snapshots: snapshots, gossipBacklog: gossipBacklog)
    }

    /// What peers would object to in this node's own identity, checked at start so the operator reads it in
    /// this node's log rather than in every other department's: its TLS certificate as the chain's trust
    /// judges it (issuer CA, validity, revocation, registration), the name it is registered under, and
    /// whether `department_ca_file` is a CA the chain holds for the node's department.
    ///
    /// Problems are reported, not fatal: a node waiting for a governance vote that registers its new
    /// certificate must still start, sync and serve JSON-RPC.
    static func identityProblems(
        certificate: Certificate, departmentCA: Certificate, trust: PeerTrust, configuration: NodeConfiguration, at now: Date
    ) -> [String] {
        var problems: [String] = []
        do {
            let identity = try trust.identify(certificate, at: now)
            if identity.nodeName != configuration.nodeName || identity.department != configuration.department {
                problems.append(
                    "the chain registers this TLS certificate as \(identity), not \(configuration.department)/\(configuration.nodeName)")
            }
        } catch {
            problems.append("peers will refuse this node's TLS certificate: \(error)")
        }
        if trust.departmentCAs[configuration.department]?.contains(departmentCA) != true {
            problems.append(
                "keys.department_ca_file is not a CA certificate the chain holds for department \(configuration.department)")
        }
        return problems
    }

    static func chainPosition(_ view: LedgerView) throws -> ChainPosition {
        let height = view.height
        guard let roots = try view.roots(at: height) else { throw NodeError.ledger("no roots at height \(height)") }
        guard height > 0 else {
            return ChainPosition.genesis(timestampMs: view.genesis.genesisTimeMs, stateRoot: roots.stateRoot)
        }
        guard let block = try view.block(at: height), let certificate = try view.certificate(at: height) else {
            throw NodeError.ledger("block \(height) or its certificate is missing")
        }
        return ChainPosition(
            committedHeight: height, committedHash: block.hash, committedTimestampMs: block.header.timestampMs,
            lastCertificate: certificate, stateRoot: roots.stateRoot, receiptsRoot: roots.receiptsRoot)
    }

    /// Rebuilds the peer trust and the nodes dialed when a block changed departments, validators,
    /// revocations or the node registry, closing links whose certificates no longer pass (DESIGN §5:
    /// revocation enforced on live links within one block) and dialing nodes that joined or moved.
    static func refreshTrust(
        ledger: Ledger, host: PeerHost, digest: TrustDigest, dialer: PeerDialer, rollover: CertificateRollover, ownName: String,
        headTimestampMs: UInt64, syncing: Bool, logger: Logger
    ) {
        do {
            let view = try ledger.view()
            let inputs = try ChainTrust.inputs(of: view)
            let behind = syncing || ChainTrust.isBehind(headTimestampMs: headTimestampMs, now: Date())
            let wasBehind = digest.trust.withLock { $0.admitsProvisionalDials }
            guard let (trust, problems) = digest.rebuild(from: inputs, behind: behind) else { return }
            if behind != wasBehind { logProvisionalAdmission(behind, logger: logger) }
            for problem in problems { logger.error("peer trust: \(problem)") }
            dialer.update(PeerDirectory.targets(ownName: ownName, inputs: inputs))
            for (link, refusal) in host.updateTrust(trust) {
                logger.notice("closed link after a trust change", metadata: ["peer": "\(link.identity)", "reason": "\(refusal)"])
            }
            rollover.apply(trust: trust, host: host)
        } catch {
            logger.error("cannot rebuild peer trust", metadata: ["error": "\(error)"])
        }
    }

    /// Re-reads whether the node is behind (`ChainTrust.isBehind`, or the replica in state transfer) and, when
    /// that changed, hands the host the trust with `admitsProvisionalDials` changed (ADR 0018).
    ///
    /// After every block `refreshTrust` does the same; this timer covers a node that receives no block: one
    /// whose every link a strict judgement closed can become behind again and reach its peers provisionally.
    func refreshProvisionalAdmission(now: Date) {
        let behind = syncingProbe.isSyncing || ChainTrust.isBehind(headTimestampMs: headTimestamp.milliseconds, now: now)
        guard let trust = trustDigest.setBehind(behind) else { return }
        Self.logProvisionalAdmission(behind, logger: logger)
        for (link, refusal) in host.updateTrust(trust) {
            logger.notice("closed link after a trust change", metadata: ["peer": "\(link.identity)", "reason": "\(refusal)"])
        }
    }

    static func logProvisionalAdmission(_ behind: Bool, logger: Logger) {
        if behind {
            logger.info("behind the chain: links this node dials may stand on unregistered certificates of known departments (ADR 0018)")
        } else {
            logger.info("caught up: every link is judged by the certificates the chain registers")
        }
    }

    /// Closes links whose certificate (or its CA) has expired, logs the warnings of `expiryWatch` and
    /// records both expiries for `/metrics`; returns when to check again (DESIGN §5, issue 14 defect 6).
    @discardableResult
    func checkCertificateExpiry(now: Date) -> Date {
        let trust = trustDigest.trust.withLock { $0 }
        let peers = host.openLinks.compactMap { link in
            trust.expiry(of: link.certificate).map { CertificateExpiryWatch.Peer(name: link.identity.description, expiry: $0) }
        }
        var watch = expiryWatch
        if let renewed = rollover.presentedNotValidAfter { watch.ownExpiry = min(renewed, departmentCANotValidAfter) }
        let report = watch.check(now: now, peers: peers)
        if !report.expiredPeers.isEmpty {
            for (link, refusal) in host.updateTrust(trust) {
                logger.notice("closed link: certificate expired", metadata: ["peer": "\(link.identity)", "reason": "\(refusal)"])
            }
        }
        for warning in report.warnings { logger.warning("\(warning)") }
        metrics.certificateExpiry(ownSecondsLeft: report.ownSecondsLeft, nearestPeerSecondsLeft: report.nearestPeerSecondsLeft)
        return report.nextCheck
    }

    /// Runs the node until SIGTERM or SIGINT (or until the task is cancelled), then shuts down gracefully.
    public func run() async throws {
        let backend = NodeRPCBackend(ledger: ledger, mempool: mempool, interfaces: interfaces, host: self)
        let renderMetrics: @Sendable () async -> String = { [metrics, self] in
            let server = self.rpcServer.withLock { $0 }
            return metrics.render(node: self, webSocket: server?.webSocketStatistics, connections: server?.connectionStatistics)
        }
        // Clients can cause the RPC servers' lines (and their libraries'): each message is written at most so often.
        let rpcLogger = ThrottledLogHandler.wrapping(logger)
        // With `metrics.listen_port`, /metrics moves to a server of its own (with the health checks), off the API's port.
        let separateMetrics = configuration.metricsListenPort.map { port in
            var operations = RPCServerConfiguration(host: configuration.rpc.host, port: port)
            operations.endpoints = .operations
            operations.connectionsMax = NodeLimits.metricsConnectionsMax
            operations.clientConnectionsMax = NodeLimits.metricsConnectionsMax
            return RPCServer(configuration: operations, backend: backend, logger: rpcLogger, metrics: renderMetrics)
        }
        let rpc = RPCServer(
            configuration: configuration.rpcOptions.serverConfiguration(configuration.rpc, apiTokens: try configuration.loadAPITokens()),
            backend: backend, chainHead: chainHead,
            logger: rpcLogger, metrics: separateMetrics == nil ? renderMetrics : nil)
        rpcServer.withLock { $0 = rpc }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: PeerService(node: self)),
            .init(service: RPCService(server: rpc, portKey: "rpc.listen_port"), successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let separateMetrics {
            services.append(
                .init(
                    service: RPCService(server: separateMetrics, portKey: "metrics.listen_port"),
                    successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Whether this node may serve as ready: synced, not halted, linked to validators that make a quorum with it.
    var isReady: Bool {
        let status = driver.status.withLock { $0 }
        guard status.halted == nil, !status.syncing else { return false }
        return Self.reachesQuorum(
            validators: driver.currentValidators.withLock { $0 }, ownName: configuration.nodeName, linkedPeers: peers().map(\.name))
    }

    /// Whether this node and the validators it has open links to are a quorum of `validators`.
    ///
    /// Counts distinct validators, not links: two nodes that dial each other hold two links, and counting
    /// links let a node of a 4-validator network with a single peer report ready (2 links + itself = 3)
    /// while a 2|2 partition kept every node from committing (found by Tools/netns-harness).
    static func reachesQuorum(validators: ValidatorSet, ownName: String, linkedPeers: [String]) -> Bool {
        let names = Set(validators.validators.map(\.name))
        let linked = Set(linkedPeers).subtracting([ownName]).intersection(names).count
        return linked + (names.contains(ownName) ? 1 : 0) >= validators.quorum
    }

    /// Sends the transactions clients submitted here to every peer (one hop reaches all validators).
    ///
    /// Called after every admission; at most one flush waits on `gossipQueue` at a time, `gossipFlushDelayMs`
    /// after the admission that queued it, and it takes everything admitted until it runs, so a `tx_send`
    /// batch of a hundred goes out in a few gossip frames instead of a hundred (each frame costs every peer a TLS record, a decode and a wake-up of its
    /// driver). No transaction is left behind: one admitted after the flush took the backlog schedules the next.
    func gossipPending() {
        guard gossipScheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        gossipQueue.asyncAfter(deadline: .now() + .milliseconds(NodeLimits.gossipFlushDelayMs)) { [self] in
            gossipScheduled.store(false, ordering: .releasing)
            broadcast(mempool.takeGossip())
        }
    }

    /// Sends the clients' transactions that are still pending one interval later to every peer again, and
    /// evicts future nonces whose gap did not fill in time (so they leave on an idle chain too).
    func regossipPending() {
        MempoolProposals.log(mempool.evictStaleFutures(), logger: logger)
        broadcast(mempool.takeRegossip())
    }

    private func broadcast(_ transactions: [Transaction]) {
        guard !transactions.isEmpty else { return }
        for message in MempoolGossip().messages(for: transactions) {
            LinkTransport(host: host, logger: logger).broadcast(.gossip(message))
        }
    }
}

/// The peer network and the replica driver as one service: listen, dial, drive, and on shutdown stop.
struct PeerService: Service {
    let node: NodeRuntime

    /// Reads the upper levels of the state tree into the ledger's cache on a thread of its own
    /// (`Ledger.warmTreeNodeCache`), so that the first blocks after a start execute as fast as later ones;
    /// blocks run meanwhile and only read more from the store. A store closed at shutdown ends it.
    static func warmTreeNodeCache(_ node: NodeRuntime) {
        let thread = Thread { [ledger = node.ledger, logger = node.logger] in
            let clock = ContinuousClock()
            let start = clock.now
            let nodes = ledger.warmTreeNodeCache()
            logger.notice("state tree cache warmed", metadata: ["nodes": "\(nodes)", "duration": "\(clock.now - start)"])
        }
        thread.name = "sbp-tree-warm"
        thread.start()
    }

    func run() async throws {
        let configuration = node.configuration
        let address: String
        do {
            address = "\(try await node.host.listen(host: configuration.p2p.host, port: configuration.p2p.port))"
        } catch {
            // Name the address: "address already in use" alone does not say which of the node's ports.
            throw NodeError.network(
                "cannot listen for peers on \(configuration.p2p.host):\(configuration.p2p.port) (p2p.listen_port): \(error)")
        }
        node.logger.info("listening for peers", metadata: ["address": "\(address)"])
        // The chain lists where registered nodes are (issue 16); configured peers and bootstrap addresses
        // only get a node started before it holds a state that lists them.
        var listed: Set<String> = []
        do {
            let targets = PeerDirectory.targets(ownName: configuration.nodeName, inputs: try ChainTrust.inputs(of: try node.ledger.view()))
            listed = Set(targets.map(\.name))
            node.dialer.update(targets)
        } catch {
            node.logger.error("cannot read the node registry; dialing configured peers only", metadata: ["error": "\(error)"])
        }
        for peer in configuration.peers where peer.name != configuration.nodeName && !listed.contains(peer.name) {
            node.host.dial(host: peer.host, port: peer.port, expecting: PeerIdentity(department: peer.department, nodeName: peer.name))
        }
        // Bootstrap addresses name no node: whichever node the chain trusts answers there (sbp node init).
        for endpoint in configuration.bootstrap {
            node.host.dial(host: endpoint.host, port: endpoint.port)
        }
        Self.warmTreeNodeCache(node)
        node.driver.start()
        if let pruner = node.pruner {
            pruner.start()
            node.logger.info("pruning the state tree's history", metadata: ["history": "\(configuration.stateHistory)"])
        }
        let events = node.host.events
        let intake = node.intake
        let regossip = Task { [node] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(NodeLimits.mempoolRegossipIntervalMs))  // a timer, not synchronization
                node.regossipPending()
            }
        }
        // Started before the event loop below, which runs until shutdown.
        let expiry = Task { [node] in
            while !Task.isCancelled {
                let next = node.checkCertificateExpiry(now: Date())
                let wait = max(1, next.timeIntervalSinceNow)
                try? await Task.sleep(for: .seconds(wait))  // a timer to the next expiry, not synchronization
            }
        }
        let renewal = Task { [node] in
            var moved = node.rollover.presentedNotValidAfter
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(NodeLimits.renewedCertificateCheckIntervalMs))  // a timer, not synchronization
                node.refreshProvisionalAdmission(now: Date())
                if node.rollover.presentWhileIsolated(host: node.host, openLinks: node.host.openLinks.count, now: Date()) {
                    node.dialer.redialAll()
                }
                // Moved to a renewed certificate: its expiry goes to /metrics and the warnings now, not at the next hourly check.
                if node.rollover.presentedNotValidAfter != moved {
                    moved = node.rollover.presentedNotValidAfter
                    node.checkCertificateExpiry(now: Date())
                }
            }
        }
        await cancelWhenGracefulShutdown {
            for await event in events { intake.handle(event) }
        }
        regossip.cancel()
        expiry.cancel()
        renewal.cancel()
        node.logger.info("stopping the node")
        node.driver.stop()
        node.pruner?.stop()  // before the store closes: a step in progress finishes its batch
        try? await node.host.shutdown()
        node.store.close()
        node.logger.info("node stopped")
    }
}

/// The JSON-RPC server as a service.
struct RPCService: Service {
    let server: RPCServer
    /// The configuration key of the server's port, for the error when it cannot bind.
    let portKey: String

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await server.run() }
        } catch let error as RPCServerError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            // A bind failure: name the address, which the underlying "address already in use" does not.
            let configuration = server.configuration
            throw NodeError.network(
                "cannot serve HTTP on \(configuration.host):\(configuration.port) (\(portKey)): \(error)")
        }
    }
}

/// The digest of the inputs of the peer trust last installed (to skip rebuilding an unchanged trust).
final class TrustDigest: Sendable {
    let value = Mutex(Hash.zero)
    /// The trust last built, for the expiry timer (`checkCertificateExpiry(now:)`).
    let trust = Mutex(PeerTrust())
    /// The registered observers, whose consensus messages the intake drops (they never count).
    let observers = Mutex<Set<String>>([])

    /// Builds and keeps the trust of `inputs` when their digest differs from the last one built, and
    /// returns it with its problems; nil when nothing changed.
    ///
    /// The node calls this after every block, and an idle chain commits one a second: parsing every
    /// certificate each time was a quarter of an idle node's CPU (issue 18, deliver 7).
    ///
    /// `behind` (`ChainTrust.isBehind`) sets `PeerTrust.admitsProvisionalDials`; a change of it alone
    /// returns the same trust with the flag changed (no problems), so that the host re-judges its links.
    func rebuild(from inputs: ChainTrust.Inputs, behind: Bool = false) -> (trust: PeerTrust, problems: [String])? {
        guard value.withLock({ $0 }) != inputs.digest else {
            return trust.withLock { trust -> (trust: PeerTrust, problems: [String])? in
                guard trust.admitsProvisionalDials != behind else { return nil }
                trust.admitsProvisionalDials = behind
                return (trust, [])
            }
        }
        var (built, problems) = ChainTrust.make(from: inputs)
        built.admitsProvisionalDials = behind
        value.withLock { $0 = inputs.digest }
        trust.withLock { $0 = built }
        observers.withLock { $0 = inputs.observerNames }
        return (built, problems)
    }

    /// Sets `admitsProvisionalDials` of the trust kept; returns that trust when the flag changed, nil otherwise.
    func setBehind(_ behind: Bool) -> PeerTrust? {
        trust.withLock { trust in
            guard trust.admitsProvisionalDials != behind else { return nil }
            trust.admitsProvisionalDials = behind
            return trust
        }
    }
}

/// Reads the replica's state-transfer status once the driver exists; false before.
final class SyncingProbe: Sendable {
    let probe = Mutex<(@Sendable () -> Bool)?>(nil)

    var isSyncing: Bool { probe.withLock { $0 }?() ?? false }
}

/// The mempool as the driver's proposal source.
final class MempoolProposals: ProposalSource {
    let mempool: Mempool
    let logger: Logger
    /// Fault injection for tests (`NodeFaults.proposal`, set only by `sbp-byzantine`): filters every
    /// proposal, as a censoring primary would; nil in production.
    let filter: (@Sendable ([Transaction]) -> [Transaction])?
    /// Peer gossip received and not yet admitted, waited for before a proposal; nil: propose at once.
    let gossipBacklog: GossipBacklog?
    /// The longest a proposal waits for `gossipBacklog`.
    let gossipWait: Duration

    init(
        mempool: Mempool, logger: Logger, filter: (@Sendable ([Transaction]) -> [Transaction])? = nil, gossipBacklog: GossipBacklog? = nil,
        gossipWait: Duration = .milliseconds(NodeLimits.proposalGossipWaitMs)
    ) {
        self.mempool = mempool
        self.logger = logger
        self.filter = filter
        self.gossipBacklog = gossipBacklog
        self.gossipWait = gossipWait
    }

    /// Only ready transactions: a future nonce cannot be proposed, so it is no work a primary owes.
    var pendingCount: Int { mempool.readyCount }

    /// The next block's transactions, once the peer gossip received so far is admitted (`GossipBacklog`,
    /// at most `gossipWait`) unless the pool already holds a full block.
    func proposal(transactionsMax: Int, bytesMax: Int, fuelMax: UInt64) -> [Transaction] {
        if let gossipBacklog, mempool.readyCount < transactionsMax {
            let components = gossipWait.components
            let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
            gossipBacklog.awaitReceived(until: Date(timeIntervalSinceNow: seconds))
        }
        let batch = mempool.batch(transactionsMax: transactionsMax, bytesMax: bytesMax, fuelMax: fuelMax)
        return filter.map { $0(batch) } ?? batch
    }

    func committed(_ block: Block, nextHeight: UInt64) {
        do {
            Self.log(try mempool.removeCommitted(block), logger: logger)
        } catch {
            logger.error("mempool cannot read the ledger after a block", metadata: ["error": "\(error)"])
        }
    }

    /// Logs every transaction that left the pool other than by inclusion, with why (counted in `MempoolMetrics`).
    static func log(_ evictions: [Hash: MempoolEviction], logger: Logger) {
        for (hash, reason) in evictions.sorted(by: { $0.key < $1.key }) where reason != .included {
            logger.info("transaction left the mempool", metadata: ["transaction": "\(hash)", "reason": "\(reason)"])
        }
    }

    func oldestPending() -> InclusionWatch.Candidate? {
        mempool.oldestPending().map {
            InclusionWatch.Candidate(
                hash: $0.hash, bytes: $0.bytes, fuelLimit: $0.transaction.body.fuelLimit, age: .now - $0.admittedAt)
        }
    }
}

/// The latest finalized block's timestamp, in memory: written by the replica driver after each block, read by
/// the once-a-second check of whether the node is behind (ADR 0018) without a RocksDB read on the shared pool.
final class HeadTimestamp: Sendable {
    private let value: Atomic<UInt64>

    init(milliseconds: UInt64) { value = Atomic(milliseconds) }

    var milliseconds: UInt64 { value.load(ordering: .relaxed) }

    func advance(to milliseconds: UInt64) { value.store(milliseconds, ordering: .relaxed) }
}
