import ChainTypes

/// Sample values of every chain type, valid in form (signatures are well-formed scalars, not real ECDSA).
enum Fixtures {
    static func signature(_ seed: UInt8) -> RecoverableSignature {
        // r and s below n/2 for any seed < 0x7f, so always canonical.
        try! RecoverableSignature(
            compact: [UInt8](repeating: seed | 1, count: 32) + [UInt8](repeating: (seed & 0x3f) | 1, count: 32), recoveryId: seed % 4)
    }

    static func address(_ seed: UInt8) -> Address { Address(bytes: [UInt8](repeating: seed, count: 20))! }

    static func transaction(nonce: UInt64 = 7, payload: [UInt8] = Array("issue TD-0001".utf8)) -> Transaction {
        let body = TransactionBody(
            chainId: "sbp-test", sender: address(0xab), nonce: nonce, kind: .call, payload: payload,
            fuelLimit: 1_000_000, expiryHeight: 500)
        return Transaction(body: body, signature: signature(UInt8(truncatingIfNeeded: nonce)))
    }

    static func certificate(height: UInt64 = 4, blockHash: Hash = Hash.sha256(Array("block".utf8))) -> CommitCertificate {
        try! CommitCertificate(
            height: height, view: 2, blockHash: blockHash,
            votes: [0, 1, 3].map { CommitVote(validatorIndex: $0, signature: signature(UInt8($0) + 3)) })
    }

    static func block(height: UInt64 = 5, transactionCount: Int = 2) -> Block {
        let transactions = (0..<transactionCount).map { transaction(nonce: UInt64($0)) }
        let parentHash = Hash.sha256(Array("parent".utf8))
        let lastCommit = height > 1 ? certificate(height: height - 1, blockHash: parentHash) : nil
        let header = BlockHeader(
            chainId: "sbp-test", height: height, view: 2, timestampMs: 1_795_996_800_000 + height,
            parentHash: height > 1 ? parentHash : .zero, proposer: address(0x01),
            transactionsRoot: Block.transactionsRoot(of: transactions), lastCommitHash: Block.lastCommitHash(of: lastCommit),
            previousReceiptsRoot: MerkleRoot.empty, stateRoot: Hash.sha256(Array("state".utf8)),
            validatorsHash: validatorSet().hash)
        return Block(header: header, transactions: transactions, lastCommit: lastCommit)
    }

    static func validatorSet(count: Int = 4) -> ValidatorSet {
        try! ValidatorSet(
            (0..<count).map { index in
                try! Validator(
                    name: "v\(index)", department: ["TD", "IMMD", "EPD", "DH"][index % 4],
                    publicKey: [0x02] + [UInt8](repeating: UInt8(index + 1), count: 32))
            })
    }

    static func receipt() -> Receipt {
        Receipt(
            transactionHash: transaction().hash, status: .reverted, fuelUsed: 12_345, errorMessage: "licence TD-0001 exists",
            events: [Event(contract: address(0x10), topic: "LicenceIssued", data: [1, 2, 3])], returnData: [9, 9])
    }

    static func event() -> Event { Event(contract: address(0x10), topic: "CertificateRevoked", data: Array("reason".utf8)) }
}
