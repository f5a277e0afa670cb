import ChainTypes
import ContractVM
import Keys
import Storage

/// Governance proposals: opening, department votes, threshold, expiry and activation (DESIGN §5).
///
/// One vote per department, cast by any of its admins; the proposing department votes yes by proposing.
/// A proposal passes when yes-departments reach `threshold × departments`, is rejected when the
/// remaining departments can no longer get it there, and expires after `proposalLifetimeBlocks`.
/// A passed change takes effect at the start of its activation height; a change whose requested height
/// has already gone by takes effect at once, except validator-set changes, which consensus must learn
/// two blocks ahead (PBFT-NOTES rule 20): they activate no sooner than two blocks after passing, and the
/// block two heights before activation reports the new set (`endBlock`).
struct Governance {
    let state: BlockState
    let height: UInt64

    /// Expires proposals whose lifetime ended and applies those scheduled for this height.
    mutating func beginBlock() throws(LedgerError) {
        var book = try state.governanceBook()
        var stillOpen: [UInt64] = []
        for id in book.open {
            guard var proposal = try state.proposal(id) else { continue }
            if proposal.expiresHeight < height {
                proposal.status = .expired
                proposal.statusHeight = height
                state.setRecord(StateLayout.proposal(id), proposal)
            } else {
                stillOpen.append(id)
            }
        }
        book.open = stillOpen
        let due = book.scheduled.filter { $0.height <= height }
        book.scheduled.removeAll { $0.height <= height }
        state.setRecord(StateLayout.governance, book)
        for activation in due {
            guard var proposal = try state.proposal(activation.proposal) else { continue }
            try activate(&proposal)
        }
    }

    /// The validator set two heights ahead, when a change activates exactly there.
    func endBlock() throws(LedgerError) -> (ValidatorSet, UInt64)? {
        let book = try state.governanceBook()
        let target = height + 2
        let upcoming = book.scheduled.filter { $0.height == height + 1 || $0.height == target }
        var proposals: [ProposalRecord] = []
        var changesAtTarget = false
        for activation in upcoming {
            guard let proposal = try state.proposal(activation.proposal), proposal.change.changesValidators else { continue }
            proposals.append(proposal)
            if activation.height == target { changesAtTarget = true }
        }
        guard changesAtTarget else { return nil }
        var records = try state.validators()
        for proposal in proposals {
            if case .success(let updated) = Self.applyValidatorChange(proposal.change, to: records, state: state) { records = updated }
        }
        guard let set = try? Self.validatorSet(records) else { return nil }
        return (set, target)
    }

    // MARK: Transactions

    mutating func execute(
        _ transaction: Transaction, hash: Hash, account: AccountRecord, index: UInt32, indexes: inout WriteBatch
    ) throws(LedgerError) -> Receipt {
        guard let action = try? GovernanceAction(canonicalBytes: transaction.body.payload) else {
            return BlockExecution.rejected(hash, .malformedPayload("governance payload"))
        }
        let result: Result<(proposal: ProposalRecord, topic: String), ProposalFailure>
        switch action {
        case .propose(let change, let activationHeight, let description):
            result = try propose(
                change, activationHeight: activationHeight, description: description, sender: transaction.body.sender, account: account)
        case .vote(let id, let approve):
            result = try vote(id, approve: approve, sender: transaction.body.sender, account: account)
        }
        switch result {
        case .failure(let failure):
            return BlockExecution.reverted(hash, failure.message)
        case .success(let (proposal, topic)):
            var events = [SystemEvents.proposal(topic, id: proposal.id, detail: proposal.change.kindName)]
            if proposal.status != .open {
                let decided = "Proposal" + proposal.status.description.prefix(1).uppercased() + proposal.status.description.dropFirst()
                events.append(SystemEvents.proposal(decided, id: proposal.id, detail: proposal.failure))
            }
            for (eventIndex, event) in events.enumerated() {
                indexes.put(
                    IndexedEvent(transactionHash: hash, event: event).canonicalBytes,
                    for: IndexKeys.proposal(proposal.id, height: height, index: index) + [UInt8(eventIndex)], in: .indexes)
            }
            return BlockExecution.succeeded(hash, events: events, returnData: proposal.id.canonicalBytes)
        }
    }

