/// `state_*` methods: contract storage values and their proofs (DESIGN §4).
enum StateMethods {
    static let parameters = [
        RPCParameter(name: "contract", summary: "The contract whose storage to read.", kind: .address),
        RPCParameter(
            name: "key", summary: "The storage key as the contract writes it.", kind: .bytes(maxBytes: RPCLimits.storageKeyBytesMax)),
    ]

    static let get = RPCMethod(
        name: "state_get",
        summary: "A contract storage value after a block (default: the latest), or value null when the key has none.",
        description: "A height above the latest committed block is -32002; a height whose state the node has pruned "
            + "(storage.history = \"recent N\") is -32003 with data.height and data.lowestRetainedHeight, the oldest state it "
            + "keeps. The value is not proven; use state_getProof to check it.",
        params: parameters + [
            RPCParameter(name: "height", summary: "Read the state after this block (0: genesis).", kind: .uint64, required: false)
        ],
        result: RPCResultDescriptor(name: "value", summary: "The value.", schema: RPCSchemas.reference("StateValue")),
        errors: [.invalidParams, .limitExceeded, .unknownBlock, .pruned, .internalError]
    ) { arguments, context throws(RPCError) in
        let contract = try arguments.address("contract")
        let key = try arguments.bytes("key")
        let height = try arguments.optionalUInt64("height")
        let value = try await context.ask { backend throws(RPCBackendError) in
            try await backend.storageValue(contract: contract, key: key, height: height)
        }
        return RPCJSON.stateValue(contract: contract, key: key, value)
    }

    static let getProof = RPCMethod(
        name: "state_getProof",
        summary:
            "A contract storage value with its state-tree proof, the state root, and the header and commit certificate that certify the root.",
        description: "The record proof of DESIGN §4. The state root after block h is carried by the header of block h+1, so "
            + "header, headerHash and certificate belong to block h+1; they are null when h is the latest height (ask "
            + "again after the next block, or for an earlier height). height defaults to the latest height whose root is "
            + "already certified (latest - 1). proof is the canonical encoding of the proof (docs/state-tree.md); siblings "
            + "and leaf are the same proof, structured. To verify offline: check the certificate's votes against the "
            + "validator set, that headerHash is the header's hash and header.stateRoot equals stateRoot, then the proof "
            + "for stateKey against stateRoot. A value of null is proven absent. A height whose state the node has pruned "
            + "is -32003 (data.lowestRetainedHeight: the oldest state it keeps; blocks below it are still served).",
        params: parameters + [
            RPCParameter(
                name: "height", summary: "Prove the state after this block (default: the latest certified one).", kind: .uint64,
                required: false)
        ],
        result: RPCResultDescriptor(name: "proof", summary: "The value and its proof.", schema: RPCSchemas.reference("StorageProof")),
        errors: [.invalidParams, .limitExceeded, .unknownBlock, .pruned, .internalError]
    ) { arguments, context throws(RPCError) in
        let contract = try arguments.address("contract")
        let key = try arguments.bytes("key")
        let height = try arguments.optionalUInt64("height")
        return RPCJSON.storageProof(
            try await context.ask { backend throws(RPCBackendError) in
                try await backend.storageProof(contract: contract, key: key, height: height)
            })
    }

    static let getEvidence = RPCMethod(
        name: "state_getEvidence",
        summary: "A self-contained evidence bundle for a contract storage value, checkable offline with only the genesis document.",
        description: "The canonical encoding (docs/evidence.md) of: the value or its absence, its state proof, the header of "
            + "block h+1 that carries the state root after h, that header's commit certificate, and every validator-set change "
            + "since genesis with the certified announcement of the new set. `sbp verify FILE --genesis GENESIS` checks it "
            + "without network access. height defaults to the latest certified state (latest - 1); the latest height itself "
            + "is -32002 until the next block certifies it. A height whose state the node has pruned is -32003 with "
            + "data.lowestRetainedHeight (the oldest state it keeps); the validator-set changes of pruned heights stay "
            + "provable, since the node keeps their announcement proofs when it prunes.",
        params: parameters + [
            RPCParameter(
                name: "height", summary: "Prove the state after this block (default: the latest certified one).", kind: .uint64,
                required: false)
        ],
        result: RPCResultDescriptor(
            name: "evidence", summary: "The bundle's canonical encoding.",
            schema: RPCSchemas.hexString("Evidence", bytes: nil, "The bundle.")),
        errors: [.invalidParams, .limitExceeded, .unknownBlock, .pruned, .internalError]
    ) { arguments, context throws(RPCError) in
        let contract = try arguments.address("contract")
        let key = try arguments.bytes("key")
        let height = try arguments.optionalUInt64("height")
        return RPCJSON.bytes(
            try await context.ask { backend throws(RPCBackendError) in
                try await backend.evidence(contract: contract, key: key, height: height)
            })
    }
}
