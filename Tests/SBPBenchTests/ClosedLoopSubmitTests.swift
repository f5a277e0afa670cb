import ChainTypes
import Keys
import Synchronization
import Testing

@testable import sbp_bench

/// The closed loop's submitter keeps each sender's uncommitted transactions within its window
/// (`NetworkCommand.submit`), whatever nonce the sender's account starts from.
@Suite struct ClosedLoopSubmitTests {
    /// A node that commits nothing until asked for the nonce, then everything sent before that.
    final class Node: SubmitTarget {
        private struct State {
            var sent = 0
            var committed = 0
            var batches: [(count: Int, uncommitted: Int)] = []
        }
        let firstNonce: UInt64
        private let state = Mutex(State())

        init(firstNonce: UInt64) { self.firstNonce = firstNonce }

        /// Each batch's size, and the sender's transactions sent and not committed once it arrived.
        var batches: [(count: Int, uncommitted: Int)] { state.withLock { $0.batches } }

        func nonce(of address: Address) async throws -> UInt64 {
            state.withLock { state in
                state.committed = state.sent
                return firstNonce + UInt64(state.sent)
            }
        }

        func send(_ transactions: [TxSendRequest]) async throws -> (index: Int, reason: String)? {
            state.withLock { state in
                state.sent += transactions.count
                state.batches.append((transactions.count, state.sent - state.committed))
            }
            return nil
        }
    }

    private static func requests(_ count: Int) throws -> [TxSendRequest] {
        let key = PrivateKey()
        let body = TransactionBody(
            chainId: "bench", sender: key.address, nonce: 0, kind: .call, payload: [], fuelLimit: 1, expiryHeight: 1)
        return Array(repeating: TxSendRequest(try Transaction(signing: body, with: key)), count: count)
    }

    @Test("a sender whose nonces start far from zero still waits for its window", arguments: [0, 500_000] as [UInt64])
    func windowFromTheFirstNonce(firstNonce: UInt64) async throws {
        let node = Node(firstNonce: firstNonce)
        let statistics = try await NetworkCommand.submit(
            try Self.requests(10), from: PrivateKey().address, firstNonce: firstNonce, to: node, window: 3)
        #expect(node.batches.map(\.count) == [3, 3, 3, 1])
        #expect(node.batches.allSatisfy { $0.uncommitted <= 3 })
        #expect(statistics.roundTrips.count == 4 && statistics.refusedBatches == 0)
    }

    @Test("the count of committed transactions is relative to the first nonce, never negative")
    func committedCount() {
        #expect(NetworkCommand.committedCount(500_010, firstNonce: 500_000) == 10)
        #expect(NetworkCommand.committedCount(7, firstNonce: 500_000) == 0)
        #expect(NetworkCommand.committedCount(.max, firstNonce: 0) == Int.max)
    }
}
