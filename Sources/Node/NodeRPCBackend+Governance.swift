import ChainTypes
import Ledger
import RPCServer

/// Validator sets, consensus progress, parameters, departments, accounts and governance proposals.
extension NodeRPCBackend {
    func validators(atHeight height: UInt64?) async throws(RPCBackendError) -> ValidatorEpoch {
        let view = try read()
        let target = height ?? view.height + 1
        guard target >= 1 else { throw .invalidArgument("height 0 is genesis: no validator set decides it") }
        guard target <= view.height + 1 else { throw .unknownBlock(height: target, latestHeight: view.height) }
        guard let epoch = try ledgerCall({ () throws(LedgerError) in try Self.epoch(in: view, at: target) }) else {
            throw .internalFailure("no validator set decides height \(target)")
        }
        return ValidatorEpoch(height: target, firstHeight: epoch.firstHeight, validators: epoch.validators)
    }

    func consensusStatus() async throws(RPCBackendError) -> ConsensusStatus {
        let status = host.driverStatus
        let view = try read()
        guard let set = try ledgerCall({ () throws(LedgerError) in try Self.validatorSet(in: view, at: status.height + 1) }) else {
            throw .internalFailure("no validator set decides height \(status.height + 1)")
        }
        let primary = set.primary(for: status.view)
        let phase: ConsensusPhase =
            status.halted != nil ? .halted : status.syncing ? .stateTransfer : status.changingView ? .viewChange : .normal
        let lastViewChange = status.lastViewChange.map { change in
            ViewChangeRecord(view: change.view, reason: "\(change.reason)", ageMs: PeerActivity.milliseconds(since: change.time))
        }
        var result = ConsensusStatus(
            height: status.height, view: status.view, phase: phase, primaryIndex: primary, primaryName: set.validators[primary].name,
            validatorIndex: set.index(of: host.consensusAddress), syncing: status.syncing, haltedReason: status.halted,
            viewChanges: status.viewChanges, lastViewChange: lastViewChange,
            lastCommitAgeMs: status.lastCommitTime.map(PeerActivity.milliseconds(since:)), peers: host.peers())
        result.role = host.role.description
        return result
    }

    func parameters() async throws(RPCBackendError) -> NetworkParameters {
        let view = try read()
        let parameters = try ledgerCall { () throws(LedgerError) in try view.parameters() }
        return NetworkParameters(
            consensus: parameters.consensus, governance: parameters.governance, protocolVersion: parameters.protocolVersion)
    }

    func nodes() async throws(RPCBackendError) -> [NodeInfo] {
        let view = try read()
        return try ledgerCall { () throws(LedgerError) in
            let registry = try view.nodes()
            let departments = Set(try view.departments().map(\.id))
            let validators = try view.validators().map { validator in
                let endpoints =
                    registry.first { $0.name == validator.name && $0.role == .validator && $0.department == validator.department }?
                    .endpoints
                return NodeInfo(name: validator.name, department: validator.department, role: "validator", endpoints: endpoints ?? [])
            }
            let observers = registry.filter { $0.role == .observer && departments.contains($0.department) }.map {
                NodeInfo(name: $0.name, department: $0.department, role: "observer", endpoints: $0.endpoints)
            }
            return validators + observers
        }
    }

    func departments() async throws(RPCBackendError) -> [DepartmentInfo] {
        let view = try read()
        return try ledgerCall { () throws(LedgerError) in
            let validators = try view.validators()
            return try view.departments().map { department in
                DepartmentInfo(
                    id: department.id, name: department.name, adminKeys: department.adminKeys, caCertificate: department.caCertificate,
                    validators: validators.filter { $0.department == department.id }.map(\.name))
            }
        }
    }

    func account(_ address: Address) async throws(RPCBackendError) -> AccountInfo? {
        let view = try read()
        return try ledgerCall { () throws(LedgerError) in
            try view.account(address).map { record in
                AccountInfo(
                    address: address, department: record.department, roles: record.roles, suspended: record.suspended, nonce: record.nonce,
                    pendingNonce: mempool.nextNonce(for: address, accountNonce: record.nonce))
            }
        }
    }

    func accounts(department: String, after: Address?, limit: Int) async throws(RPCBackendError) -> [AccountInfo]? {
        let view = try read()
        return try ledgerCall { () throws(LedgerError) in
            guard try view.department(department) != nil else { return nil }
            return try view.accounts(of: department, after: after, limit: Self.pageLimit(limit)).map { address, record in
                AccountInfo(
                    address: address, department: record.department, roles: record.roles, suspended: record.suspended, nonce: record.nonce,
                    pendingNonce: mempool.nextNonce(for: address, accountNonce: record.nonce))
            }
        }
    }

    func proposals(status: ProposalState?, beforeId: UInt64?, limit: Int) async throws(RPCBackendError) -> [ProposalInfo] {
        let view = try read()
        let records = try ledgerCall { () throws(LedgerError) in try view.proposals(status: status.map(Self.ledgerStatus)) }
        let older = records.filter { record in beforeId.map { record.id < $0 } ?? true }
        return older.prefix(Self.pageLimit(limit)).map(Self.proposal)
    }

    static func ledgerStatus(_ state: ProposalState) -> ProposalStatus {
        switch state {
        case .open: return .open
        case .passed: return .passed
        case .activated: return .activated
        case .rejected: return .rejected
        case .expired: return .expired
        case .failed: return .failed
        }
    }

    static func proposalState(_ status: ProposalStatus) -> ProposalState {
        switch status {
        case .open: return .open
        case .passed: return .passed
        case .activated: return .activated
        case .rejected: return .rejected
        case .expired: return .expired
        case .failed: return .failed
        }
    }

    static func proposal(_ record: ProposalRecord) -> ProposalInfo {
        ProposalInfo(
            id: record.id, proposer: record.proposer, department: record.department, change: record.change,
            description: record.description, createdHeight: record.createdHeight, expiresHeight: record.expiresHeight,
            activationHeight: record.activationHeight,
            votes: record.votes.map {
                ProposalInfo.Vote(department: $0.department, approve: $0.approve, voter: $0.voter, height: $0.height)
            },
            status: proposalState(record.status), statusHeight: record.statusHeight, failure: record.failure)
    }
}
