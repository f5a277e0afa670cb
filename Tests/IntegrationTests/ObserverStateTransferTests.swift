import ChainTypes
import Foundation
import Testing

/// Issue 16, deliver 3: an observer serves state transfer to other nodes. Observers dial the validators
/// (ADR 0014), so the node an observer can serve is a validator: here one that was down and comes back
/// while the other three (`sbp-byzantine --withhold-blocks-from dh-1`, otherwise honest) leave its
/// requests for blocks unanswered. The observer is the only peer that answers it.
extension IntegrationTests {
    @Test(
        "a validator that was down catches up from an observer while the other validators withhold blocks",
        .timeLimit(.minutes(3)))
    func validatorCatchesUpFromObserver() async throws {
        try await withNetwork("observer-serves") { network in
            let lagging = 3
            let others = [0, 1, 2]
            for index in others {
                try network.nodes[index].misbehave(with: ["--withhold-blocks-from", network.nodes[lagging].name])
            }
            try await Self.start(network)
            let observer = try await Self.makeObserver(network)
            let cli = CLIProcess(executable: network.sbp, rpcURL: network.nodes[0].rpc.url.absoluteString)
            let registered = try await cli.json([
                "node", "register-observer", "--registration", network.root + "/td-observer/registration.json", "--key",
                network.directory + "/accounts/td-admin.key",
            ])
            try #require(registered["status"] as? String == "success", "\(registered)")
            try network.node(observer).start()
            let founders = try #require(await network.highestHeight(Self.all))
            try await network.waitForHeight(founders, on: [observer], within: Self.startTimeout)

            // dh-1 goes down; the other three still make a quorum, and the observer follows them.
            try await network.nodes[lagging].kill()
            let missed = try await network.waitForProgress(4, on: others, within: Self.progressTimeout)
            try await network.waitForHeight(missed, on: [observer], within: Self.progressTimeout)

            // Started again, dh-1 finds the validators silent and fetches the blocks it missed from the observer.
            try network.nodes[lagging].start()
            try await network.waitForHeight(missed, on: [lagging], within: Self.progressTimeout)
            _ = try await network.agreedChain(upTo: missed, on: [0, lagging, observer])
            let asked = network.nodes[lagging].logLines(containing: "fetching committed blocks", "td-observer")
            #expect(!asked.isEmpty, "dh-1 never asked td-observer for blocks")
            // dh-1 asks validators first, but which of the three it asks before the observer is its choice.
            let withheld = others.filter { !network.nodes[$0].logLines(containing: "withholding blocks", "dh-1").isEmpty }
            #expect(!withheld.isEmpty, "no validator withheld blocks from dh-1")
            #expect(network.nodes[lagging].logLines(containing: "refused a transferred block").isEmpty)
        }
    }
}
