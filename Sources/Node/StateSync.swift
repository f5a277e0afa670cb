import ChainTypes
import Foundation
import Ledger
import Logging
import NIOCore
import PeerNetwork
import Storage

/// Joins a chain from a verified state snapshot instead of replaying it from genesis
/// (`node.sync = "snapshot"`, docs/adr/0017-state-sync.md, docs/operations.md "State sync").
///
/// Runs before the node opens its store, and only when the data directory holds none. It links to the
/// nodes the genesis lists and the configured peers and bootstrap addresses (trusting their certificates
/// as the genesis state does), asks each for its latest snapshot manifest, verifies every offer against
/// the genesis alone (the certified header, the validator-set changes up to it, the chunk list against the
/// header's state root), takes the highest, and fetches its chunks from every peer that offered the same
/// manifest: at most `NodeLimits.stateSyncChunksInFlightMax` at a time and `stateSyncChunksPerPeerMax` per
/// peer, each checked against the manifest before it is written; a bad or late chunk is counted and asked
/// of another peer. Then it rebuilds the tree and the flat state of the snapshot's height, records the
/// snapshot's block as the first it holds, and returns: the node starts as usual and follows the blocks
/// above that height by state transfer. It never asks for a block below the snapshot's height.
public enum StateSync {
    /// Restores a snapshot into `configuration.dataDirectory` when `node.sync` is `snapshot` and the data
    /// directory holds no store yet; returns the restored height, or nil when there was nothing to do.
    ///
    /// `capabilities` are the build's: the peer protocol versions the sync's links offer are the ones the node
    /// will speak once started, so a peer that refuses this build refuses it already during the sync.
    public static func runIfNeeded(
        configuration: NodeConfiguration, logger: Logger, capabilities: BuildCapabilities = .thisBuild,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> UInt64? {
        guard configuration.syncMode == .snapshot else { return nil }
        let database = configuration.dataDirectory + "/db"
        guard !FileManager.default.fileExists(atPath: database + "/CURRENT") else { return nil }
        // Reading the genesis and executing it in memory (its contracts validated) is disk and CPU work:
        // off the cooperative pool too.
        let client = try await SnapshotRestoreWork.run {
            try? FileManager.default.removeItem(atPath: database)
            let bundle: GenesisBundle
            let certificate: IssuedCertificate
            do {
                bundle = try GenesisBundle.load(path: configuration.genesisFile)
                certificate = try configuration.loadTLSCertificate()
            } catch {
                throw NodeError.genesis("\(error)")
            }
            return try StateSyncClient(
                configuration: configuration, bundle: bundle, certificate: certificate, capabilities: capabilities, logger: logger)
        }
        return try await client.run()
    }
}

/// The network side of `StateSync`: one peer host for the duration of the sync, and the fetch schedule.
final class StateSyncClient: Sendable {
    let configuration: NodeConfiguration
    let bundle: GenesisBundle
    let logger: Logger
    let host: PeerHost
    let dialer: PeerDialer
    let targets: [PeerDirectory.Target]

    init(
        configuration: NodeConfiguration, bundle: GenesisBundle, certificate: IssuedCertificate, capabilities: BuildCapabilities,
        logger: Logger
    ) throws {
        self.configuration = configuration
        self.bundle = bundle
        self.logger = logger
        // The genesis state: whom to trust and whom to dial until the snapshot says more.
        let genesisLedger = try Ledger(store: MemoryKeyValueStore(), genesis: bundle)
        let view = try genesisLedger.view()
        var (trust, _, _) = try ChainTrust.make(from: view)
        // A node that syncs a snapshot is behind by definition: it may reach the nodes it dials by their
        // renewed certificates (ADR 0018); every chunk is checked against a certified root.
        trust.admitsProvisionalDials = true
        var hostConfiguration = PeerHost.Configuration(certificate: certificate)
        hostConfiguration.protocolVersions = capabilities.peerProtocolVersions
        host = try PeerHost(configuration: hostConfiguration, trust: trust, logger: logger)
        dialer = PeerDialer(host: host, logger: logger)
        targets = PeerDirectory.targets(ownName: configuration.nodeName, inputs: try ChainTrust.inputs(of: view))
    }

    enum Input {
        case peer(PeerEvent)
        case tick
    }

    /// What is known of one linked peer.
    struct Peer {
        var link: PeerLink
        /// Digest of the verified manifest it offered, if any.
        var offer: Hash?
        var inFlight = 0
        var lastAskedMs: UInt64 = 0
    }

