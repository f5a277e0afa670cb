import ChainTypes

/// JSON Schema for every value the API exchanges, shared through the OpenRPC document's `components`.
///
/// These describe exactly what `RPCJSON` writes and reads; `RPCSchemaTests` checks each golden response
/// against them, so the document and the wire format cannot drift apart.
public enum RPCSchemas {
    /// A reference to a shared schema, `{"$ref": "#/components/schemas/NAME"}`.
    ///
    /// Not checked here (`components` itself is built from references); `RPCSchemaTests` resolves every one.
    public static func reference(_ name: String) -> JSONValue {
        .object(["$ref": .string("#/components/schemas/" + name)])
    }

    /// An object schema with these properties in order; `required` lists the ones always present.
    static func object(_ title: String, _ properties: KeyValuePairs<String, JSONValue>, required: [String]? = nil) -> JSONValue {
        let names = properties.map(\.key)
        return .object([
            "title": .string(title),
            "type": .string("object"),
            "properties": .object(properties),
            "required": .array((required ?? names).map { .string($0) }),
        ])
    }

    static func hexString(_ title: String, bytes: Int?, _ description: String) -> JSONValue {
        let pattern = bytes.map { "^0x[0-9a-fA-F]{\($0 * 2)}$" } ?? "^0x([0-9a-fA-F]{2})*$"
        return .object([
            "title": .string(title), "type": .string("string"), "pattern": .string(pattern), "description": .string(description),
        ])
    }

    static func enumeration(_ values: [String], default defaultValue: String? = nil) -> JSONValue {
        var object = JSONObject([(key: "type", value: .string("string")), (key: "enum", value: .array(values.map { .string($0) }))])
        if let defaultValue { object.append("default", .string(defaultValue)) }
        return .object(object)
    }

    static let string: JSONValue = .object(["type": .string("string")])
    static let boolean: JSONValue = .object(["type": .string("boolean")])
    static let nonNegativeInteger: JSONValue = .object(["type": .string("integer"), "minimum": .number(0)])
    static func nullable(_ schema: JSONValue) -> JSONValue { .object(["oneOf": .array([schema, .object(["type": .string("null")])])]) }
    static func array(of items: JSONValue) -> JSONValue { .object(["type": .string("array"), "items": items]) }

    static let uint64: JSONValue = .object([
        "title": .string("Uint64"),
        "description": .string(
            "An unsigned 64-bit integer: a JSON number up to 2^53 - 1 (9007199254740991), a decimal string above it. "
                + "Inputs may use either form."),
        "oneOf": .array([
            .object(["type": .string("integer"), "minimum": .number(0), "maximum": .number(RPCLimits.jsonSafeIntegerMax)]),
            .object(["type": .string("string"), "pattern": .string("^(0|[1-9][0-9]*)$")]),
        ]),
    ])

    /// The `data` of error −32000: the stable reason code, then the values that reason carries.
    static let transactionRejection: JSONValue = {
        let members = TransactionRejection.Reason.allCases.map { reason in
            let names = TransactionRejection.sample(reason).details.map { "\($0.name) (\(detailType($0.value)))" }
            return "\(reason.rawValue): " + (names.isEmpty ? "no values" : names.joined(separator: ", "))
        }
        return .object([
            "title": .string("TransactionRejection"), "type": .string("object"),
            "description": .string(
                "The data of error -32000 (a refused transaction): reason, a stable code, then the values that reason "
                    + "carries, named as listed here. The message repeats them in a sentence. Values by reason: "
                    + members.joined(separator: "; ") + "."),
            "properties": .object(["reason": enumeration(TransactionRejection.reasons)]), "required": .array([.string("reason")]),
        ])
    }()

    static func detailType(_ detail: TransactionRejection.Detail) -> String {
        switch detail {
        case .integer: "Uint64"
        case .text: "string"
        case .address: "Address"
        case .hash: "Hash"
        case .texts: "array of string"
        }
    }