    struct ProposalFailure: Error {
        let message: String
    }

    mutating func propose(
        _ change: ProposalChange, activationHeight: UInt64, description: String, sender: Address, account: AccountRecord
    ) throws(LedgerError) -> Result<(proposal: ProposalRecord, topic: String), ProposalFailure> {
        if let problem = try Self.problem(with: change, state: state) { return .failure(ProposalFailure(message: problem)) }
        var book = try state.governanceBook()
        guard book.open.count < 4096 else { return .failure(ProposalFailure(message: "too many open proposals")) }
        let parameters = try state.parameters()
        let id = book.nextProposalId
        book.nextProposalId += 1
        var proposal = ProposalRecord(
            id: id, proposer: sender, department: account.department, change: change, description: description, createdHeight: height,
            expiresHeight: height + parameters.governance.proposalLifetimeBlocks, activationHeight: activationHeight)
        proposal.votes.append(ProposalVote(department: account.department, approve: true, voter: sender, height: height))
        book.open.append(id)
        state.setRecord(StateLayout.governance, book)
        try tally(&proposal)
        return .success((proposal, "ProposalCreated"))
    }

    mutating func vote(
        _ id: UInt64, approve: Bool, sender: Address, account: AccountRecord
    ) throws(LedgerError) -> Result<(proposal: ProposalRecord, topic: String), ProposalFailure> {
        guard var proposal = try state.proposal(id) else { return .failure(ProposalFailure(message: "unknown proposal \(id)")) }
        guard proposal.status == .open else {
            return .failure(ProposalFailure(message: "proposal \(id) is \(proposal.status), not open"))
        }
        guard !proposal.votes.contains(where: { $0.department == account.department }) else {
            return .failure(ProposalFailure(message: "department \(account.department) already voted on proposal \(id)"))
        }
        proposal.votes.append(ProposalVote(department: account.department, approve: approve, voter: sender, height: height))
        try tally(&proposal)
        return .success((proposal, approve ? "ProposalVotedYes" : "ProposalVotedNo"))
    }

    /// Counts the votes of current departments and passes or rejects the proposal when decided.
    mutating func tally(_ proposal: inout ProposalRecord) throws(LedgerError) {
        let departments = Set(try state.departmentIds())
        let parameters = try state.parameters().governance
        let total = UInt64(departments.count)
        let yes = UInt64(proposal.votes.filter { $0.approve && departments.contains($0.department) }.count)
        let no = UInt64(proposal.votes.filter { !$0.approve && departments.contains($0.department) }.count)
        let numerator = UInt64(parameters.thresholdNumerator)
        let denominator = UInt64(parameters.thresholdDenominator)
        var book = try state.governanceBook()
        if yes * denominator >= numerator * total {
            book.open.removeAll { $0 == proposal.id }
            proposal.statusHeight = height
            let earliest = height + (proposal.change.changesValidators ? 2 : 0)
            proposal.activationHeight = max(proposal.activationHeight, earliest)
            proposal.status = .passed
            if proposal.activationHeight <= height {
                state.setRecord(StateLayout.governance, book)
                try activate(&proposal)
                return
            }
            book.scheduled.append(.init(height: proposal.activationHeight, proposal: proposal.id))
        } else if (total - min(no, total)) * denominator < numerator * total {
            book.open.removeAll { $0 == proposal.id }
            proposal.status = .rejected
            proposal.statusHeight = height
        }
        state.setRecord(StateLayout.governance, book)
        state.setRecord(StateLayout.proposal(proposal.id), proposal)
    }

    // MARK: Activation