    func run() async throws -> UInt64 {
        let (inputs, continuation) = AsyncStream.makeStream(of: Input.self)
        let forward = Task { [host] in
            for await event in host.events { continuation.yield(.peer(event)) }
            continuation.finish()
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))  // a timer for deadlines, not synchronization
                continuation.yield(.tick)
            }
        }
        dialer.update(targets)
        let listed = Set(targets.map(\.name))
        for peer in configuration.peers where peer.name != configuration.nodeName && !listed.contains(peer.name) {
            host.dial(host: peer.host, port: peer.port, expecting: PeerIdentity(department: peer.department, nodeName: peer.name))
        }
        for endpoint in configuration.bootstrap { host.dial(host: endpoint.host, port: endpoint.port) }
        logger.info("state sync: asking peers for a snapshot", metadata: ["listed": "\(targets.count)"])
        defer {
            ticker.cancel()
            forward.cancel()
        }
        let (height, session) = try await fetch(inputs: inputs)
        do {
            let started = ContinuousClock.now
            try await session.finish()
            logger.info(
                "state sync: tree rebuilt and the store moved into place", metadata: ["elapsed": "\(ContinuousClock.now - started)"])
        } catch {
            await session.abandon()
            throw error
        }
        try? await host.shutdown()
        return height
    }

    /// The offer and fetch loop; returns the height of the snapshot and the session that holds it once every
    /// chunk is written.
    ///
    /// Should every peer drop the chosen snapshot (they keep only the latest few) while another is offered,
    /// what was written is discarded and the highest snapshot offered then is fetched instead.
    func fetch(inputs: AsyncStream<Input>) async throws -> (UInt64, SnapshotRestoreSession) {
        var session = try await SnapshotRestoreSession.open(dataDirectory: configuration.dataDirectory, genesis: bundle.genesis)
        do {
            return try await fetch(inputs: inputs, session: &session)
        } catch {
            await session.abandon()
            throw error
        }
    }

    /// `fetch(inputs:)` with the session it writes into; replaces it when it starts over.
    private func fetch(inputs: AsyncStream<Input>, session: inout SnapshotRestoreSession) async throws -> (UInt64, SnapshotRestoreSession) {
        let genesis = bundle.genesis
        let start = ContinuousClock.now
        func nowMs() -> UInt64 {
            let elapsed = (ContinuousClock.now - start).components
            return UInt64(max(0, elapsed.seconds)) * 1000 + UInt64(max(0, elapsed.attoseconds) / 1_000_000_000_000_000)
        }
        var peers: [String: Peer] = [:]
        var offers: [Hash: SnapshotManifest] = [:]
        var firstOfferMs: UInt64?
        var chosen: (digest: Hash, manifest: SnapshotManifest)?
        var pending: [Int] = []
        var inFlight: [Int: (peer: String, deadlineMs: UInt64)] = [:]
        var attempts: [Int: Int] = [:]
        var refusedBy: [Int: Set<String>] = [:]
        var fetchedBytes: UInt64 = 0

        func send(_ message: PeerMessage, to link: PeerLink) {
            LinkTransport.send(LinkTransport.frame(message), kind: message.kind, on: link, logger: logger)
        }
        func requeue(_ index: Int, refusedBy peer: String?) {
            inFlight[index] = nil
            if let peer { refusedBy[index, default: []].insert(peer) }
            if session.needs(index) && !pending.contains(index) { pending.insert(index, at: 0) }
        }
        func schedule() throws {
            guard let chosen else { return }
            while inFlight.count < NodeLimits.stateSyncChunksInFlightMax, let index = pending.first {
                let sources = peers.filter { $0.value.offer == chosen.digest && $0.value.inFlight < NodeLimits.stateSyncChunksPerPeerMax }
                guard !sources.isEmpty else { return }
                let fresh = sources.filter { !(refusedBy[index]?.contains($0.key) ?? false) }
                let pool = fresh.isEmpty ? sources : fresh
                guard let name = pool.min(by: { ($0.value.inFlight, $0.key) < ($1.value.inFlight, $1.key) })?.key, let peer = peers[name]
                else { return }
                let tries = attempts[index, default: 0] + 1
                guard tries <= NodeLimits.stateSyncChunkAttemptsMax else {
                    throw StateSyncError.chunkUnavailable(height: chosen.manifest.height, index: index, attempts: tries - 1)
                }
                attempts[index] = tries
                pending.removeFirst()
                inFlight[index] = (name, nowMs() + NodeLimits.stateSyncChunkTimeoutMs)
                peers[name]?.inFlight += 1
                send(.snapshotChunkRequest(height: chosen.manifest.height, index: UInt32(index)), to: peer.link)
            }
        }
        func choose() async throws {
            guard chosen == nil, let first = firstOfferMs, nowMs() >= first + NodeLimits.stateSyncOfferGraceMs else { return }
            let supporters = { (digest: Hash) in peers.values.filter { $0.offer == digest }.count }
            let ranked = offers.sorted { a, b in
                if a.value.height != b.value.height { return a.value.height > b.value.height }
                let (left, right) = (supporters(a.key), supporters(b.key))
                if left != right { return left > right }
                return a.key.bytes.lexicographicallyPrecedes(b.key.bytes)
            }
            guard let best = ranked.first else { return }
            try await session.begin(best.value)
            chosen = (best.key, best.value)
            pending = Array(best.value.chunks.indices)
            logger.info(
                "state sync: fetching a snapshot",
                metadata: [
                    "height": "\(best.value.height)", "chunks": "\(best.value.chunks.count)", "bytes": "\(best.value.stateBytes)",
                    "sources": "\(supporters(best.key))",
                ])
        }

        func restartIfAbandoned() async throws {
            guard let current = chosen, !peers.values.contains(where: { $0.offer == current.digest }),
                peers.values.contains(where: { $0.offer != nil })
            else { return }
            logger.warning(
                "state sync: no peer serves the chosen snapshot any more; starting over with the latest offered",
                metadata: ["height": "\(current.manifest.height)"])
            await session.abandon()
            session = try await SnapshotRestoreSession.open(dataDirectory: configuration.dataDirectory, genesis: genesis)
            let offered = Set(peers.values.compactMap(\.offer))
            offers = offers.filter { offered.contains($0.key) }
            chosen = nil
            pending = []
            inFlight = [:]
            attempts = [:]
            refusedBy = [:]
            for name in peers.keys { peers[name]?.inFlight = 0 }
            firstOfferMs = 0
        }

        for await input in inputs {
            switch input {
            case .tick:
                try await restartIfAbandoned()
                if chosen == nil && firstOfferMs == nil && nowMs() > NodeLimits.stateSyncOfferWaitMs {
                    throw StateSyncError.noSnapshot(waitedMs: nowMs(), peers: peers.count)
                }
                // Peers with nothing to offer yet are asked again: a snapshot may appear at the next interval.
                for (name, peer) in peers where peer.offer == nil && nowMs() >= peer.lastAskedMs + 2_000 {
                    peers[name]?.lastAskedMs = nowMs()
                    send(.snapshotManifestRequest, to: peer.link)
                }
                for (index, request) in inFlight where nowMs() > request.deadlineMs {
                    logger.warning("state sync: chunk request timed out", metadata: ["chunk": "\(index)", "peer": "\(request.peer)"])
                    peers[request.peer]?.inFlight -= 1
                    requeue(index, refusedBy: request.peer)
                }
            case .peer(.linkUp(let link)):
                let name = link.identity.nodeName
                if peers[name] == nil {
                    peers[name] = Peer(link: link, lastAskedMs: nowMs())
                    send(.snapshotManifestRequest, to: link)
                }
            case .peer(.linkDown(let link, _)):
                let name = link.identity.nodeName
                guard peers[name]?.link.id == link.id else { break }
                peers[name] = nil
                for (index, request) in inFlight where request.peer == name { requeue(index, refusedBy: name) }
            case .peer(.refused(let remote, let refusal)):
                logger.warning("state sync: peer refused", metadata: ["remote": "\(remote)", "reason": "\(refusal)"])
            case .peer(.message(let link, let buffer)):
                let name = link.identity.nodeName
                guard let message = try? PeerMessage(canonicalBytes: Array(buffer.readableBytesView)) else { break }
                switch message {
                case .snapshotManifest(let bytes) where !bytes.isEmpty:
                    do {
                        let manifest = try SnapshotManifest(canonicalBytes: bytes)
                        let digest = manifest.digest
                        if offers[digest] == nil {
                            // Off the cooperative pool: it checks every certificate since genesis.
                            try await SnapshotRestoreWork.run { try manifest.verify(genesis: genesis) }
                            offers[digest] = manifest
                        }
                        peers[name]?.offer = digest
                        if firstOfferMs == nil { firstOfferMs = nowMs() }
                    } catch {
                        logger.warning("state sync: rejected a snapshot manifest", metadata: ["peer": "\(name)", "reason": "\(error)"])
                    }
                case .snapshotChunk(let height, let index, let bytes):
                    guard let current = chosen, height == current.manifest.height, let request = inFlight[Int(index)], request.peer == name
                    else { break }
                    peers[name]?.inFlight -= 1
                    inFlight[Int(index)] = nil
                    guard !bytes.isEmpty else {
                        // The peer dropped that snapshot: it is no source any more.
                        peers[name]?.offer = nil
                        requeue(Int(index), refusedBy: name)
                        break
                    }
                    do {
                        try await session.accept(index: Int(index), bytes: bytes)
                        fetchedBytes += UInt64(bytes.count)
                    } catch {
                        guard case .chunkRejected(let height, let index, let reason) = error else { throw error }
                        logger.warning(
                            "state sync: rejected a snapshot chunk",
                            metadata: ["peer": "\(name)", "height": "\(height)", "chunk": "\(index)", "reason": "\(reason)"])
                        requeue(index, refusedBy: name)
                    }
                    if session.isComplete {
                        logger.info(
                            "state sync: every chunk verified and written",
                            metadata: [
                                "height": "\(current.manifest.height)", "bytes": "\(fetchedBytes)", "rejected": "\(session.rejectedChunks)",
                                "elapsedMs": "\(nowMs())",
                            ])
                        return (current.manifest.height, session)
                    }
                default: break
                }
            }
            try await choose()
            try schedule()
        }
        throw StateSyncError.noSnapshot(waitedMs: nowMs(), peers: peers.count)
    }
}
