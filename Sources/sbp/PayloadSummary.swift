import ChainTypes

/// A transaction's payload decoded by its kind, as JSON: what `sbp tx get` shows beside the raw bytes.
///
/// The payload formats are `docs/protocol.md` §5.1; a payload that does not decode is shown with the
/// reason, never as a failure of the command (the node may have rejected exactly that transaction).
enum PayloadSummary {
    static func decode(kind: TransactionKind, payload: [UInt8], sender: Address, nonce: UInt64) -> JSON {
        do {
            switch kind {
            case .deploy:
                let deploy = try DeployPayload(canonicalBytes: payload)
                return [
                    "name": .string(deploy.name), "codeBytes": .integer(Int64(deploy.code.count)),
                    "codeHash": .string(Hash.sha256(deploy.code).description),
                    "contractAddress": .string(Address.contract(deployer: sender, nonce: nonce).description),
                ]
            case .call:
                let call = try CallPayload(canonicalBytes: payload)
                var decoder = CanonicalDecoder(call.input)
                let method = try? decoder.readText(field: "call.method", limit: Limits.identifierBytesMax)
                return ["contract": .string(call.contract.description), "method": method.map(JSON.string) ?? .null]
            case .account: return account(try AccountAction(canonicalBytes: payload))
            case .governance: return governance(try GovernanceAction(canonicalBytes: payload))
            case .node: return node(try NodeAction(canonicalBytes: payload))
            }
        } catch {
            return ["error": .string("the payload does not decode as kind \(kind): \(error)")]
        }
    }

    static func account(_ action: AccountAction) -> JSON {
        switch action {
        case .add(let address, let roles): ["action": "add", "address": .string(address.description), "roles": roleList(roles)]
        case .suspend(let address): ["action": "suspend", "address": .string(address.description)]
        case .reinstate(let address): ["action": "reinstate", "address": .string(address.description)]
        case .setRoles(let address, let roles): ["action": "setRoles", "address": .string(address.description), "roles": roleList(roles)]
        }
    }

    static func node(_ action: NodeAction) -> JSON {
        switch action {
        case .registerObserver(let name, _, let endpoints):
            ["action": "registerObserver", "name": .string(name), "endpoints": .array(endpoints.map(JSON.string))]
        case .removeObserver(let name): ["action": "removeObserver", "name": .string(name)]
        case .rotateObserver(let name, _): ["action": "rotateObserver", "name": .string(name)]
        case .setEndpoints(let name, let endpoints):
            ["action": "setEndpoints", "name": .string(name), "endpoints": .array(endpoints.map(JSON.string))]
        }
    }

    static func governance(_ action: GovernanceAction) -> JSON {
        switch action {
        case .propose(let change, let activationHeight, let description):
            [
                "action": "propose", "change": self.change(change), "activationHeight": .uint64(activationHeight),
                "description": .string(description),
            ]
        case .vote(let proposal, let approve): ["action": "vote", "proposal": .uint64(proposal), "approve": .bool(approve)]
        }
    }

    /// A proposal change in the members `governance_getProposals` uses (`docs/rpc.md`, ProposalChange).
    static func change(_ change: ProposalChange) -> JSON {
        var members: [String: JSON] = ["kind": .string(change.kindName)]
        switch change {
        case .addDepartment(let id, let name, let adminKeys, let caCertificate):
            members["id"] = .string(id)
            members["name"] = .string(name)
            members["adminKeys"] = .array(adminKeys.map { JSON.hex($0) })
            members["caCertificate"] = .string(caCertificate)
        case .removeDepartment(let id): members["id"] = .string(id)
        case .addValidator(let name, let department, let consensusKey, let tlsCertificate):
            members["name"] = .string(name)
            members["department"] = .string(department)
            members["consensusKey"] = .hex(consensusKey)
            members["tlsCertificate"] = .string(tlsCertificate)
        case .removeValidator(let name): members["name"] = .string(name)
        case .rotateValidator(let name, let consensusKey, let tlsCertificate):
            members["name"] = .string(name)
            members["consensusKey"] = .hex(consensusKey)
            members["tlsCertificate"] = .string(tlsCertificate)
        case .revokeCertificate(let digest): members["certificateDigest"] = .string(digest.description)
        case .upgradeContract(let name, let address, let code):
            members["name"] = .string(name)
            members["address"] = .string(address.description)
            members["codeHash"] = .string(Hash.sha256(code).description)
            members["codeBytes"] = .integer(Int64(code.count))
        case .setConsensusParameters(let parameters): members["consensus"] = ConsensusParameterOverrides.json(parameters)
        case .setGovernanceParameters(let parameters): members["governance"] = GovernanceParameterOverrides.json(parameters)
        case .setProtocolVersion(let version): members["protocolVersion"] = .integer(Int64(version))
        }
        return .object(members)
    }

    static func roleList(_ roles: [Genesis.Role]) -> JSON { .array(roles.map { .string($0.rawValue) }) }
}
