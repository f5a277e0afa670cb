import ChainTypes
import Consensus
import Testing

@testable import Simulation

/// The inclusion watch inside the simulator: the cluster drives every replica through the node's
/// `DriverCore`, so a primary that commits blocks but leaves some transactions out is replaced there as on
/// a real network (rule 13, PBFT §4.4; issue 13, deliver 6).
@Suite("Simulated censorship")
struct CensorshipSimulationTests {
    /// Validator 0 (the primary of view 0) censors every fourth transaction; no network faults.
    static func censoredCluster(watching: Bool) -> Cluster {
        var options = SimulationOptions(
            validators: 4, byzantine: .censor, faultTicks: 0, healTicksMax: 1000, blocksAfterHeal: 60, faultyIndex: 0)
        // The negative control: a watch that never counts enough skips is no watch.
        if !watching { options.driverConfiguration.inclusionSkipsMax = .max }
        var cluster = Cluster(seed: 5, options: options)
        _ = cluster.run()
        return cluster
    }

    /// Censored transactions committed by the honest nodes.
    static func committedCensored(_ cluster: Cluster) -> [Int] {
        cluster.nodes.filter(\.isHonest).map { node in
            node.chain.reduce(0) { $0 + $1.block.transactions.filter(Cluster.isCensored).count }
        }
    }

    @Test("rule 13: the inclusion watch replaces a primary that keeps committing blocks without a transaction")
    func inclusionWatchReplacesCensoringPrimary() {
        let cluster = Self.censoredCluster(watching: true)
        #expect(cluster.result.violations.isEmpty)
        #expect(!cluster.result.stalled)
        #expect(cluster.result.inclusionSuspicions >= 3, "every honest node suspected the censor")
        for node in cluster.nodes where node.isHonest {
            #expect(node.replica.view >= 1, "node \(node.id) left the censor's view")
        }
        #expect(Self.committedCensored(cluster).allSatisfy { $0 > 0 }, "the censored transactions were committed")
    }

    @Test("negative control: without the watch the censoring primary keeps its view and the transactions stay out")
    func censorSurvivesWithoutTheWatch() {
        let cluster = Self.censoredCluster(watching: false)
        #expect(cluster.result.violations.isEmpty)
        #expect(!cluster.result.stalled, "the censor keeps committing, so the view-change timer never fires")
        #expect(cluster.result.inclusionSuspicions == 0)
        for node in cluster.nodes where node.isHonest { #expect(node.replica.view == 0) }
        #expect(Self.committedCensored(cluster).allSatisfy { $0 == 0 })
    }
}
