import ChainTypes

/// The JSON form of the explorer methods' values, with the same rules as the rest of `RPCJSON`.
extension RPCJSON {
    // MARK: Node

    /// A connected peer; absent times are null.
    public static func peer(_ peer: PeerInfo) -> JSONValue {
        .object([
            "name": .string(peer.name),
            "department": .string(peer.department),
            "direction": .string(peer.direction.rawValue),
            "certificateNotValidAfterMs": optional(peer.certificateNotValidAfterMs, uint64),
            "lastMessageAgeMs": optional(peer.lastMessageAgeMs, uint64),
            "protocolVersion": optional(peer.protocolVersion) { .number(Int($0)) },
        ])
    }

    /// A backup `node_backup` made.
    public static func backup(_ backup: NodeBackup) -> JSONValue {
        .object(["directory": .string(backup.directory), "heightAtLeast": uint64(backup.heightAtLeast)])
    }

    /// The `node_health` result.
    public static func health(_ health: NodeHealth) -> JSONValue {
        .object([
            "ready": .bool(health.ready),
            "syncing": .bool(health.syncing),
            "haltedReason": optional(health.haltedReason, JSONValue.string),
            "peersConnected": .number(health.peersConnected),
            "quorum": .number(health.quorum),
            "latestHeight": uint64(health.latestHeight),
            "lastCommitAgeMs": optional(health.lastCommitAgeMs, uint64),
            "pendingTransactions": .number(health.pendingTransactions),
        ])
    }

    // MARK: Chain

    /// A header with its hash beside it.
    public static func hashedHeader(_ header: BlockHeader) -> JSONValue {
        .object(["hash": hash(header.hash), "header": RPCJSON.header(header)])
    }

    /// The genesis document with its hash (the tagged SHA-256 of its canonical encoding, which identifies
    /// the chain). The members are the document's own; hashes and addresses follow the RPC's 0x rule.
    ///
    /// Every member the hash covers is here (validators' `endpoints` when the document has them), so the
    /// document, saved as a file, hashes to `hash` again (docs/evidence.md §4).
    public static func genesis(_ genesis: Genesis) -> JSONValue {
        let document: JSONValue = .object([
            "chainId": .string(genesis.chainId),
            "genesisTimeMs": uint64(genesis.genesisTimeMs),
            "protocolVersion": .number(Int(genesis.protocolVersion)),
            "departments": .array(
                genesis.departments.map { department in
                    .object([
                        "id": .string(department.id), "name": .string(department.name),
                        "adminKeys": .array(department.adminKeys.map(JSONValue.string)), "caCertificate": .string(department.caCertificate),
                    ])
                }),
            "validators": .array(
                genesis.validators.map { validator in
                    var object = JSONObject([
                        (key: "name", value: .string(validator.name)), (key: "department", value: .string(validator.department)),
                        (key: "consensusPublicKey", value: .string(validator.consensusPublicKey)),
                        (key: "tlsCertificate", value: .string(validator.tlsCertificate)),
                    ])
                    if let endpoints = validator.endpoints { object.append("endpoints", .array(endpoints.map(JSONValue.string))) }
                    return .object(object)
                }),
            "accounts": .array(
                genesis.accounts.map { account in
                    .object([
                        "address": address(account.address), "department": .string(account.department),
                        "roles": .array(account.roles.map { .string($0.rawValue) }),
                    ])
                }),
            "consensus": consensusParameters(genesis.consensus),
            "governance": governanceParameters(genesis.governance),
            "contracts": .array(
                genesis.contracts.map { contract in
                    .object([
                        "name": .string(contract.name), "address": address(contract.address), "codeFile": .string(contract.codeFile),
                        "codeHash": hash(contract.codeHash),
                    ])
                }),
        ])
        return .object(["hash": hash(genesis.hash), "document": document])
    }