    /// The shared schemas, in document order.
    public static let components: KeyValuePairs<String, JSONValue> = [
        "Hash": hexString("Hash", bytes: Hash.byteCount, "A 32-byte SHA-256 digest as 0x + 64 hex digits."),
        "Address": hexString("Address", bytes: Address.byteCount, "A 20-byte account or validator address as 0x + 40 hex digits."),
        "Bytes": hexString("Bytes", bytes: nil, "A byte string as 0x + two hex digits per byte (\"0x\" when empty)."),
        "Uint64": uint64,
        "TransactionRejection": transactionRejection,
        "BlockHeader": object(
            "BlockHeader",
            [
                "chainId": string, "height": reference("Uint64"), "view": reference("Uint64"), "timestampMs": reference("Uint64"),
                "parentHash": reference("Hash"), "proposer": reference("Address"), "transactionsRoot": reference("Hash"),
                "lastCommitHash": reference("Hash"), "previousReceiptsRoot": reference("Hash"), "stateRoot": reference("Hash"),
                "validatorsHash": reference("Hash"),
            ]),
        "Transaction": object(
            "Transaction",
            [
                "hash": reference("Hash"), "chainId": string, "sender": reference("Address"), "nonce": reference("Uint64"),
                "kind": enumeration(TransactionKind.allCases.map(RPCJSON.name(of:))), "payload": reference("Bytes"),
                "fuelLimit": reference("Uint64"), "expiryHeight": reference("Uint64"), "signature": reference("Bytes"),
            ]),
        "CommitCertificate": object(
            "CommitCertificate",
            [
                "height": reference("Uint64"), "view": reference("Uint64"), "blockHash": reference("Hash"),
                "votes": array(of: reference("CommitVote")),
            ]),
        "CommitVote": object("CommitVote", ["validatorIndex": nonNegativeInteger, "signature": reference("Bytes")]),
        "Block": object(
            "Block",
            [
                "hash": reference("Hash"), "header": reference("BlockHeader"), "transactionCount": nonNegativeInteger,
                "transactions": array(of: .object(["oneOf": .array([reference("Hash"), reference("Transaction")])])),
                "lastCommit": nullable(reference("CommitCertificate")),
            ], required: ["hash", "header", "transactionCount", "lastCommit"]),
        "Event": object("Event", ["contract": reference("Address"), "topic": string, "data": reference("Bytes")]),
        "Receipt": object(
            "Receipt",
            [
                "transactionHash": reference("Hash"), "status": enumeration(ReceiptStatus.allCases.map(RPCJSON.name(of:))),
                "fuelUsed": reference("Uint64"), "errorMessage": nullable(string), "events": array(of: reference("Event")),
                "returnData": reference("Bytes"), "height": reference("Uint64"), "index": nonNegativeInteger,
                "blockHash": reference("Hash"),
            ]),
        "NodeStatus": object(
            "NodeStatus",
            [
                "chainId": string, "nodeId": string, "latestHeight": reference("Uint64"), "latestHash": reference("Hash"),
                "view": reference("Uint64"), "peersConnected": nonNegativeInteger, "syncing": boolean,
                "role": enumeration(["validator", "observer"]),
                "executableProtocolVersions": object(
                    "ExecutableProtocolVersions", ["lowest": nonNegativeInteger, "highest": nonNegativeInteger]),
                "protocolVersion": nonNegativeInteger,
                "peerProtocolVersions": object("PeerProtocolVersions", ["lowest": nonNegativeInteger, "highest": nonNegativeInteger]),
            ]),
        "Cursor": .object([
            "title": .string("Cursor"), "type": .string("string"), "maxLength": .number(RPCLimits.cursorCharactersMax),
            "description": .string(
                "An opaque page cursor: pass a page's nextCursor back unchanged to get the next page. It marks a position "
                    + "in the chain, so it stays valid while blocks are added; a cursor from another method is -32602."),
        ]),
        "PeerInfo": object(
            "PeerInfo",
            [
                "name": string, "department": string, "direction": enumeration(PeerInfo.Direction.allCases.map(\.rawValue)),
                "certificateNotValidAfterMs": nullable(reference("Uint64")), "lastMessageAgeMs": nullable(reference("Uint64")),
                "protocolVersion": nullable(nonNegativeInteger),
            ]),
        "Backup": object("Backup", ["directory": string, "heightAtLeast": reference("Uint64")]),
        "NodeHealth": object(
            "NodeHealth",
            [
                "ready": boolean, "syncing": boolean, "haltedReason": nullable(string), "peersConnected": nonNegativeInteger,
                "quorum": nonNegativeInteger, "latestHeight": reference("Uint64"), "lastCommitAgeMs": nullable(reference("Uint64")),
                "pendingTransactions": nonNegativeInteger,
            ]),
        "HashedHeader": object("HashedHeader", ["hash": reference("Hash"), "header": reference("BlockHeader")]),
        "ConsensusParameters": object(
            "ConsensusParameters",
            [
                "checkpointInterval": reference("Uint64"), "watermarkWindow": reference("Uint64"),
                "viewChangeTimeoutTicks": reference("Uint64"), "viewChangeTimeoutTicksMax": reference("Uint64"),
                "tickMs": reference("Uint64"), "blockTransactionsMax": nonNegativeInteger, "blockBytesMax": nonNegativeInteger,
                "blockFuelMax": reference("Uint64"), "timestampDriftMsMax": reference("Uint64"),
                "transactionFuelMax": reference("Uint64"), "blockWriteBytesMax": reference("Uint64"),
            ]),
        "GovernanceParameters": object(
            "GovernanceParameters",
            [
                "thresholdNumerator": nonNegativeInteger, "thresholdDenominator": nonNegativeInteger,
                "proposalLifetimeBlocks": reference("Uint64"), "departmentsMayDeploy": boolean,
            ]),
        "Genesis": object(
            "Genesis",
            [
                "hash": reference("Hash"),
                "document": object(
                    "GenesisDocument",
                    [
                        "chainId": string, "genesisTimeMs": reference("Uint64"), "protocolVersion": nonNegativeInteger,
                        "departments": array(
                            of: object(
                                "GenesisDepartment",
                                ["id": string, "name": string, "adminKeys": array(of: string), "caCertificate": string])),
                        "validators": array(
                            of: object(
                                "GenesisValidator",
                                [
                                    "name": string, "department": string, "consensusPublicKey": string, "tlsCertificate": string,
                                    "endpoints": array(of: string),
                                ], required: ["name", "department", "consensusPublicKey", "tlsCertificate"])),
                        "accounts": array(
                            of: object(
                                "GenesisAccount", ["address": reference("Address"), "department": string, "roles": array(of: string)])),
                        "consensus": reference("ConsensusParameters"), "governance": reference("GovernanceParameters"),
                        "contracts": array(
                            of: object(
                                "GenesisContract",
                                ["name": string, "address": reference("Address"), "codeFile": string, "codeHash": reference("Hash")])),
                    ]),
            ]),
        "CommittedTransaction": object(
            "CommittedTransaction",
            [
                "transaction": reference("Transaction"), "height": reference("Uint64"), "index": nonNegativeInteger,
                "blockHash": reference("Hash"), "status": enumeration(ReceiptStatus.allCases.map(RPCJSON.name(of:))),
            ]),
        "TransactionPage": object(
            "TransactionPage",
            ["transactions": array(of: reference("CommittedTransaction")), "nextCursor": nullable(reference("Cursor"))]),
        "EventRecord": object(
            "EventRecord",
            [
                "contract": reference("Address"), "topic": string, "data": reference("Bytes"), "height": reference("Uint64"),
                "transactionIndex": nonNegativeInteger, "eventIndex": nonNegativeInteger, "transactionHash": reference("Hash"),
                "decoded": nullable(decodedFields),
            ]),
        "EventPage": object("EventPage", ["events": array(of: reference("EventRecord")), "nextCursor": nullable(reference("Cursor"))]),
        "StateValue": object(
            "StateValue",
            [
                "contract": reference("Address"), "key": reference("Bytes"), "height": reference("Uint64"),
                "value": nullable(reference("Bytes")),
            ]),
        "StorageProof": object(
            "StorageProof",
            [
                "contract": reference("Address"), "key": reference("Bytes"), "stateKey": reference("Hash"), "height": reference("Uint64"),
                "value": nullable(reference("Bytes")), "proof": reference("Bytes"), "siblings": array(of: reference("Hash")),
                "leaf": nullable(object("ProofLeaf", ["key": reference("Hash"), "valueHash": reference("Hash")])),
                "stateRoot": reference("Hash"), "headerHash": nullable(reference("Hash")), "header": nullable(reference("BlockHeader")),
                "certificate": nullable(reference("CommitCertificate")),
            ]),
        "ContractCallResult": object(
            "ContractCallResult",
            [
                "height": reference("Uint64"), "status": enumeration(ReceiptStatus.allCases.map(RPCJSON.name(of:))),
                "errorMessage": nullable(string), "fuelUsed": reference("Uint64"), "returnData": reference("Bytes"),
                "decoded": nullable(decodedFields),
            ]),
        "ContractInfo": object(
            "ContractInfo",
            [
                "address": reference("Address"), "name": string, "codeHash": reference("Hash"), "codeBytes": nonNegativeInteger,
                "department": string, "deployer": reference("Address"), "isStandard": boolean, "deployedHeight": reference("Uint64"),
                "interface": nullable(.object(["type": .string("object"), "description": .string("The NAME.interface.json document.")])),
            ]),
        "RecordInfo": object(
            "RecordInfo",
            [
                "kind": enumeration(RecordKind.allCases.map(\.rawValue)), "contract": reference("Address"), "id": string,
                "height": reference("Uint64"), "record": decodedFields, "history": array(of: reference("EventRecord")),
            ]),
        "ValidatorEpoch": object(
            "ValidatorEpoch",
            [
                "height": reference("Uint64"), "firstHeight": reference("Uint64"), "validatorsHash": reference("Hash"),
                "count": nonNegativeInteger, "faultsTolerated": nonNegativeInteger, "quorum": nonNegativeInteger,
                "validators": array(
                    of: object(
                        "Validator",
                        [
                            "index": nonNegativeInteger, "name": string, "department": string, "publicKey": reference("Bytes"),
                            "address": reference("Address"),
                        ])),
            ]),
        "ConsensusStatus": object(
            "ConsensusStatus",
            [
                "height": reference("Uint64"), "view": reference("Uint64"),
                "phase": enumeration(ConsensusPhase.allCases.map(\.rawValue)), "primaryIndex": nonNegativeInteger, "primaryName": string,
                "validatorIndex": nullable(nonNegativeInteger), "syncing": boolean, "haltedReason": nullable(string),
                "viewChanges": reference("Uint64"),
                "lastViewChange": nullable(
                    object("ViewChangeRecord", ["view": reference("Uint64"), "reason": string, "ageMs": reference("Uint64")])),
                "lastCommitAgeMs": nullable(reference("Uint64")),
                "peers": array(of: reference("PeerInfo")),
                "role": enumeration(["validator", "observer"]),
            ]),
        "NetworkParameters": object(
            "NetworkParameters",
            [
                "protocolVersion": nonNegativeInteger, "consensus": reference("ConsensusParameters"),
                "governance": reference("GovernanceParameters"),
            ]),
        "Department": object(
            "Department",
            [
                "id": string, "name": string, "adminKeys": array(of: reference("Bytes")), "caCertificate": string,
                "validators": array(of: string),
            ]),
        "Node": object(
            "Node",
            [
                "name": string, "department": string, "role": enumeration(["validator", "observer"]),
                "endpoints": array(of: string),
            ]),
        "Account": object(
            "Account",
            [
                "address": reference("Address"), "department": string,
                "roles": array(of: enumeration(Genesis.Role.allCases.map(\.rawValue))), "suspended": boolean, "nonce": reference("Uint64"),
                "pendingNonce": reference("Uint64"),
            ]),
        "AccountPage": object(
            "AccountPage", ["accounts": array(of: reference("Account")), "nextCursor": nullable(reference("Cursor"))]),
        "ProposalChange": object(
            "ProposalChange",
            [
                "kind": string, "id": string, "name": string, "adminKeys": array(of: reference("Bytes")), "caCertificate": string,
                "department": string, "consensusKey": reference("Bytes"), "tlsCertificate": string,
                "certificateDigest": reference("Hash"), "address": reference("Address"), "codeHash": reference("Hash"),
                "codeBytes": nonNegativeInteger, "consensus": reference("ConsensusParameters"),
                "governance": reference("GovernanceParameters"), "protocolVersion": nonNegativeInteger,
            ], required: ["kind"]),
        "Proposal": object(
            "Proposal",
            [
                "id": reference("Uint64"), "proposer": reference("Address"), "department": string, "change": reference("ProposalChange"),
                "description": string, "createdHeight": reference("Uint64"), "expiresHeight": reference("Uint64"),
                "activationHeight": reference("Uint64"),
                "votes": array(
                    of: object(
                        "ProposalVote",
                        ["department": string, "approve": boolean, "voter": reference("Address"), "height": reference("Uint64")])),
                "status": enumeration(ProposalState.allCases.map(\.rawValue)), "statusHeight": reference("Uint64"),
                "failure": nullable(string),
            ]),
        "ProposalPage": object(
            "ProposalPage", ["proposals": array(of: reference("Proposal")), "nextCursor": nullable(reference("Cursor"))]),
        "Subscription": object("Subscription", ["subscription": string, "cursor": reference("Cursor")]),
        "SubscriptionNotification": .object([
            "title": .string("SubscriptionNotification"),
            "description": .string(
                "The params of a WebSocket notification {\"jsonrpc\": \"2.0\", \"method\": \"subscription\", \"params\": ...}. "
                    + "result is a HashedHeader (newHeads), an EventRecord (events) or a TransactionStatus (txStatus). A "
                    + "notification with error instead ends the subscription; its cursor is the last one sent, to resume from."),
            "type": .string("object"),
            "properties": .object([
                "subscription": string, "sequence": reference("Uint64"), "cursor": reference("Cursor"), "result": .object([:]),
                "error": object(
                    "SubscriptionError", ["code": .object(["type": .string("integer")]), "message": string, "data": .object([:])],
                    required: ["code", "message"]),
            ]),
            "required": .array([.string("subscription"), .string("sequence"), .string("cursor")]),
        ]),
        "TransactionStatus": object(
            "TransactionStatus",
            ["status": enumeration(["pending", "unknown", "committed"]), "receipt": nullable(reference("Receipt"))]),
    ]

    /// Contract values decoded by an interface description: field name to value, with integers by the
    /// Uint64 rule, bytes, hashes and addresses as hex, enumeration codes by their names, sequences as arrays.
    static let decodedFields: JSONValue = .object([
        "type": .string("object"),
        "description": .string(
            "Fields decoded by the contract's interface description: integers by the Uint64 rule, bytes, hashes and addresses "
                + "as 0x-hex, enumeration codes by name, sequences as arrays of objects."),
    ])
}
