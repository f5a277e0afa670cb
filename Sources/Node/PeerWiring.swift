import ChainTypes
import Consensus
import Dispatch
import Foundation
import Ledger
import Logging
import NIOCore
import PeerNetwork
import Synchronization
import X509

/// Sends peer messages over the `PeerHost`'s open links, by validator name.
struct LinkTransport: PeerTransport {
    let host: PeerHost
    let logger: Logger

    func send(_ message: PeerMessage, to name: String) {
        guard let link = host.openLinks.first(where: { $0.identity.nodeName == name }) else { return }
        link.send(Self.frame(message))
    }

    /// Sends once to each connected peer: both nodes of a pair dial each other, so two links may be open
    /// to the same peer; the oldest carries the traffic and the other stands by.
    func broadcast(_ message: PeerMessage) {
        let frame = Self.frame(message)
        var seen = Set<String>()
        for link in host.openLinks where seen.insert(link.identity.nodeName).inserted { link.send(frame) }
    }

    static func frame(_ message: PeerMessage) -> ByteBuffer { ByteBuffer(bytes: message.canonicalBytes) }
}

/// Turns peer events into driver events: decodes frames, checks signatures on every core, feeds gossip
/// to the mempool, and disconnects a peer that sends bytes that are not a message.
final class PeerIntake: Sendable {
    let driver: ReplicaDriver
    let mempool: Mempool
    let signer: ConsensusSigner
    let activity: PeerActivity
    let validators: @Sendable () -> ValidatorSet
    let logger: Logger
    private let verifyQueue = DispatchQueue(label: "sbp.verify", attributes: .concurrent)
    /// One serial queue per peer for its gossip, on the concurrent queue: a peer sends a sender's
    /// transactions in nonce order, and admitting two of its messages at once could put nonce n + 1
    /// before n, which the mempool refuses as a gap (and only a re-gossip seconds later would repair).
    private let gossipQueues: KeyedSerialQueues

    init(
        driver: ReplicaDriver, mempool: Mempool, signer: ConsensusSigner, activity: PeerActivity,
        validators: @escaping @Sendable () -> ValidatorSet, logger: Logger
    ) {
        self.driver = driver
        self.mempool = mempool
        self.signer = signer
        self.activity = activity
        self.validators = validators
        self.logger = logger
        gossipQueues = KeyedSerialQueues(label: "sbp.gossip", target: verifyQueue)
    }

    func handle(_ event: PeerEvent) {
        switch event {
        case .linkUp(let link):
            logger.info("peer connected", metadata: ["peer": "\(link.identity)", "direction": "\(link.direction)"])
        case .linkDown(let link, let reason):
            logger.info("peer disconnected", metadata: ["peer": "\(link.identity)", "reason": "\(reason)"])
        case .refused(let remote, let refusal):
            logger.warning("peer refused", metadata: ["remote": "\(remote)", "reason": "\(refusal)"])
        case .message(let link, var buffer):
            activity.messageArrived(from: link.identity.nodeName)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            let message: PeerMessage
            do {
                message = try PeerMessage(canonicalBytes: bytes)
            } catch {
                logger.warning("closing link: undecodable message", metadata: ["peer": "\(link.identity)", "error": "\(error)"])
                link.close(reason: .protocolViolation("undecodable message: \(error)"))
                return
            }
            switch message {
            case .consensus(let consensus):
                verifyQueue.async { [self] in
                    preverify(consensus)
                    driver.post(.message(consensus))
                }
            case .gossip(let bytes):
                let transactions: [Transaction]
                do {
                    transactions = try MempoolGossip().transactions(in: bytes)
                } catch {
                    logger.warning("closing link: undecodable gossip", metadata: ["peer": "\(link.identity)", "error": "\(error)"])
                    link.close(reason: .protocolViolation("undecodable gossip: \(error)"))
                    return
                }
                gossipQueues.queue(for: link.identity.nodeName).async { [self] in
                    var added = false
                    for transaction in transactions {
                        if case .success(.added) = mempool.add(transaction, origin: .peer) { added = true }
                    }
                    if added { driver.post(.transactionsArrived) }
                }
            }
        }
    }

    /// Checks the outer signature of a consensus message ahead of the replica (DESIGN §3).
    private func preverify(_ message: Message) {
        let set = validators()
        let chainId = driver.chainId
        func check<Payload: SignablePayload>(_ signed: Signed<Payload>) {
            guard Int(signed.signer) < set.count else { return }
            signer.preverify(
                signed.signature, digest: signed.payload.signingDigest(chainId: chainId), key: set.validators[Int(signed.signer)].publicKey)
        }
        switch message {
        case .prePrepare(let signed, _): check(signed)
        case .prepare(let signed): check(signed)
        case .commit(let signed): check(signed)
        case .checkpoint(let signed): check(signed)
        case .viewChange(let signed): check(signed)
        case .newView(let signed): check(signed)
        case .fetchBlocks, .blocks: break
        }
    }
}

/// Serial dispatch queues by key on one shared target: work for one key runs in submission order, work
/// for different keys runs in parallel on the target's threads.
final class KeyedSerialQueues: Sendable {
    private let label: String
    private let target: DispatchQueue
    private let queues = Mutex<[String: DispatchQueue]>([:])

    init(label: String, target: DispatchQueue) {
        self.label = label
        self.target = target
    }

    /// The queue of `key`, made on first use. Keys are peer names, so there are few.
    func queue(for key: String) -> DispatchQueue {
        queues.withLock { queues in
            if let queue = queues[key] { return queue }
            let queue = DispatchQueue(label: "\(label).\(key)", target: target)
            queues[key] = queue
            return queue
        }
    }
}