    /// Consensus parameters by their genesis names.
    public static func consensusParameters(_ parameters: Genesis.ConsensusParameters) -> JSONValue {
        .object([
            "checkpointInterval": uint64(parameters.checkpointInterval),
            "watermarkWindow": uint64(parameters.watermarkWindow),
            "viewChangeTimeoutTicks": uint64(parameters.viewChangeTimeoutTicks),
            "viewChangeTimeoutTicksMax": uint64(parameters.viewChangeTimeoutTicksMax),
            "tickMs": uint64(parameters.tickMs),
            "blockTransactionsMax": .number(Int(parameters.blockTransactionsMax)),
            "blockBytesMax": .number(Int(parameters.blockBytesMax)),
            "blockFuelMax": uint64(parameters.blockFuelMax),
            "timestampDriftMsMax": uint64(parameters.timestampDriftMsMax),
            "transactionFuelMax": uint64(parameters.transactionFuelMax),
            "blockWriteBytesMax": uint64(parameters.blockWriteBytesMax),
        ])
    }

    /// Governance parameters by their genesis names.
    public static func governanceParameters(_ parameters: Genesis.GovernanceParameters) -> JSONValue {
        .object([
            "thresholdNumerator": .number(Int(parameters.thresholdNumerator)),
            "thresholdDenominator": .number(Int(parameters.thresholdDenominator)),
            "proposalLifetimeBlocks": uint64(parameters.proposalLifetimeBlocks),
            "departmentsMayDeploy": .bool(parameters.departmentsMayDeploy),
        ])
    }

    // MARK: Transactions and events

    /// A committed transaction, where it is and how it ended.
    public static func committedTransaction(_ committed: CommittedTransaction) -> JSONValue {
        .object([
            "transaction": transaction(committed.transaction),
            "height": uint64(committed.height),
            "index": .number(UInt64(committed.index)),
            "blockHash": hash(committed.blockHash),
            "status": .string(name(of: committed.status)),
        ])
    }

    /// A `tx_search` page.
    public static func transactionPage(_ page: TransactionPage) -> JSONValue {
        .object([
            "transactions": .array(page.transactions.map(committedTransaction)),
            "nextCursor": optional(page.nextCursor) { .string($0.encoded) },
        ])
    }

    /// A committed event with its position, transaction and decoded fields (null when no interface has them).
    public static func eventRecord(_ record: EventRecord) -> JSONValue {
        .object([
            "contract": address(record.event.contract),
            "topic": .string(record.event.topic),
            "data": bytes(record.event.data),
            "height": uint64(record.position.height),
            "transactionIndex": .number(UInt64(record.position.transactionIndex)),
            "eventIndex": .number(UInt64(record.position.eventIndex)),
            "transactionHash": hash(record.transactionHash),
            "decoded": record.decoded ?? .null,
        ])
    }

    /// An `events_query` page.
    public static func eventPage(_ page: EventPage) -> JSONValue {
        .object([
            "events": .array(page.events.map(eventRecord)),
            "nextCursor": optional(page.nextCursor) { .string($0.encoded) },
        ])
    }

    // MARK: State and contracts

    /// A `state_get` result.
    public static func stateValue(contract: Address, key: [UInt8], _ value: StateValue) -> JSONValue {
        .object([
            "contract": address(contract), "key": bytes(key), "height": uint64(value.height), "value": optional(value.value, bytes),
        ])
    }

    /// A `state_getProof` result: the value, the proof both encoded and structured, the root, and what
    /// certifies the root (null until the block after `height` is committed).
    public static func storageProof(_ record: StorageProofRecord) -> JSONValue {
        .object([
            "contract": address(record.contract),
            "key": bytes(record.key),
            "stateKey": hash(record.stateKey),
            "height": uint64(record.height),
            "value": optional(record.value, bytes),
            "proof": bytes(record.proof),
            "siblings": .array(record.siblings.map(hash)),
            "leaf": optional(record.leaf) { .object(["key": hash($0.key), "valueHash": hash($0.valueHash)]) },
            "stateRoot": hash(record.stateRoot),
            "headerHash": optional(record.header) { hash($0.hash) },
            "header": optional(record.header, header),
            "certificate": optional(record.certificate, certificate),
        ])
    }

