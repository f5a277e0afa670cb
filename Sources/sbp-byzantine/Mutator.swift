import ChainTypes
import Consensus
import Foundation
import Keys
import Logging
import Node
import Simulation
import Synchronization

/// Mutates a validator's outgoing consensus messages from a seed, the way ByzzFuzz (OOPSLA 2023) does:
/// small-scope changes to any field of a message its sender signs with its own valid key.
///
/// Each message is sent unchanged or, with `mutatePercent` probability, one of: dropped; an integer field
/// set to an extreme (0, 1, 2^32, 2^63, 2^64−1) or shifted by a few views or heights; its digest replaced
/// (equivocation); a transaction signature altered in a block it carries or serves; a proposal dated far in
/// the future; sent many times (a flood); or followed by unsolicited state-transfer replies. Mutated payloads
/// are signed again with the node's own key, so they pass the signature check and reach the checks behind it.
final class Mutator: Sendable {
    static let extremes: [UInt64] = [0, 1, 1 << 32, 1 << 63, .max]
    /// Copies of a message in a flood.
    static let floodCopies = 64

    private struct State {
        var random: SimulationRandom
        /// The last state-transfer reply this node sent, replayed unsolicited.
        var lastBlocks: [CommittedBlock] = []
    }

    private let state: Mutex<State>
    private let key: PrivateKey
    private let chainId: String
    private let mutatePercent: UInt64
    private let logger: Logger

    init(seed: UInt64, key: PrivateKey, chainId: String, mutatePercent: Int, logger: Logger) {
        state = Mutex(State(random: SimulationRandom(seed: seed)))
        self.key = key
        self.chainId = chainId
        self.mutatePercent = UInt64(max(0, min(100, mutatePercent)))
        self.logger = logger
    }

    /// The messages to send in place of `message`.
    func rewrite(_ message: Message) -> [Message] {
        let (kind, output) = state.withLock { state -> (String?, [Message]) in
            if case .blocks(let blocks) = message { state.lastBlocks = blocks }
            guard state.random.below(100) < mutatePercent else { return (nil, [message]) }
            let (kind, output) = mutate(message, state: &state)
            return (kind, output)
        }
        if let kind { logger.info("byzantine mutation", metadata: ["mutation": "\(kind)", "message": "\(message.kind)"]) }
        return output
    }

    private func mutate(_ message: Message, state: inout State) -> (String, [Message]) {
        switch state.random.below(8) {
        case 0: return ("drop", [])
        case 1:
            let value = Self.extremes[Int(state.random.below(UInt64(Self.extremes.count)))]
            return ("extreme \(value)", [withNumber(message, field: state.random.below(2)) { _ in value }])
        case 2:
            let delta = state.random.below(7)
            return ("shift \(Int(delta) - 3)", [withNumber(message, field: state.random.below(2)) { $0 &+ delta &- 3 }])
        case 3: return ("equivocate", [withDigest(message, Hash.sha256(Self.bytes(32, from: &state.random)))])
        case 4:
            return (
                "alter transaction signature", [withAlteredSignature(message, digest: Hash.sha256(Self.bytes(32, from: &state.random)))]
            )
        case 5:
            let far: UInt64 = state.random.below(2) == 0 ? .max : UInt64(Date().timeIntervalSince1970 * 1000) + 10 * 86_400_000
            return ("timestamp \(far)", [withTimestamp(message, far)])
        case 6: return ("flood", Array(repeating: message, count: Self.floodCopies))
        default:
            let from = Self.extremes[Int(state.random.below(UInt64(Self.extremes.count)))]
            var unsolicited: [Message] = [
                .fetchBlocks(fromHeight: from, requester: UInt16(truncatingIfNeeded: state.random.below(1 << 16)))
            ]
            if !state.lastBlocks.isEmpty { unsolicited.append(.blocks(state.lastBlocks)) }
            return ("unsolicited replies", [message] + unsolicited)
        }
    }

    private func resign<Payload: SignablePayload>(_ signed: Signed<Payload>, _ payload: Payload) -> Signed<Payload> {
        Signed(payload: payload, signer: signed.signer, signature: key.sign(payload.signingDigest(chainId: chainId)))
    }

    /// The message with one of its integer fields (view or height, by `field`) replaced, signed again.
    private func withNumber(_ message: Message, field: UInt64, _ change: (UInt64) -> UInt64) -> Message {
        switch message {
        case .prePrepare(let signed, let block):
            var payload = signed.payload
            if field == 0 { payload.view = change(payload.view) } else { payload.height = change(payload.height) }
            return .prePrepare(resign(signed, payload), block)
        case .prepare(let signed):
            var payload = signed.payload
            if field == 0 { payload.view = change(payload.view) } else { payload.height = change(payload.height) }
            return .prepare(resign(signed, payload))
        case .commit(let signed):
            var payload = signed.payload
            if field == 0 { payload.view = change(payload.view) } else { payload.height = change(payload.height) }
            return .commit(resign(signed, payload))
        case .checkpoint(let signed):
            var payload = signed.payload
            payload.height = change(payload.height)
            return .checkpoint(resign(signed, payload))
        case .viewChange(let signed):
            var payload = signed.payload
            if field == 0 { payload.newView = change(payload.newView) } else { payload.stableHeight = change(payload.stableHeight) }
            return .viewChange(resign(signed, payload))
        case .newView(let signed):
            var payload = signed.payload
            payload.view = change(payload.view)
            return .newView(resign(signed, payload))
        case .fetchBlocks(let fromHeight, let requester):
            return .fetchBlocks(fromHeight: change(fromHeight), requester: requester)
        case .blocks(var blocks):
            guard !blocks.isEmpty else { return message }
            blocks[0].block.header.height = change(blocks[0].block.header.height)
            return .blocks(blocks)
        }
    }

    private func withDigest(_ message: Message, _ digest: Hash) -> Message {
        switch message {
        case .prePrepare(let signed, let block):
            var payload = signed.payload
            payload.digest = digest
            return .prePrepare(resign(signed, payload), block)
        case .prepare(let signed):
            var payload = signed.payload
            payload.digest = digest
            return .prepare(resign(signed, payload))
        case .commit(let signed):
            var payload = signed.payload
            payload.digest = digest
            return .commit(resign(signed, payload))
        case .checkpoint(let signed):
            var payload = signed.payload
            payload.stateRoot = digest
            return .checkpoint(resign(signed, payload))
        default: return message
        }
    }

    /// The message with the first transaction signature of a block it carries altered; the header, the
    /// certificate and the pre-prepare's signature stay those of the original.
    private func withAlteredSignature(_ message: Message, digest: Hash) -> Message {
        let other = key.sign(digest)
        switch message {
        case .prePrepare(let signed, var block):
            guard !block.transactions.isEmpty else { return message }
            block.transactions[0].signature = other
            return .prePrepare(signed, block)
        case .blocks(var blocks):
            guard let index = blocks.firstIndex(where: { !$0.block.transactions.isEmpty }) else { return message }
            blocks[index].block.transactions[0].signature = other
            return .blocks(blocks)
        default: return message
        }
    }

    /// A proposal of this node dated `timestampMs`, with its digest and signature made to match.
    private func withTimestamp(_ message: Message, _ timestampMs: UInt64) -> Message {
        guard case .prePrepare(let signed, var block) = message else { return message }
        block.header.timestampMs = timestampMs
        var payload = signed.payload
        payload.digest = block.hash
        return .prePrepare(resign(signed, payload), block)
    }

    static func bytes(_ count: Int, from random: inout SimulationRandom) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }
}
