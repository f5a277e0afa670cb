/// `consensus_*` methods: validator sets, the replica's progress and the chain parameters.
enum ConsensusMethods {
    static let getValidators = RPCMethod(
        name: "consensus_getValidators",
        summary: "The validator set deciding a height (default: the next block), with its epoch, quorum and members.",
        description: "Validator sets change only at epoch boundaries chosen by governance; firstHeight is where this set "
            + "took over. A commit certificate's validatorIndex values index this list for the certificate's height. "
            + "A height above the next block is -32002 (its set is not known yet).",
        params: [RPCParameter(name: "height", summary: "The block height.", kind: .uint64, required: false)],
        result: RPCResultDescriptor(name: "validators", summary: "The validator set.", schema: RPCSchemas.reference("ValidatorEpoch")),
        errors: [.invalidParams, .unknownBlock, .internalError]
    ) { arguments, context throws(RPCError) in
        let height = try arguments.optionalUInt64("height")
        return RPCJSON.validatorEpoch(
            try await context.ask { backend throws(RPCBackendError) in try await backend.validators(atHeight: height) })
    }

    static let getStatus = RPCMethod(
        name: "consensus_getStatus",
        summary:
            "The replica's progress: committed height, view and phase, the primary, syncing, view changes with the latest and its "
            + "reason, and each peer's last message age.",
        description: "phase is normal, viewChange (waiting for a NEW-VIEW), stateTransfer (fetching missed blocks) or halted. "
            + "viewChanges counts the view changes this node started since it started (not chain-wide); lastViewChange is the "
            + "latest of them with its reason (timeout: no progress in time; requestOverdue: blocks with room kept leaving out "
            + "a pending transaction; newViewTimeout; joinedHigherView; primaryEquivocated; invalidProposal), null when none. "
            + "lastCommitAgeMs and each peer's lastMessageAgeMs are measured on this node's clock and are null until the "
            + "first commit or message since start. validatorIndex is null on a node that does not vote.",
        params: [],
        result: RPCResultDescriptor(name: "status", summary: "The consensus status.", schema: RPCSchemas.reference("ConsensusStatus")),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        RPCJSON.consensusStatus(try await context.ask { backend throws(RPCBackendError) in try await backend.consensusStatus() })
    }

    static let getParams = RPCMethod(
        name: "consensus_getParams",
        summary: "The chain parameters in force: consensus limits and timeouts, governance thresholds, protocol version.",
        params: [],
        result: RPCResultDescriptor(name: "parameters", summary: "The parameters.", schema: RPCSchemas.reference("NetworkParameters")),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        RPCJSON.networkParameters(try await context.ask { backend throws(RPCBackendError) in try await backend.parameters() })
    }
}