    /// Applies a passed proposal's change; a change the state no longer allows marks it failed.
    mutating func activate(_ proposal: inout ProposalRecord) throws(LedgerError) {
        proposal.statusHeight = height
        if let problem = try apply(proposal.change) {
            proposal.status = .failed
            proposal.failure = problem
        } else {
            proposal.status = .activated
        }
        state.setRecord(StateLayout.proposal(proposal.id), proposal)
    }

    /// Applies `change`, or returns why it cannot be applied (changing nothing).
    func apply(_ change: ProposalChange) throws(LedgerError) -> String? {
        if let problem = try Self.problem(with: change, state: state) { return problem }
        if change.changesValidators {
            let records: [ValidatorRecord]
            switch Self.applyValidatorChange(change, to: try state.validators(), state: state) {
            case .failure(let failure): return failure.message
            case .success(let updated): records = updated
            }
            let set: ValidatorSet
            do {
                set = try Self.validatorSet(records)
            } catch {
                return "the resulting validator set is invalid: \(error)"
            }
            state.setRecord(StateLayout.validators, RecordList(records))
            var epochs = try state.epochs()
            epochs.epochs.removeAll { $0.firstHeight == height }
            epochs.epochs.append(.init(firstHeight: height, validators: set))
            state.setRecord(StateLayout.epochs, epochs)
        }
        switch change {
        case .addDepartment(let id, let name, let adminKeys, let caCertificate):
            state.setRecord(
                StateLayout.department(id), DepartmentRecord(id: id, name: name, adminKeys: adminKeys, caCertificate: caCertificate))
            state.setRecord(StateLayout.departmentList, TextList(try state.departmentIds() + [id]))
            for key in adminKeys {
                guard let address = try? PublicKey(bytes: key).address, try state.account(address) == nil else { continue }
                state.setRecord(StateLayout.account(address), AccountRecord(department: id, roles: [.admin]))
            }
        case .removeDepartment(let id):
            state.set(StateLayout.department(id), nil)
            state.setRecord(StateLayout.departmentList, TextList(try state.departmentIds().filter { $0 != id }))
        case .revokeCertificate(let digest):
            state.setRecord(StateLayout.revoked(digest), height)
            state.setRecord(StateLayout.revokedList, RecordList(try state.revokedCertificates() + [digest]))
        case .upgradeContract(let name, let address, let code):
            let module: ContractModule
            do {
                module = try ContractModule(code: code)
            } catch {
                return "invalid contract: \(error)"
            }
            let record = ContractRecord(
                name: name, codeHash: module.codeHash, codeBytes: UInt32(code.count), department: "", deployer: .zero, isStandard: true,
                deployedHeight: height)
            state.storeCode(code, hash: record.codeHash)
            if try state.contractRecord(address) == nil {
                state.setRecord(StateLayout.contractList, RecordList(try state.contractAddresses() + [address]))
            }
            state.setRecord(StateLayout.contract(address), record)
        case .setConsensusParameters(let consensus):
            var parameters = try state.parameters()
            parameters.consensus = consensus
            state.setRecord(StateLayout.parameters, parameters)
        case .setGovernanceParameters(let governance):
            var parameters = try state.parameters()
            parameters.governance = governance
            state.setRecord(StateLayout.parameters, parameters)
        case .setProtocolVersion(let version):
            var parameters = try state.parameters()
            parameters.protocolVersion = version
            state.setRecord(StateLayout.parameters, parameters)
        case .addValidator, .removeValidator, .rotateValidator:
            break
        }
        return nil
    }

