import ChainTypes
import RPCServer

/// Deterministic chain values: every byte is derived from a small seed, so golden files never change.
enum Fixtures {
    static let chainId = "sbp-test"

    static func hash(_ seed: UInt8) -> Hash { Hash(bytes: [UInt8](repeating: seed, count: 32))! }
    static func address(_ seed: UInt8) -> Address { Address(bytes: [UInt8](repeating: seed, count: 20))! }

    /// A signature in canonical form (r and s in range, low S); it signs nothing, the fake never checks it.
    static func signature(_ seed: UInt8) -> RecoverableSignature {
        try! RecoverableSignature(compact: [UInt8](repeating: seed, count: 32) + [UInt8](repeating: 0x22, count: 32), recoveryId: 1)
    }

    static func transaction(nonce: UInt64, payload: [UInt8] = [0xca, 0xfe], fuelLimit: UInt64 = 50_000) -> Transaction {
        let body = TransactionBody(
            chainId: chainId, sender: address(0xa1), nonce: nonce, kind: .call, payload: payload, fuelLimit: fuelLimit,
            expiryHeight: 1_000)
        return Transaction(body: body, signature: signature(0x11))
    }

    static func block(height: UInt64) -> Block {
        let transactions = (0..<UInt64(2)).map { transaction(nonce: height * 10 + $0) }
        let lastCommit: CommitCertificate? =
            height == 1
            ? nil
            : try! CommitCertificate(
                height: height - 1, view: 0, blockHash: hash(UInt8(height - 1)),
                votes: [
                    CommitVote(validatorIndex: 0, signature: signature(0x31)), CommitVote(validatorIndex: 2, signature: signature(0x32)),
                ])
        let header = BlockHeader(
            chainId: chainId, height: height, view: 0, timestampMs: 1_700_000_000_000 + height * 1_000,
            parentHash: height == 1 ? .zero : hash(UInt8(height - 1)), proposer: address(0xb0 + UInt8(height)),
            transactionsRoot: Block.transactionsRoot(of: transactions), lastCommitHash: Block.lastCommitHash(of: lastCommit),
            previousReceiptsRoot: hash(0xe0), stateRoot: hash(0xf0), validatorsHash: hash(0xd0))
        return Block(header: header, transactions: transactions, lastCommit: lastCommit)
    }

    /// The commit certificate of `block`: three votes of the four fixture validators.
    static func certificate(for block: Block) -> CommitCertificate {
        try! CommitCertificate(
            height: block.height, view: block.header.view, blockHash: block.hash,
            votes: [
                CommitVote(validatorIndex: 0, signature: signature(0x41)), CommitVote(validatorIndex: 1, signature: signature(0x42)),
                CommitVote(validatorIndex: 3, signature: signature(0x43)),
            ])
    }

    static let status = NodeStatus(
        chainId: chainId, nodeId: "td-node-1", latestHeight: 3, latestHash: hash(0x03), view: 2, peersConnected: 3, syncing: false)

    /// The receipt of block 2's first transaction: a success with one event and return data.
    static let receipt = CommittedReceipt(
        receipt: Receipt(
            transactionHash: block(height: 2).transactions[0].hash, status: .success, fuelUsed: 12_345, errorMessage: "",
            events: [Event(contract: address(0xc1), topic: "LicenceIssued", data: [0x01, 0x02, 0x03])], returnData: [0x2a]),
        height: 2, index: 0, blockHash: block(height: 2).hash)

    /// The receipt the fake gives a transaction it commits after `tx_sendAndWait`: block 4, index 0.
    static func committedReceipt(for hash: Hash) -> CommittedReceipt {
        CommittedReceipt(
            receipt: Receipt(transactionHash: hash, status: .success, fuelUsed: 777, errorMessage: "", events: [], returnData: []),
            height: 4, index: 0, blockHash: Fixtures.hash(0x04))
    }

    // MARK: Explorer data

    /// The contract the fake has storage, events and an interface for.
    static let contract = address(0xc1)
    static let storageKey: [UInt8] = Array("key".utf8)
    static let storageValue: [UInt8] = Array("val".utf8)

    static let peers: [PeerInfo] = {
        var linked = PeerInfo(
            name: "immd-node-1", department: "IMMD", direction: .outbound, certificateNotValidAfterMs: 1_830_000_000_000,
            lastMessageAgeMs: 120)
        linked.protocolVersion = 2
        return [
            PeerInfo(name: "epd-node-1", department: "EPD", direction: .inbound, certificateNotValidAfterMs: nil, lastMessageAgeMs: nil),
            linked,
        ]
    }()

    static let pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"

    /// Four validators of two departments; keys are well-formed compressed points by shape only.
    static let validators = try! ValidatorSet(
        (0..<4).map { index in
            try! Validator(
                name: "node-\(index)", department: index < 2 ? "TD" : "IMMD",
                publicKey: [0x02] + [UInt8](repeating: UInt8(0x60 + index), count: 32))
        })

