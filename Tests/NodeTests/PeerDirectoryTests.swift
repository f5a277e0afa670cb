import ChainTypes
import Consensus
import Ledger
import PeerNetwork
import Testing

@testable import Node

/// Which nodes a node dials, read from chain state (issue 16, deliver 2), and what an observer may send.
@Suite("Peer directory")
struct PeerDirectoryTests {
    static func department(_ id: String) -> DepartmentRecord { DepartmentRecord(id: id, name: id, adminKeys: [], caCertificate: "") }
    static func validator(_ name: String, _ department: String) -> ValidatorRecord {
        ValidatorRecord(name: name, department: department, consensusKey: [], tlsCertificate: "")
    }

    static let inputs = ChainTrust.Inputs(
        departments: [department("TD"), department("IMMD")],
        validators: [validator("td-1", "TD"), validator("immd-1", "IMMD"), validator("ghost-1", "GONE"), validator("td-2", "TD")],
        revokedCertificates: [],
        nodes: [
            NodeRecord(name: "td-1", department: "TD", role: .validator, endpoints: ["10.0.0.1:26656", "td-1.example:26656"]),
            NodeRecord(name: "immd-1", department: "IMMD", role: .validator, endpoints: ["[fd00::2]:26657"]),
            NodeRecord(name: "ghost-1", department: "GONE", role: .validator, endpoints: ["10.0.0.3:1"]),
            // Stale: a record of td-2 written by another department before it was removed and re-added.
            NodeRecord(name: "td-2", department: "IMMD", role: .validator, endpoints: ["10.6.6.6:1"]),
            NodeRecord(name: "td-observer", department: "TD", role: .observer, endpoints: ["10.0.0.9:1"]),
        ],
        digest: .zero)

    @Test("validators and observers dial every listed validator of an existing department at its endpoints; nobody dials observers")
    func targets() {
        let fromObserver = PeerDirectory.targets(ownName: "td-observer", inputs: Self.inputs)
        #expect(
            fromObserver == [
                .init(
                    name: "td-1", department: "TD",
                    addresses: [PeerAddress(host: "10.0.0.1", port: 26656), PeerAddress(host: "td-1.example", port: 26656)]),
                .init(name: "immd-1", department: "IMMD", addresses: [PeerAddress(host: "fd00::2", port: 26657)]),
            ])
        #expect(PeerDirectory.targets(ownName: "td-1", inputs: Self.inputs).map(\.name) == ["immd-1"])
        #expect(Self.inputs.observerNames == ["td-observer"])
    }

    @Test("an observer sends requests for blocks and gossip, never a vote")
    func observerSendsNoVote() {
        let signature = ConsensusFrameLimitsTests.signature
        #expect(ObserverTransport.mayLeave(.consensus(.fetchBlocks(fromHeight: 1, requester: 0xFFFF))))
        #expect(ObserverTransport.mayLeave(.consensus(.blocks([]))))
        #expect(
            !ObserverTransport.mayLeave(
                .consensus(.prepare(Signed(payload: Prepare(view: 0, height: 1, digest: .zero), signer: 0, signature: signature)))))
        #expect(
            !ObserverTransport.mayLeave(
                .consensus(.commit(Signed(payload: Commit(view: 0, height: 1, digest: .zero), signer: 0, signature: signature)))))
    }
}