    /// Why `change` cannot apply to the current state, or nil.
    static func problem(with change: ProposalChange, state: BlockState) throws(LedgerError) -> String? {
        switch change {
        case .addDepartment(let id, _, let adminKeys, let caCertificate):
            if try state.department(id) != nil { return "department \(id) already exists" }
            if adminKeys.contains(where: { (try? PublicKey(bytes: $0)) == nil }) { return "an admin key is not a point on secp256k1" }
            if !caCertificate.hasPrefix("-----BEGIN CERTIFICATE-----") { return "the CA certificate must be PEM" }
        case .removeDepartment(let id):
            if try state.department(id) == nil { return "unknown department \(id)" }
            if try state.departmentIds().count <= 1 { return "the last department cannot be removed" }
        case .addValidator(let name, let department, let key, let certificate):
            if try state.department(department) == nil { return "unknown department \(department)" }
            if try state.validators().contains(where: { $0.name == name }) { return "validator \(name) already exists" }
            if (try? PublicKey(bytes: key)) == nil { return "the consensus key is not a point on secp256k1" }
            if !certificate.hasPrefix("-----BEGIN CERTIFICATE-----") { return "the TLS certificate must be PEM" }
        case .removeValidator(let name):
            if try !state.validators().contains(where: { $0.name == name }) { return "unknown validator \(name)" }
        case .rotateValidator(let name, let key, let certificate):
            if try !state.validators().contains(where: { $0.name == name }) { return "unknown validator \(name)" }
            if (try? PublicKey(bytes: key)) == nil { return "the consensus key is not a point on secp256k1" }
            if !certificate.hasPrefix("-----BEGIN CERTIFICATE-----") { return "the TLS certificate must be PEM" }
        case .revokeCertificate(let digest):
            if try state.record(StateLayout.revoked(digest), as: UInt64.self) != nil { return "certificate \(digest) is already revoked" }
        case .upgradeContract(_, let address, let code):
            if let existing = try state.contractRecord(address), !existing.isStandard {
                return "\(address) holds a department contract; governance upgrades only standard contracts"
            }
            do {
                _ = try ContractModule(code: code)
            } catch {
                return "invalid contract: \(error)"
            }
        case .setConsensusParameters(let parameters):
            do {
                try parameters.validate()
            } catch {
                return error.description
            }
        case .setGovernanceParameters(let parameters):
            do {
                try parameters.validate()
            } catch {
                return error.description
            }
        case .setProtocolVersion(let version):
            let current = try state.parameters().protocolVersion
            if version <= current { return "protocol version \(version) is not above the current \(current)" }
        }
        return nil
    }

    /// The validator records after `change` (for validator-changing proposals only).
    static func applyValidatorChange(
        _ change: ProposalChange, to records: [ValidatorRecord], state: BlockState
    ) -> Result<[ValidatorRecord], ProposalFailure> {
        var records = records
        switch change {
        case .addValidator(let name, let department, let key, let certificate):
            guard !records.contains(where: { $0.name == name || $0.consensusKey == key }) else {
                return .failure(ProposalFailure(message: "validator \(name) or its key already exists"))
            }
            records.append(ValidatorRecord(name: name, department: department, consensusKey: key, tlsCertificate: certificate))
        case .removeValidator(let name):
            guard records.contains(where: { $0.name == name }) else {
                return .failure(ProposalFailure(message: "unknown validator \(name)"))
            }
            records.removeAll { $0.name == name }
        case .rotateValidator(let name, let key, let certificate):
            guard let index = records.firstIndex(where: { $0.name == name }) else {
                return .failure(ProposalFailure(message: "unknown validator \(name)"))
            }
            guard !records.contains(where: { $0.consensusKey == key && $0.name != name }) else {
                return .failure(ProposalFailure(message: "the new key belongs to another validator"))
            }
            records[index].consensusKey = key
            records[index].tlsCertificate = certificate
        case .removeDepartment(let id):
            records.removeAll { $0.department == id }
        default:
            break
        }
        guard !records.isEmpty else { return .failure(ProposalFailure(message: "the validator set would be empty")) }
        return .success(records)
    }

    static func validatorSet(_ records: [ValidatorRecord]) throws(CanonicalDecodingError) -> ValidatorSet {
        var members: [Validator] = []
        for record in records {
            members.append(try Validator(name: record.name, department: record.department, publicKey: record.consensusKey))
        }
        return try ValidatorSet(members)
    }
}
