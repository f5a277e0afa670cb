import ChainTypes

/// Bounds of the RPC server (DESIGN §1.4): body size, batch size, JSON nesting.
///
/// The configurable ones are defaults for `RPCServerConfiguration`; `RPCLimitsTests` checks that they fit
/// together (a body can carry the largest transaction as hex, a batch of the largest allowed size fits).
public enum RPCLimits {
    /// Default largest HTTP request body accepted on POST `/`; larger bodies get HTTP 413.
    ///
    /// Big enough for a batch of a few largest transactions in hex (`Limits.transactionBytesMax` × 2 each).
    public static let requestBodyBytesMaxDefault = 4 * 1024 * 1024
    /// Bytes of a request body the server reads and drops after answering before the end of the body (413 for a
    /// body over the limit, a refused host, media type or rate; `RequestBodyReader`), so a client that writes
    /// its whole body before reading gets the answer. Sixteen times the default body limit: a client that
    /// sends a large contract or batch by mistake is told so; past it, the connection is left to its idle
    /// timeout, and reading the rest costs the node no more than reading a request it serves.
    public static let unreadBodyBytesReadMax = 16 * requestBodyBytesMaxDefault
    /// Default largest number of requests in one batch; a larger batch gets one −32004 error.
    public static let batchRequestsMaxDefault = 100
    /// Array and object nesting the JSON parser accepts; deeper text is a parse error.
    public static let jsonDepthMax = 64
    /// The longest method name looked up; longer names are "method not found" without a lookup.
    public static let methodNameBytesMax = 128
    /// The longest backup directory path `node_backup` accepts (Linux's `PATH_MAX`).
    public static let backupPathBytesMax = 4_096
    /// Hex characters of one `tx_send` transaction: two per byte of the largest encoded transaction, plus `0x`.
    public static let transactionHexCharactersMax = 2 * Limits.transactionBytesMax + 2
    /// Largest `u64` written as a JSON number: 2^53 − 1, the largest integer every JSON reader
    /// (JavaScript's `Number.MAX_SAFE_INTEGER`) holds exactly. Larger values are written as decimal strings.
    public static let jsonSafeIntegerMax: UInt64 = (1 << 53) - 1

    // MARK: Explorer methods

    /// Items one page of a list method (`tx_search`, `events_query`, `governance_getProposals`) may hold.
    public static let pageItemsMax = 100
    /// Items a page holds when the call gives no `limit`.
    public static let pageItemsDefault = 20
    /// Headers one `chain_getHeaders` call returns (its `from`…`to` range, inclusive).
    public static let headersMax = 100
    /// Blocks a search without an index (`tx_search` without `sender`, `events_query` without `contracts`)
    /// reads in one call; when it runs out the page ends early with a `nextCursor` to continue from.
    public static let searchScanBlocksMax: UInt64 = 1_000
    /// Index entries a search reads in one call before it ends the page early with a `nextCursor`.
    public static let searchScanEntriesMax = 10_000
    /// Contracts and topics one `events_query` filter may name.
    public static let eventFilterContractsMax = 16
    public static let eventFilterTopicsMax = 16
    /// Longest cursor string accepted; every cursor the server writes is shorter.
    public static let cursorCharactersMax = 64
    /// Longest contract storage key `state_get` and `state_getProof` accept (the VM's own key limit).
    public static let storageKeyBytesMax = 256
    /// Longest licence or certificate id `records_get*` accept.
    public static let recordIdBytesMax = 256
    /// Bytes of a department id in a request (`membership_listAccounts`); ids on chain are far shorter.
    public static let departmentIdBytesMax = 64
    /// Arguments one `contract_call` with `{method, args}` may pass.
    public static let contractCallArgumentsMax = 32
    /// Longest `tx_sendAndWait` wait, in milliseconds.
    ///
    /// Half the server's default keep-alive idle time (60 s), so a waiting request never outlives its
    /// connection; batches run sequentially, so one waiting call delays the rest of its batch.
    public static let sendAndWaitTimeoutMsMax: UInt64 = 30_000
    /// The wait when the call gives no `timeoutMs`.
    public static let sendAndWaitTimeoutMsDefault: UInt64 = 10_000
    /// How often `tx_sendAndWait` looks for the receipt when the node does not announce finalized blocks.
    public static let sendAndWaitPollIntervalMs: UInt64 = 50
    /// How often it looks anyway when the node announces them (`ChainHead`): a safety net, not the signal.
    public static let sendAndWaitAnnouncedPollIntervalMs: UInt64 = 1_000