    /// A `contract_call` result.
    public static func contractCallResult(_ result: ContractCallResult) -> JSONValue {
        .object([
            "height": uint64(result.height),
            "status": .string(name(of: result.status)),
            "errorMessage": result.errorMessage.isEmpty ? .null : .string(result.errorMessage),
            "fuelUsed": uint64(result.fuelUsed),
            "returnData": bytes(result.returnData),
            "decoded": result.decoded ?? .null,
        ])
    }

    /// A `contract_getInfo` result.
    public static func contractInfo(_ info: ContractInfo) -> JSONValue {
        .object([
            "address": address(info.address),
            "name": .string(info.name),
            "codeHash": hash(info.codeHash),
            "codeBytes": .number(Int(info.codeBytes)),
            "department": .string(info.department),
            "deployer": address(info.deployer),
            "isStandard": .bool(info.isStandard),
            "deployedHeight": uint64(info.deployedHeight),
            "interface": info.interface ?? .null,
        ])
    }

    /// A `records_get*` result.
    public static func recordInfo(_ info: RecordInfo) -> JSONValue {
        .object([
            "kind": .string(info.kind.rawValue),
            "contract": address(info.contract),
            "id": .string(info.id),
            "height": uint64(info.height),
            "record": info.record,
            "history": .array(info.history.map(eventRecord)),
        ])
    }

    // MARK: Consensus, membership, governance

    /// A validator set with its quorum arithmetic and each member's index, key and address.
    public static func validatorEpoch(_ epoch: ValidatorEpoch) -> JSONValue {
        let set = epoch.validators
        return .object([
            "height": uint64(epoch.height),
            "firstHeight": uint64(epoch.firstHeight),
            "validatorsHash": hash(set.hash),
            "count": .number(set.count),
            "faultsTolerated": .number(set.faultsTolerated),
            "quorum": .number(set.quorum),
            "validators": .array(
                set.validators.enumerated().map { index, validator in
                    .object([
                        "index": .number(index), "name": .string(validator.name), "department": .string(validator.department),
                        "publicKey": bytes(validator.publicKey), "address": address(validator.address),
                    ])
                }),
        ])
    }

    /// The `consensus_getStatus` result.
    public static func consensusStatus(_ status: ConsensusStatus) -> JSONValue {
        .object([
            "height": uint64(status.height),
            "view": uint64(status.view),
            "phase": .string(status.phase.rawValue),
            "primaryIndex": .number(status.primaryIndex),
            "primaryName": .string(status.primaryName),
            "validatorIndex": optional(status.validatorIndex) { .number($0) },
            "syncing": .bool(status.syncing),
            "haltedReason": optional(status.haltedReason, JSONValue.string),
            "viewChanges": uint64(status.viewChanges),
            "lastViewChange": optional(status.lastViewChange) { change in
                .object(["view": uint64(change.view), "reason": .string(change.reason), "ageMs": uint64(change.ageMs)])
            },
            "lastCommitAgeMs": optional(status.lastCommitAgeMs, uint64),
            "peers": .array(status.peers.map(peer)),
            "role": .string(status.role),
        ])
    }

    /// The `consensus_getParams` result.
    public static func networkParameters(_ parameters: NetworkParameters) -> JSONValue {
        .object([
            "protocolVersion": .number(Int(parameters.protocolVersion)),
            "consensus": consensusParameters(parameters.consensus),
            "governance": governanceParameters(parameters.governance),
        ])
    }

    /// A department with its admins' keys as hex.
    public static func department(_ department: DepartmentInfo) -> JSONValue {
        .object([
            "id": .string(department.id),
            "name": .string(department.name),
            "adminKeys": .array(department.adminKeys.map(bytes)),
            "caCertificate": .string(department.caCertificate),
            "validators": .array(department.validators.map(JSONValue.string)),
        ])
    }

    /// A registered node.
    public static func node(_ node: NodeInfo) -> JSONValue {
        .object([
            "name": .string(node.name),
            "department": .string(node.department),
            "role": .string(node.role),
            "endpoints": .array(node.endpoints.map(JSONValue.string)),
        ])
    }

