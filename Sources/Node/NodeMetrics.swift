import CoreMetrics
import Ledger
import Prometheus
import RPCServer
import Synchronization

/// The node's Prometheus metrics (`/metrics`), recorded through swift-metrics into its own registry.
///
/// Each node owns a registry and passes its factory explicitly, so several nodes in one process (tests)
/// never share counters and nothing depends on a process-wide `MetricsSystem.bootstrap`.
final class NodeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let blocks: CoreMetrics.Counter
    private let transactions: CoreMetrics.Counter
    private let failedTransactions: CoreMetrics.Counter
    private let height: CoreMetrics.Gauge
    private let view: CoreMetrics.Gauge
    private let viewChanges: CoreMetrics.Gauge
    private let peers: CoreMetrics.Gauge
    private let mempoolTransactions: CoreMetrics.Gauge
    private let mempoolBytes: CoreMetrics.Gauge
    private let mempoolFutureTransactions: CoreMetrics.Gauge
    /// Transactions that left the mempool since the node started, one series per `MempoolEviction` reason.
    private let mempoolEvicted: [MempoolEviction: CoreMetrics.Gauge]
    private let droppedFrames: CoreMetrics.Gauge
    private let failedSends: CoreMetrics.Gauge
    private let versionRefusals: CoreMetrics.Gauge
    private let oldestStateHeight: CoreMetrics.Gauge
    private let intakeDropped: CoreMetrics.Gauge
    private let fetchRequestsRefused: CoreMetrics.Gauge
    /// Transferred blocks refused (a faulty validator or observer served blocks that do not hold together).
    private let transferredBlocksRefused: CoreMetrics.Gauge
    private let badSignatureDisconnects: CoreMetrics.Gauge
    private let syncing: CoreMetrics.Gauge
    private let webSocketConnections: CoreMetrics.Gauge
    private let webSocketConnectionsRefused: CoreMetrics.Gauge
    private let webSocketSlowClients: CoreMetrics.Gauge
    private let webSocketNotificationsQueued: CoreMetrics.Gauge
    private let rpcConnections: CoreMetrics.Gauge
    private let rpcConnectionsRefused: CoreMetrics.Gauge
    private let peerInboundConnections: CoreMetrics.Gauge
    private let peerInboundConnectionsRefused: CoreMetrics.Gauge
    private let certificateExpirySeconds: CoreMetrics.Gauge
    private let peerCertificateExpirySeconds: CoreMetrics.Gauge

    init() {
        let factory = PrometheusMetricsFactory(registry: registry)
        blocks = Counter(label: "sbp_blocks_committed_total", factory: factory)
        transactions = Counter(label: "sbp_transactions_committed_total", factory: factory)
        failedTransactions = Counter(label: "sbp_transactions_failed_total", factory: factory)
        height = Gauge(label: "sbp_block_height", factory: factory)
        view = Gauge(label: "sbp_consensus_view", factory: factory)
        viewChanges = Gauge(label: "sbp_consensus_view_changes", factory: factory)
        peers = Gauge(label: "sbp_peers_connected", factory: factory)
        mempoolTransactions = Gauge(label: "sbp_mempool_transactions", factory: factory)
        mempoolBytes = Gauge(label: "sbp_mempool_bytes", factory: factory)
        mempoolFutureTransactions = Gauge(label: "sbp_mempool_future_transactions", factory: factory)
        mempoolEvicted = Dictionary(
            uniqueKeysWithValues: MempoolEviction.allCases.map { reason in
                (reason, Gauge(label: "sbp_mempool_evicted", dimensions: [("reason", reason.rawValue)], factory: factory))
            })
        droppedFrames = Gauge(label: "sbp_peer_frames_dropped", factory: factory)
        failedSends = Gauge(label: "sbp_peer_sends_failed", factory: factory)
        versionRefusals = Gauge(label: "sbp_peer_protocol_version_refusals", factory: factory)
        oldestStateHeight = Gauge(label: "sbp_state_oldest_height", factory: factory)
        intakeDropped = Gauge(label: "sbp_peer_inbound_dropped", factory: factory)
        fetchRequestsRefused = Gauge(label: "sbp_peer_fetch_requests_refused", factory: factory)
        transferredBlocksRefused = Gauge(label: "sbp_state_transfer_blocks_refused", factory: factory)
        badSignatureDisconnects = Gauge(label: "sbp_peer_bad_signature_disconnects", factory: factory)
        syncing = Gauge(label: "sbp_syncing", factory: factory)
        webSocketConnections = Gauge(label: "sbp_rpc_websocket_connections", factory: factory)
        webSocketConnectionsRefused = Gauge(label: "sbp_rpc_websocket_connections_refused", factory: factory)
        webSocketSlowClients = Gauge(label: "sbp_rpc_websocket_slow_clients", factory: factory)
        webSocketNotificationsQueued = Gauge(label: "sbp_rpc_websocket_notifications_queued", factory: factory)
        rpcConnections = Gauge(label: "sbp_rpc_connections", factory: factory)
        rpcConnectionsRefused = Gauge(label: "sbp_rpc_connections_refused", factory: factory)
        peerInboundConnections = Gauge(label: "sbp_peer_inbound_connections", factory: factory)
        peerInboundConnectionsRefused = Gauge(label: "sbp_peer_inbound_connections_refused", factory: factory)
        certificateExpirySeconds = Gauge(label: "sbp_tls_certificate_expiry_seconds", factory: factory)
        peerCertificateExpirySeconds = Gauge(label: "sbp_peer_certificate_expiry_seconds_min", factory: factory)
    }

    func blockFinalized(_ executed: ExecutedBlock) {
        blocks.increment()
        transactions.increment(by: executed.receipts.count)
        failedTransactions.increment(by: executed.receipts.filter { $0.status != .success }.count)
        height.record(Int64(executed.height))
    }

    /// Seconds until this node's TLS certificate (or its CA) expires, and until the first connected peer's does.
    func certificateExpiry(ownSecondsLeft: Double, nearestPeerSecondsLeft: Double?) {
        certificateExpirySeconds.record(Self.wholeSeconds(ownSecondsLeft))
        if let nearestPeerSecondsLeft { peerCertificateExpirySeconds.record(Self.wholeSeconds(nearestPeerSecondsLeft)) }
    }

    /// Seconds as an integer, clamped to ±10^15 (certificate dates come from outside; never trap).
    static func wholeSeconds(_ seconds: Double) -> Int64 {
        guard seconds.isFinite else { return 0 }
        return Int64(max(-1e15, min(1e15, seconds)).rounded(.down))
    }

    /// The text exposition, with the gauges that are sampled rather than counted brought up to date.
    func render(node: NodeRuntime, webSocket: WebSocketStatistics?, connections: RPCConnectionStatistics? = nil) -> String {
        let status = node.driver.status.withLock { $0 }
        // Sampled too, so a restarted node reports its height before its first new block.
        height.record(Int64(node.ledger.height))
        view.record(Int64(status.view))
        viewChanges.record(Int64(status.viewChanges))
        syncing.record(status.syncing ? 1 : 0)
        transferredBlocksRefused.record(Int64(clamping: status.refusedTransferredBlocks))
        peers.record(Int64(node.peers().count))
        mempoolTransactions.record(Int64(node.mempool.count))
        mempoolBytes.record(Int64(node.mempool.bytes))
        let mempool = node.mempool.metrics
        mempoolFutureTransactions.record(Int64(mempool.futureTransactions))
        for (reason, gauge) in mempoolEvicted { gauge.record(Int64(clamping: mempool.evicted[reason] ?? 0)) }
        droppedFrames.record(Int64(node.host.droppedFrameCount))
        failedSends.record(Int64(node.host.failedSendCount))
        versionRefusals.record(Int64(node.host.versionRefusalCount))
        let inbound = node.host.inboundConnections
        peerInboundConnections.record(Int64(inbound.open))
        peerInboundConnectionsRefused.record(Int64(clamping: inbound.refused))
        if let connections {
            rpcConnections.record(Int64(connections.open))
            rpcConnectionsRefused.record(Int64(clamping: connections.refused))
        }
        oldestStateHeight.record(Int64(clamping: node.pruner?.oldestStateHeight.load(ordering: .relaxed) ?? 0))
        intakeDropped.record(Int64(node.intake.counters.framesDropped.load(ordering: .relaxed) + node.driver.droppedEventCount))
        fetchRequestsRefused.record(Int64(node.intake.counters.fetchRequestsRefused.load(ordering: .relaxed)))
        badSignatureDisconnects.record(Int64(node.intake.counters.badSignatureDisconnects.load(ordering: .relaxed)))
        if let webSocket {
            webSocketConnections.record(Int64(webSocket.connections))
            webSocketConnectionsRefused.record(Int64(webSocket.connectionsRefused))
            webSocketSlowClients.record(Int64(webSocket.slowClientsDisconnected))
            webSocketNotificationsQueued.record(Int64(clamping: webSocket.notificationsQueued))
        }
        return registry.emitToString()
    }
}