    // MARK: Cost budgets (RPCCost)

    /// Fuel of one read-only contract call (`contract_call`, `records_get*`): the ledger's query limit.
    public static let queryFuelMax: UInt64 = 10_000_000
    /// Default blocks one request may read by its calls' declared costs: ten unindexed searches.
    public static let batchBlocksMaxDefault: UInt64 = 10 * searchScanBlocksMax
    /// Default contract fuel one request may burn: five read-only calls at the query limit.
    public static let batchFuelMaxDefault: UInt64 = 5 * queryFuelMax
    /// Default bytes of one request's response, a batch's together.
    ///
    /// Room for one block of `Limits.blockBytesMax` with full transactions (hex doubles the bytes, JSON
    /// adds field names), and no more: a batch of such blocks gets −32004 for the entries past it.
    public static let responseBytesMaxDefault = 4 * Limits.blockBytesMax

    // MARK: Per-client limits (RPCClientLimiter)

    /// Default calls (batch entries each count) one client address may make per second, sustained.
    ///
    /// Far above what an explorer or wallet needs, far below what the node can answer when the calls are
    /// searches: with `clientConcurrentRequestsMaxDefault` it keeps one client from taking every core.
    public static let clientRequestsPerSecondDefault = 2_000
    /// Default calls one client may make at once after being idle: fifty full batches (a submitter's
    /// window of a few thousand transactions goes through without a pause).
    public static let clientRequestsBurstDefault = 5_000
    /// Default HTTP requests and WebSocket messages of one client answered at the same time.
    public static let clientConcurrentRequestsMaxDefault = 16
    /// Default threads that run backend storage and VM work (`RPCWorkExecutor`), off the cooperative pool.
    public static let workThreadsDefault = 2
    /// Default backend calls admitted at once (running or queued); one more is −32007 (busy).
    public static let workAdmissionsMaxDefault = 256
    /// Default niceness of those threads: clients' admissions and reads yield a busy machine's cores to
    /// the replica driver (issue 18; `RPCWorkExecutor.init`).
    public static let workThreadNicenessDefault: Int32 = 10
    /// Longest API token accepted in `[rpc]` `api_tokens` and in an `Authorization: Bearer` header.
    public static let apiTokenBytesMax = 256
    /// Fewest bytes of a configured API token: shorter ones are guessable.
    public static let apiTokenBytesMin = 16
    /// The wait a busy node (every work admission taken) advises, in milliseconds.
    public static let busyRetryAfterMs: UInt64 = 1_000
    /// Client addresses whose buckets are remembered; when full, idle ones are forgotten first, and a new
    /// client is refused (−32007) only while every remembered one has work in flight.
    public static let clientsTrackedMax = 4_096

    // MARK: WebSocket