    static let genesis = Genesis(
        chainId: chainId, genesisTimeMs: 1_700_000_000_000, protocolVersion: 1,
        departments: [
            Genesis.Department(
                id: "TD", name: "Transport Department", adminKeys: ["02" + String(repeating: "71", count: 32)], caCertificate: pem),
            Genesis.Department(
                id: "IMMD", name: "Immigration Department", adminKeys: ["03" + String(repeating: "72", count: 32)], caCertificate: pem),
        ],
        validators: validators.validators.map { validator in
            Genesis.GenesisValidator(
                name: validator.name, department: validator.department, consensusPublicKey: Hex.encode(validator.publicKey),
                tlsCertificate: pem)
        },
        accounts: [Genesis.Account(address: address(0xa1), department: "TD", roles: [.issuer, .submitter])],
        consensus: Genesis.ConsensusParameters(
            checkpointInterval: 64, watermarkWindow: 256, viewChangeTimeoutTicks: 20, viewChangeTimeoutTicksMax: 640, tickMs: 100,
            blockTransactionsMax: 2_000, blockBytesMax: 4_194_304, blockFuelMax: 10_000_000_000_000_000_000, timestampDriftMsMax: 5_000),
        governance: Genesis.GovernanceParameters(
            thresholdNumerator: 2, thresholdDenominator: 3, proposalLifetimeBlocks: 1_000, departmentsMayDeploy: false),
        contracts: [
            Genesis.GenesisContract(
                name: "licence_registry", address: contract, codeFile: "contracts/licence_registry.wasm", codeHash: hash(0xc0))
        ])

    /// Five events across blocks 1...3 from two contracts, in position order.
    static let events: [EventRecord] = [
        event(
            contract, "LicenceIssued", height: 1, transaction: 0, event: 0,
            decoded: .object(["id": .string("L-1"), "department": .string("TD")])),
        event(address(0xc2), "CertificateIssued", height: 1, transaction: 1, event: 0, decoded: nil),
        event(
            contract, "LicenceRenewed", height: 2, transaction: 0, event: 0,
            decoded: .object(["id": .string("L-1"), "department": .string("TD")])),
        event(contract, "LicenceSuspended", height: 3, transaction: 0, event: 0, decoded: nil),
        event(address(0xc2), "CertificateRevoked", height: 3, transaction: 1, event: 1, decoded: nil),
    ]

    static func event(_ contract: Address, _ topic: String, height: UInt64, transaction: UInt32, event: UInt16, decoded: JSONValue?)
        -> EventRecord
    {
        EventRecord(
            event: Event(contract: contract, topic: topic, data: [UInt8(height), UInt8(transaction), UInt8(event)]),
            position: EventCursor(height: height, transactionIndex: transaction, eventIndex: event),
            transactionHash: block(height: height).transactions[Int(transaction)].hash, decoded: decoded)
    }

    /// Three proposals, newest first: an open validator addition, a passed parameter change, an activated revocation.
    static let proposals: [ProposalInfo] = [
        ProposalInfo(
            id: 3, proposer: address(0xa3), department: "IMMD",
            change: .addValidator(
                name: "node-4", department: "IMMD", consensusKey: [0x03] + [UInt8](repeating: 0x64, count: 32), tlsCertificate: pem),
            description: "add a second IMMD validator", createdHeight: 3, expiresHeight: 1_003, activationHeight: 1_100,
            votes: [ProposalInfo.Vote(department: "IMMD", approve: true, voter: address(0xa3), height: 3)], status: .open,
            statusHeight: 3, failure: ""),
        ProposalInfo(
            id: 2, proposer: address(0xa2), department: "TD", change: .setProtocolVersion(2), description: "protocol 2",
            createdHeight: 2, expiresHeight: 1_002, activationHeight: 50,
            votes: [
                ProposalInfo.Vote(department: "TD", approve: true, voter: address(0xa2), height: 2),
                ProposalInfo.Vote(department: "IMMD", approve: true, voter: address(0xa3), height: 2),
            ], status: .passed, statusHeight: 2, failure: ""),
        ProposalInfo(
            id: 1, proposer: address(0xa2), department: "TD", change: .revokeCertificate(certificateDigest: hash(0x99)),
            description: "revoke a lost node certificate", createdHeight: 1, expiresHeight: 1_001, activationHeight: 2, votes: [],
            status: .activated, statusHeight: 2, failure: ""),
    ]
}

extension Fixtures {
    /// A block at any height (the fixed blocks stop at 255): given transactions, parent hash derived from the height.
    static func chainBlock(height: UInt64, transactions: [Transaction] = []) -> Block {
        let parent = Hash(bytes: [UInt8](repeating: 0x77, count: 24) + (height - 1).canonicalBytes)!
        let header = BlockHeader(
            chainId: chainId, height: height, view: 0, timestampMs: 1_700_000_000_000 + height * 1_000, parentHash: parent,
            proposer: address(0xb0), transactionsRoot: Block.transactionsRoot(of: transactions),
            lastCommitHash: Block.lastCommitHash(of: nil),
            previousReceiptsRoot: hash(0xe0), stateRoot: hash(0xf0), validatorsHash: hash(0xd0))
        return Block(header: header, transactions: transactions, lastCommit: nil)
    }
}