    /// A registered account.
    public static func account(_ account: AccountInfo) -> JSONValue {
        .object([
            "address": address(account.address),
            "department": .string(account.department),
            "roles": .array(account.roles.map { .string($0.rawValue) }),
            "suspended": .bool(account.suspended),
            "nonce": uint64(account.nonce),
            "pendingNonce": uint64(account.pendingNonce),
        ])
    }

    /// A governance proposal; `failure` is null unless it failed.
    public static func proposal(_ proposal: ProposalInfo) -> JSONValue {
        .object([
            "id": uint64(proposal.id),
            "proposer": address(proposal.proposer),
            "department": .string(proposal.department),
            "change": proposalChange(proposal.change),
            "description": .string(proposal.description),
            "createdHeight": uint64(proposal.createdHeight),
            "expiresHeight": uint64(proposal.expiresHeight),
            "activationHeight": uint64(proposal.activationHeight),
            "votes": .array(
                proposal.votes.map { vote in
                    .object([
                        "department": .string(vote.department), "approve": .bool(vote.approve), "voter": address(vote.voter),
                        "height": uint64(vote.height),
                    ])
                }),
            "status": .string(proposal.status.rawValue),
            "statusHeight": uint64(proposal.statusHeight),
            "failure": proposal.failure.isEmpty ? .null : .string(proposal.failure),
        ])
    }

    /// A proposed change: `kind` and that kind's fields. New contract code is given by hash and size.
    public static func proposalChange(_ change: ProposalChange) -> JSONValue {
        var object = JSONObject([(key: "kind", value: .string(change.kindName))])
        switch change {
        case .addDepartment(let id, let name, let adminKeys, let caCertificate):
            object.append("id", .string(id))
            object.append("name", .string(name))
            object.append("adminKeys", .array(adminKeys.map(bytes)))
            object.append("caCertificate", .string(caCertificate))
        case .removeDepartment(let id):
            object.append("id", .string(id))
        case .addValidator(let name, let department, let consensusKey, let tlsCertificate):
            object.append("name", .string(name))
            object.append("department", .string(department))
            object.append("consensusKey", bytes(consensusKey))
            object.append("tlsCertificate", .string(tlsCertificate))
        case .removeValidator(let name):
            object.append("name", .string(name))
        case .rotateValidator(let name, let consensusKey, let tlsCertificate):
            object.append("name", .string(name))
            object.append("consensusKey", bytes(consensusKey))
            object.append("tlsCertificate", .string(tlsCertificate))
        case .revokeCertificate(let certificateDigest):
            object.append("certificateDigest", hash(certificateDigest))
        case .upgradeContract(let name, let address, let code):
            object.append("name", .string(name))
            object.append("address", RPCJSON.address(address))
            object.append("codeHash", hash(Hash.sha256(code)))
            object.append("codeBytes", .number(code.count))
        case .setConsensusParameters(let parameters):
            object.append("consensus", consensusParameters(parameters))
        case .setGovernanceParameters(let parameters):
            object.append("governance", governanceParameters(parameters))
        case .setProtocolVersion(let version):
            object.append("protocolVersion", .number(Int(version)))
        }
        return .object(object)
    }

    /// A page of proposals.
    static func accountPage(_ accounts: [AccountInfo], nextCursor: String?) -> JSONValue {
        .object(["accounts": .array(accounts.map(account)), "nextCursor": optional(nextCursor, JSONValue.string)])
    }

    static func proposalPage(_ proposals: [ProposalInfo], nextCursor: String?) -> JSONValue {
        .object(["proposals": .array(proposals.map(proposal)), "nextCursor": optional(nextCursor, JSONValue.string)])
    }

    /// `transform(value)`, or null when there is no value.
    static func optional<Value>(_ value: Value?, _ transform: (Value) -> JSONValue) -> JSONValue {
        value.map(transform) ?? .null
    }
}