    /// Default subscriptions one WebSocket connection may hold; one more `subscribe` is −32004.
    public static let subscriptionsPerConnectionMaxDefault = 16
    /// Default WebSocket connections served at once; one more is closed at once with code 1013.
    public static let webSocketConnectionsMaxDefault = 256
    /// TCP connections the server keeps open at once (`RPCConnectionCap`): each holds a file descriptor of
    /// the node, whose budget counts this bound (`FileDescriptorBudget`). Room for every WebSocket client
    /// and as many HTTP clients again.
    public static let connectionsMaxDefault = 2 * webSocketConnectionsMaxDefault
    /// Connections one client address may keep open at once: a wallet or an explorer needs a few, a proxy
    /// that fronts many users more (raise it for one, as `clientConcurrentRequestsMaxDefault`).
    public static let clientConnectionsMaxDefault = 64
    /// Full-size request bodies held at once over all requests (`RPCBodyBudget`): 256 MiB at the default
    /// body size, a quarter of a node's memory; every usual request is far smaller than the bound, so this
    /// only binds when many clients send large bodies slowly.
    public static let requestBodiesInFlightMaxDefault = 64
    /// Largest WebSocket frame read from a client; a larger one closes the connection with 1009. A message up to
    /// `requestBodyBytesMax` still arrives in several frames (fragments).
    ///
    /// Why: SwiftNIO's frame decoder holds a frame until its last byte has arrived, before the session sees any
    /// of it, so no budget covers a frame in transit. With frames as large as the body bound (4 MiB), clients at
    /// a few addresses sending large frames slowly held 4 MiB on each of `webSocketConnectionsMaxDefault`
    /// connections: 1 GiB (measured: 64 connections from one address raised a node's resident memory by 280 MB).
    /// At 768 KiB that is 192 MiB in all, and a `tx_send` of the largest transaction (`transactionHexCharactersMax`)
    /// still fits one frame, as clients that never fragment (browsers) send it.
    public static let webSocketFrameBytesMax = 768 * 1024
    /// Default responses and notifications queued for one connection before its backlog counts as full.
    public static let webSocketBacklogMessagesMaxDefault = 1_024
    /// Default bytes queued for one connection before its backlog counts as full.
    public static let webSocketBacklogBytesMaxDefault = 8 * 1024 * 1024
    /// Default bytes all connections' backlogs may hold together (`WebSocketConnections.backlogShare`): an
    /// eighth of a node's memory of 1 GiB. One connection alone still gets `webSocketBacklogBytesMaxDefault`.
    public static let webSocketBacklogBytesTotalDefault = 128 * 1024 * 1024
    /// The least a connection's share of the total is, however many are open: room for dozens of notifications,
    /// so a replay still moves in batches, while 256 connections' floors come to 16 MiB.
    public static let webSocketBacklogShareBytesMin = 64 * 1024
    /// Items a subscription reads per page while it replays history. A subscription holds what it has read
    /// until its connection's backlog has room, so this bounds what every subscription of every connection
    /// (256 × 16 by default) holds outside the backlogs: 16 headers of about 1 KB each.
    public static let subscriptionPageItemsMax = 16
    /// Bytes of events a subscription's page holds at most besides its first event (each counted as
    /// `eventPageBytes`): with the largest events (16 KiB of data, twice that as hex) a page is cut after one
    /// or two, not sixteen.
    public static let subscriptionPageBytesMax = 64 * 1024
    /// What one event counts for against `subscriptionPageBytesMax`: its data as hex in `data` and again in
    /// decoded fields, and the record's other fields.
    public static func eventPageBytes(dataBytes: Int) -> Int { 4 * dataBytes + 512 }
    /// Default finalized blocks a connection's backlog may stay full (until half of it is read) before the
    /// client counts as too slow and is disconnected with a farewell.
    public static let webSocketStalledBlocksMaxDefault: UInt64 = 64
    /// Default time a client told it is too slow has to read the farewell before the connection is cut.
    public static let webSocketFarewellTimeoutDefault: Duration = .seconds(10)
    /// Default interval of the server's WebSocket pings; a client that does not answer one is disconnected.
    public static let webSocketPingIntervalDefault: Duration = .seconds(30)
    /// Longest subscription id `unsubscribe` accepts; every id the server writes is shorter.
    public static let subscriptionIdCharactersMax = 18
    /// WebSocket close reasons are at most 123 bytes (RFC 6455 §5.5: control frames carry 125 bytes).
    public static let closeReasonBytesMax = 123
}
