import ChainTypes
import Simulation
import Testing

@testable import Consensus

/// Quorum and watermark arithmetic against deliberately naive references (etcd `quorum/quick_test.go`).
@Suite("Quorum and watermark math")
struct WatermarkTests {
    @Test("a replica acts on exactly the heights in (low, low + L]", arguments: [(0 as UInt64, 8 as UInt64), (4, 8), (16, 32), (1000, 64)])
    func watermarks(low: UInt64, window: UInt64) {
        var harness = Harness(
            configuration: ReplicaConfiguration(
                chainId: "sbp-sim", checkpointInterval: window / 2, watermarkWindow: window, viewChangeTimeoutTicks: 4))
        harness.replicas[1].stableHeight = low
        for height in (low > 3 ? low - 3 : 0)...(low + window + 3) {
            let naive = height > low && height <= low + window
            var replica = harness.replicas[1]
            replica.step(.message(.prepare(harness.sign(Prepare(view: 0, height: height, digest: .zero), as: 2))))
            let refused = replica.ready().events.contains {
                if case .rejected(.outsideWatermarks) = $0 { return true }; return false
            }
            #expect(refused == !naive, "height \(height), low \(low), window \(window)")
        }
    }

    @Test("the k-th largest report matches sorting", arguments: 0..<50)
    func kthLargestMatchesNaive(_ seed: Int) {
        var random = SimulationRandom(seed: UInt64(seed))
        let values = (0..<random.below(10)).map { _ in random.below(20) }
        for k in 0...values.count + 1 {
            let naive: UInt64? = (k >= 1 && k <= values.count) ? values.sorted().reversed()[k - 1] : nil
            #expect(kthLargest(values, k) == naive)
        }
    }

    @Test("configuration refuses a window below 2K and quorum intersection holds for every n", arguments: 1...40)
    func quorumIntersection(_ n: Int) {
        let validators = SimulatedKeys(count: n, seed: 1).validators
        let (q, f) = (validators.quorum, validators.faultsTolerated)
        // Any two quorums share an honest validator; f+1 reports contain an honest one; a quorum is reachable.
        #expect(2 * q - n >= f + 1)
        #expect(validators.weakQuorum == f + 1)
        #expect(q <= n - f)
    }
}
