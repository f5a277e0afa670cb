import ChainTypes
import Ledger
import Node
import Testing

/// Fair blocks (issue 14, defect 4): a transaction may declare at most `transactionFuelMax`, well below
/// `blockFuelMax`, so a sender flooding the pool at the highest fuel it may declare leaves room in every
/// block for others, and senders take turns.
@Suite("Fair blocks")
struct FairBlockTests {
    @Test("defect 4: a flooding sender at the maximum fuel does not keep another sender's transaction out")
    func defect4_aFloodingSenderAtMaxFuelDoesNotKeepAnotherSendersTransactionOut() throws {
        let harness = try MempoolHarness()
        let consensus = try harness.ledger.view().parameters().consensus
        let (flooder, other) = (harness.senders[0], harness.senders[4])
        // Declaring the whole block's fuel is refused at the door.
        let whole = harness.call(from: flooder, fuelLimit: consensus.blockFuelMax)
        #expect(
            harness.add([whole])[0].rejection
                == .transactionFuelTooHigh(fuelLimit: consensus.blockFuelMax, transactionFuelMax: consensus.transactionFuelMax))
        harness.chain.setNonce(0, for: flooder.address)
        // The most a transaction may declare, many times over, admitted before the other sender's.
        harness.add(harness.calls(from: flooder, count: 20, fuelLimit: consensus.transactionFuelMax))
        let victim = harness.call(from: other)
        harness.add([victim])
        let batch = harness.mempool.batch(
            transactionsMax: Int(consensus.blockTransactionsMax), bytesMax: Int(consensus.blockBytesMax), fuelMax: consensus.blockFuelMax)
        #expect(batch.contains(victim))
        let flooded = batch.filter { $0.body.sender == flooder.address }.count
        #expect(flooded >= 1 && UInt64(flooded) < ParameterRanges.transactionsAtFuelCapPerBlockMin)
        // Every transaction of the batch runs: none is refused for the block's fuel.
        let executed = try harness.chain.commit(batch, on: harness.ledger)
        #expect(executed.receipts.allSatisfy { $0.status != .rejected })
    }

    @Test("the per-transaction fuel cap leaves room for the minimum number of transactions at the cap")
    func capRelationship() throws {
        let harness = try MempoolHarness()
        let consensus = try harness.ledger.view().parameters().consensus
        #expect(consensus.transactionFuelMax <= consensus.blockFuelMax / ParameterRanges.transactionsAtFuelCapPerBlockMin)
        #expect(ParameterRanges.transactionsAtFuelCapPerBlockMin >= 2)
    }

    @Test("deliver 3: a department's many senders do not crowd out another department; departments take turns")
    func departmentsTakeTurns() throws {
        let harness = try MempoolHarness()
        let consensus = try harness.ledger.view().parameters().consensus
        // The first department's three accounts fill the pool first, ten calls each; then one account of
        // another department sends ten.
        let crowd = Array(harness.senders[0..<3])
        let other = harness.senders[3]
        for key in crowd { harness.add(harness.calls(from: key, count: 10)) }
        harness.add(harness.calls(from: other, count: 10))
        let batch = harness.mempool.batch(transactionsMax: 8, bytesMax: Int(consensus.blockBytesMax), fuelMax: consensus.blockFuelMax)
        let fromOther = batch.filter { $0.body.sender == other.address }.count
        #expect(batch.count == 8)
        // Turns by sender alone would give the other department 2 of 8.
        #expect(fromOther == 4, "the other department got \(fromOther) of \(batch.count)")
        // The oldest pending transaction still comes first, and the crowd's senders share their half.
        #expect(batch.first?.body.sender == crowd[0].address)
        for key in crowd { #expect(batch.contains { $0.body.sender == key.address }) }
    }
}
