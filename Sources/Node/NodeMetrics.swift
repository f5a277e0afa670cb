import CoreMetrics
import Ledger
import Prometheus
import RPCServer

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
    private let syncing: CoreMetrics.Gauge
    private let webSocketConnections: CoreMetrics.Gauge
    private let webSocketConnectionsRefused: CoreMetrics.Gauge
    private let webSocketSlowClients: CoreMetrics.Gauge

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
        syncing = Gauge(label: "sbp_syncing", factory: factory)
        webSocketConnections = Gauge(label: "sbp_rpc_websocket_connections", factory: factory)
        webSocketConnectionsRefused = Gauge(label: "sbp_rpc_websocket_connections_refused", factory: factory)
        webSocketSlowClients = Gauge(label: "sbp_rpc_websocket_slow_clients", factory: factory)
    }

    func blockFinalized(_ executed: ExecutedBlock) {
        blocks.increment()
        transactions.increment(by: executed.receipts.count)
        failedTransactions.increment(by: executed.receipts.filter { $0.status != .success }.count)
        height.record(Int64(executed.height))
    }

    /// The text exposition, with the gauges that are sampled rather than counted brought up to date.
    func render(node: NodeRuntime, webSocket: WebSocketStatistics?) -> String {
        let status = node.driver.status.withLock { $0 }
        // Sampled too, so a restarted node reports its height before its first new block.
        height.record(Int64(node.ledger.height))
        view.record(Int64(status.view))
        viewChanges.record(Int64(status.viewChanges))
        syncing.record(status.syncing ? 1 : 0)
        peers.record(Int64(node.peers().count))
        mempoolTransactions.record(Int64(node.mempool.count))
        mempoolBytes.record(Int64(node.mempool.bytes))
        let mempool = node.mempool.metrics
        mempoolFutureTransactions.record(Int64(mempool.futureTransactions))
        for (reason, gauge) in mempoolEvicted { gauge.record(Int64(clamping: mempool.evicted[reason] ?? 0)) }
        droppedFrames.record(Int64(node.host.droppedFrameCount))
        if let webSocket {
            webSocketConnections.record(Int64(webSocket.connections))
            webSocketConnectionsRefused.record(Int64(webSocket.connectionsRefused))
            webSocketSlowClients.record(Int64(webSocket.slowClientsDisconnected))
        }
        return registry.emitToString()
    }
}
