import ChainTypes
import Ledger
import RPCServer

/// The node's answers to JSON-RPC: the `RPCBackend` over the ledger, mempool and replica driver.
struct NodeRPCBackend: RPCBackend {
    let node: NodeRuntime

    func nodeStatus() async throws(RPCBackendError) -> NodeStatus {
        let status = node.driver.status.withLock { $0 }
        return NodeStatus(
            chainId: node.ledger.genesis.chainId, nodeId: node.configuration.nodeName, latestHeight: status.height,
            latestHash: status.hash, view: status.view, peersConnected: node.connectedPeers.count,
            syncing: status.syncing || status.halted != nil)
    }

    func isReady() async -> Bool { node.isReady }

    func submitTransaction(_ transaction: Transaction) async throws(RPCBackendError) -> TransactionSubmission {
        if node.driver.status.withLock({ $0.halted }) != nil { return .rejected(.unavailable("the node has halted")) }
        switch node.mempool.add(transaction, origin: .local) {
        case .success(let outcome):
            if outcome == .added {
                node.driver.post(.transactionsArrived)
                node.gossipPending()
            }
            return .accepted
        case .failure(.duplicate):
            return .accepted  // idempotent: a client may resend after a lost response
        case .failure(let rejection):
            return .rejected(Self.rpcRejection(rejection, transaction: transaction))
        }
    }

    func receipt(forTransaction hash: Hash) async throws(RPCBackendError) -> CommittedReceipt? {
        do {
            let view = try node.ledger.view()
            guard let (receipt, location) = try view.receipt(hash), let block = try view.block(at: location.height) else { return nil }
            return CommittedReceipt(receipt: receipt, height: location.height, index: location.index, blockHash: block.hash)
        } catch {
            throw .internalFailure("\(error)")
        }
    }

    func block(atHeight height: UInt64) async throws(RPCBackendError) -> Block {
        do {
            let view = try node.ledger.view()
            guard let block = try view.block(at: height) else {
                throw RPCBackendError.unknownBlock(height: height, latestHeight: view.height)
            }
            return block
        } catch let error as RPCBackendError {
            throw error
        } catch {
            throw .internalFailure("\(error)")
        }
    }

    /// The RPC form of a mempool or ledger rejection (`tx_send` error −32000 with `data.reason`).
    static func rpcRejection(_ rejection: MempoolRejection, transaction: Transaction) -> RPCRejection {
        switch rejection {
        case .full, .duplicate: return .mempoolFull
        case .rejected(let ledgerRejection):
            switch ledgerRejection {
            case .badSignature: return .invalidSignature
            case .wrongChain(let expected, let received): return .wrongChain(expected: expected, received: received)
            case .unknownSender(let address): return .unknownSender(address)
            case .nonceTooLow(let expected, let received): return .nonceTooLow(expected: expected, received: received)
            case .nonceGap(let expected, let received): return .nonceTooHigh(expected: expected, received: received)
            case .expired(let expiryHeight, let height): return .expired(expiryHeight: expiryHeight, latestHeight: height)
            case .fuelLimitTooHigh(let limit, let blockLimit): return .fuelLimitTooHigh(fuelLimit: limit, maximum: blockLimit)
            case .senderSuspended, .departmentRemoved, .roleNotAllowed, .tooLarge, .malformedPayload, .notAllowed, .blockFuelExhausted:
                return .notPermitted(sender: transaction.body.sender, reason: ledgerRejection.description)
            }
        }
    }
}
