import ChainTypes
import ContractVM
import Keys
import StateTree
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
    /// The block's timestamp: the time certificates in new proposals must be valid at.
    let timestampMs: UInt64

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
        // An unchanged book is not written again: the state root would be the same, but the tree would
        // keep a new version of the book's path for every block, most of an idle chain's growth (issue 19).
        let bytes = book.canonicalBytes
        if state.value(StateLayout.governance) != bytes { state.set(StateLayout.governance, bytes) }
        for activation in due {
            guard var proposal = try state.proposal(activation.proposal) else { continue }
            try activate(&proposal)
        }
    }

    /// The validator set two heights ahead, when changes activating exactly there alter it (rule 20).
    ///
    /// The projection applies every roster change scheduled for the next two heights, in the order they
    /// will activate, with `Roster.apply` — the same function activation uses — so consensus is told
    /// exactly the set the ledger will install, including changes that will fail.
    func endBlock() throws(LedgerError) -> (ValidatorSet, UInt64)? {
        let (atNext, atTarget) = try Self.projectRoster(state: state, after: height)
        guard atTarget.records != atNext.records, let set = try? Self.validatorSet(atTarget.records) else { return nil }
        return (set, height + 2)
    }

    /// The roster after the roster changes scheduled for `height + 1`, and after those for `height + 2`.
    static func projectRoster(state: BlockState, after height: UInt64) throws(LedgerError) -> (next: Roster, target: Roster) {
        let book = try state.governanceBook()
        var roster = try Roster(state: state)
        var afterNext = roster
        for target in [height + 1, height + 2] {
            for activation in book.scheduled where activation.height == target {
                guard let proposal = try state.proposal(activation.proposal), proposal.change.affectsRoster else { continue }
                _ = roster.apply(proposal.change)
            }
            if target == height + 1 { afterNext = roster }
        }
        return (afterNext, roster)
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
        if let problem = try Self.problem(with: change, state: state, atMs: timestampMs) {
            return .failure(ProposalFailure(message: problem))
        }
        var book = try state.governanceBook()
        guard book.open.count < LedgerLimits.openProposalsMax else { return .failure(ProposalFailure(message: "too many open proposals")) }
        let parameters = try state.parameters()
        let id = book.nextProposalId
        book.nextProposalId += 1
        var proposal = ProposalRecord(
            id: id, proposer: sender, department: account.department, change: change, description: description, createdHeight: height,
            expiresHeight: height.addingReportingOverflow(parameters.governance.proposalLifetimeBlocks).overflow
                ? .max : height + parameters.governance.proposalLifetimeBlocks,
            activationHeight: activationHeight)
        proposal.votes.append(ProposalVote(department: account.department, approve: true, voter: sender, height: height))
        // Room for every department's vote, so the record never outgrows a state value.
        let votesBytes = Limits.genesisDepartmentsMax * (Limits.identifierBytesMax + 64)
        guard proposal.canonicalBytes.count + votesBytes <= StateTreeLimits.valueBytesMax else {
            return .failure(ProposalFailure(message: "the proposal is too large to keep in state (code above about 40 KiB)"))
        }
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
            let earliest = height + (proposal.change.affectsRoster ? 2 : 0)
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
        if change.affectsRoster {
            var roster = try Roster(state: state)
            if let failure = roster.apply(change) { return failure }
            let set: ValidatorSet
            do {
                set = try Self.validatorSet(roster.records)
            } catch {
                return "the resulting validator set is invalid: \(error)"
            }
            let previous = try state.validators()
            state.setRecord(StateLayout.validators, RecordList(roster.records))
            state.setRecord(StateLayout.departmentList, TextList(roster.departments))
            if previous != roster.records { try state.appendEpoch(.init(firstHeight: height, validators: set)) }
            // A removed validator's endpoints, and every node of a removed department, leave the registry.
            for node in try state.nodes()
            where !roster.departments.contains(node.department)
                || (node.role == .validator && !roster.records.contains(where: { $0.name == node.name }))
            {
                try state.removeNode(node.name)
            }
        } else if let problem = try Self.problem(with: change, state: state, atMs: nil) {
            return problem
        }
        switch change {
        case .addDepartment(let id, let name, let adminKeys, let caCertificate):
            state.setRecord(
                StateLayout.department(id), DepartmentRecord(id: id, name: name, adminKeys: adminKeys, caCertificate: caCertificate))
            for key in adminKeys {
                guard let address = try? PublicKey(bytes: key).address, try state.account(address) == nil else { continue }
                state.createAccount(address, AccountRecord(department: id, roles: [.admin]))
            }
        case .removeDepartment(let id):
            state.set(StateLayout.department(id), nil)
        case .revokeCertificate(let digest):
            let revoked = try state.revokedCertificates() + [digest]
            guard RecordList(revoked).canonicalBytes.count <= Self.listBytesMax else { return "too many revoked certificates" }
            state.setRecord(StateLayout.revoked(digest), height)
            state.setRecord(StateLayout.revokedList, RecordList(revoked))
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
            if try state.contractRecord(address) == nil {
                let addresses = try state.contractAddresses() + [address]
                guard addresses.count <= LedgerLimits.contractsMax else { return "too many contracts" }
                state.setRecord(StateLayout.contractList, RecordList(addresses))
            }
            state.storeCode(code, hash: record.codeHash)
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

    /// The largest list kept as one state value (a margin below `StateTreeLimits.valueBytesMax`).
    static let listBytesMax = LedgerLimits.listBytesMax

    /// Why `change` cannot apply to the current state, or nil.
    ///
    /// `atMs` is the time certificates the change carries must be valid at: the block time when a proposal
    /// is made or admitted; nil at activation, which checks only what does not depend on time, so that the
    /// validator set projected two heights ahead is the one installed (PBFT-NOTES rule 20).
    static func problem(with change: ProposalChange, state: BlockState, atMs: UInt64?) throws(LedgerError) -> String? {
        if change.affectsRoster {
            var roster = try Roster(state: state)
            if let problem = roster.apply(change) { return problem }
            guard let atMs else { return nil }
            switch change {
            case .addDepartment(_, _, _, let caCertificate):
                return CertificateChecks.departmentCAProblem(caCertificate, atMs: atMs)
            case .addValidator(let name, let department, _, let certificate):
                return CertificateChecks.nodeCertificateProblem(
                    certificate, name: name, department: department, departmentCA: roster.cas[department], atMs: atMs)
            case .rotateValidator(let name, _, let certificate):
                let department = roster.records.first { $0.name == name }?.department ?? ""
                return CertificateChecks.nodeCertificateProblem(
                    certificate, name: name, department: department, departmentCA: roster.cas[department], atMs: atMs)
            default:
                return nil
            }
        }
        switch change {
        case .revokeCertificate(let digest):
            if try state.record(StateLayout.revoked(digest), as: UInt64.self) != nil { return "certificate \(digest) is already revoked" }
        case .upgradeContract(_, let address, let code):
            if address == SystemEvents.address { return "address zero is reserved for the ledger's own events" }
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
        case .addDepartment, .removeDepartment, .addValidator, .removeValidator, .rotateValidator:
            break
        }
        return nil
    }

    static func validatorSet(_ records: [ValidatorRecord]) throws(CanonicalDecodingError) -> ValidatorSet {
        var members: [Validator] = []
        for record in records {
            members.append(try Validator(name: record.name, department: record.department, publicKey: record.consensusKey))
        }
        return try ValidatorSet(members)
    }
}

/// The departments and validators as roster-changing proposals see them (DESIGN §5, PBFT-NOTES rule 20).
///
/// Activation and the two-heights-ahead projection reported to consensus both go through `apply`, so a
/// change judged valid (or invalid) for the projection is judged the same way when it activates.
struct Roster: Equatable {
    var records: [ValidatorRecord]
    var departments: [String]
    /// Department id → its CA certificate (PEM), which the department's node certificates must chain to.
    var cas: [String: String]
    /// Names of registered observers, which no validator may take.
    var observerNames: [String]

    init(state: BlockState) throws(LedgerError) {
        records = try state.validators()
        observerNames = try state.nodes().filter { $0.role == .observer }.map(\.name)
        departments = try state.departmentIds()
        cas = [:]
        for id in departments {
            if let department = try state.department(id) { cas[id] = department.caCertificate }
        }
    }

    /// Applies a roster change, or returns why it cannot apply and leaves the roster unchanged.
    mutating func apply(_ change: ProposalChange) -> String? {
        var next = self
        switch change {
        case .addDepartment(let id, _, let adminKeys, let caCertificate):
            if id.isEmpty { return "a department needs an id" }
            if departments.contains(id) { return "department \(id) already exists" }
            if adminKeys.isEmpty || adminKeys.contains(where: { (try? PublicKey(bytes: $0)) == nil }) {
                return "every admin key must be a point on secp256k1, and there must be one"
            }
            if let problem = CertificateChecks.departmentCAProblem(caCertificate, atMs: nil) { return problem }
            next.departments.append(id)
            next.cas[id] = caCertificate
        case .removeDepartment(let id):
            guard departments.contains(id) else { return "unknown department \(id)" }
            if departments.count <= 1 { return "the last department cannot be removed" }
            next.departments.removeAll { $0 == id }
            next.records.removeAll { $0.department == id }
            next.cas[id] = nil
        case .addValidator(let name, let department, let key, let certificate):
            guard departments.contains(department) else { return "unknown department \(department)" }
            if records.contains(where: { $0.name == name }) { return "validator \(name) already exists" }
            if observerNames.contains(name) { return "node name \(name) is already registered to an observer" }
            if records.contains(where: { $0.consensusKey == key }) { return "the consensus key belongs to another validator" }
            if (try? PublicKey(bytes: key)) == nil { return "the consensus key is not a point on secp256k1" }
            if records.contains(where: { $0.tlsCertificate == certificate }) { return "the TLS certificate belongs to another validator" }
            if let problem = CertificateChecks.nodeCertificateProblem(
                certificate, name: name, department: department, departmentCA: cas[department], atMs: nil)
            {
                return problem
            }
            next.records.append(ValidatorRecord(name: name, department: department, consensusKey: key, tlsCertificate: certificate))
        case .removeValidator(let name):
            guard records.contains(where: { $0.name == name }) else { return "unknown validator \(name)" }
            next.records.removeAll { $0.name == name }
        case .rotateValidator(let name, let key, let certificate):
            guard let index = records.firstIndex(where: { $0.name == name }) else { return "unknown validator \(name)" }
            if records.contains(where: { $0.consensusKey == key && $0.name != name }) {
                return "the consensus key belongs to another validator"
            }
            if (try? PublicKey(bytes: key)) == nil { return "the consensus key is not a point on secp256k1" }
            if records.contains(where: { $0.tlsCertificate == certificate && $0.name != name }) {
                return "the TLS certificate belongs to another validator"
            }
            let department = records[index].department
            if let problem = CertificateChecks.nodeCertificateProblem(
                certificate, name: name, department: department, departmentCA: cas[department], atMs: nil)
            {
                return problem
            }
            next.records[index].consensusKey = key
            next.records[index].tlsCertificate = certificate
        default:
            return nil
        }
        if next.records.isEmpty { return "the validator set would be empty" }
        if (try? Governance.validatorSet(next.records)) == nil { return "the resulting validator set is invalid" }
        if RecordList(next.records).canonicalBytes.count > Governance.listBytesMax { return "the validator list would be too large" }
        self = next
        return nil
    }
}
