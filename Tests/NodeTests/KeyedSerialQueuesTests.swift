import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Node

/// Gossip from one peer is admitted in the order it arrived (`PeerIntake`), or nonces would leave gaps.
@Suite("Keyed serial queues")
struct KeyedSerialQueuesTests {
    @Test("work for one key runs in submission order, even on a concurrent target")
    func orderPerKey() async {
        let target = DispatchQueue(label: "test.concurrent", attributes: .concurrent)
        let queues = KeyedSerialQueues(label: "test", target: target)
        let seen = Mutex<[String: [Int]]>([:])
        let group = DispatchGroup()
        let keys = ["td-1", "immd-1", "epd-1"]
        for index in 0..<600 {
            let key = keys[index % keys.count]
            queues.queue(for: key).async(group: group) {
                // Uneven work (a blocked thread stands for a slow signature check), so that a concurrent
                // queue would let later items overtake earlier ones.
                if index % 5 == 0 { usleep(200) }
                seen.withLock { $0[key, default: []].append(index) }
            }
        }
        // Wait without blocking a thread of the pool the queues run on.
        await withCheckedContinuation { continuation in group.notify(queue: .global()) { continuation.resume() } }
        let result = seen.withLock { $0 }
        for (offset, key) in keys.enumerated() {
            #expect(result[key] == Array(stride(from: offset, to: 600, by: keys.count)), "\(key) out of order")
        }
        #expect(queues.queue(for: "td-1") === queues.queue(for: "td-1"))
    }
}
