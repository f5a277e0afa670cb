import ChainTypes
import ContractVM
import Foundation
import Keys

/// A genesis document together with the code of its standard contracts, checked against each other.
///
/// The document names each contract's code file (relative to the document) and its SHA-256; loading
/// reads the files, checks the hashes and validates the modules, so a chain can never start with code
/// other than what its genesis hash commits to.
public struct GenesisBundle: Sendable {
    public let genesis: Genesis
    /// Code by contract name.
    public let code: [String: [UInt8]]

    /// Pairs a parsed genesis with its contract code, checking hashes, modules and keys.
    public init(genesis: Genesis, code: [String: [UInt8]]) throws(GenesisError) {
        try genesis.validate()
        for (index, contract) in genesis.contracts.enumerated() {
            let field = "contracts[\(index)]"
            guard let bytes = code[contract.name] else {
                throw GenesisError(field: field + ".codeFile", reason: "no code for contract \(contract.name)")
            }
            guard Hash.sha256(bytes) == contract.codeHash else {
                throw GenesisError(field: field + ".codeHash", reason: "does not match SHA-256 of \(contract.codeFile)")
            }
            do {
                _ = try ContractModule(code: bytes)
            } catch {
                throw GenesisError(field: field + ".codeFile", reason: "invalid contract: \(error)")
            }
        }
        for (index, department) in genesis.departments.enumerated() {
            for (keyIndex, key) in department.adminKeys.enumerated() {
                guard let bytes = Hex.decode(key), (try? PublicKey(bytes: bytes)) != nil else {
                    throw GenesisError(field: "departments[\(index)].adminKeys[\(keyIndex)]", reason: "not a point on secp256k1")
                }
            }
        }
        for (index, validator) in genesis.validators.enumerated() {
            guard let bytes = Hex.decode(validator.consensusPublicKey), (try? PublicKey(bytes: bytes)) != nil else {
                throw GenesisError(field: "validators[\(index)].consensusPublicKey", reason: "not a point on secp256k1")
            }
        }
        _ = try genesis.validatorSet()
        // Every node builds its peer trust from these certificates (issue 14, defect 2).
        if let problem = CertificateChecks.genesisProblem(genesis) { throw problem }
        self.genesis = genesis
        self.code = code
    }

    /// Reads a genesis file and the contract code files it names.
    public static func load(path: String) throws(GenesisError) -> GenesisBundle {
        let url = URL(fileURLWithPath: path)
        let json: [UInt8]
        do {
            json = try BoundedFile.read(path, bytesMax: Limits.genesisFileBytesMax)
        } catch {
            throw GenesisError(field: "$", reason: "cannot read \(path): \(error.reason)")
        }
        let genesis = try Genesis.load(json: json)
        var code: [String: [UInt8]] = [:]
        let directory = url.deletingLastPathComponent()
        for (index, contract) in genesis.contracts.enumerated() {
            let file = directory.appendingPathComponent(contract.codeFile)
            do {
                code[contract.name] = try BoundedFile.read(file.path, bytesMax: ContractLimits.codeBytesMax)
            } catch {
                throw GenesisError(field: "contracts[\(index)].codeFile", reason: "cannot read \(file.path): \(error.reason)")
            }
        }
        return try GenesisBundle(genesis: genesis, code: code)
    }
}

/// Builds the state at height 0 from a genesis bundle (DESIGN §5).
enum GenesisState {
    static func apply(_ bundle: GenesisBundle, to state: BlockState) throws(LedgerError) {
        let genesis = bundle.genesis
        var departmentIds: [String] = []
        var accounts: [Address: AccountRecord] = [:]
        for department in genesis.departments {
            let keys = department.adminKeys.compactMap { Hex.decode($0) }
            state.setRecord(
                StateLayout.department(department.id),
                DepartmentRecord(id: department.id, name: department.name, adminKeys: keys, caCertificate: department.caCertificate))
            departmentIds.append(department.id)
            // Every admin key is an admin account of its department, so admins can vote from block 1.
            for key in keys {
                guard let publicKey = try? PublicKey(bytes: key) else { continue }
                accounts[publicKey.address] = AccountRecord(department: department.id, roles: [.admin])
            }
        }
        state.setRecord(StateLayout.departmentList, TextList(departmentIds))
        for account in genesis.accounts {
            var roles = Set(account.roles)
            if let existing = accounts[account.address], existing.department == account.department { roles.formUnion(existing.roles) }
            accounts[account.address] = AccountRecord(department: account.department, roles: Array(roles))
        }
        for (address, record) in accounts { state.createAccount(address, record) }
        var validators: [ValidatorRecord] = []
        for validator in genesis.validators {
            validators.append(
                ValidatorRecord(
                    name: validator.name, department: validator.department, consensusKey: Hex.decode(validator.consensusPublicKey) ?? [],
                    tlsCertificate: validator.tlsCertificate))
        }
        state.setRecord(StateLayout.validators, RecordList(validators))
        // Endpoints are written only when genesis lists some, so a chain without them keeps its state root.
        for validator in genesis.validators where !(validator.endpoints ?? []).isEmpty {
            try state.setNode(
                NodeRecord(name: validator.name, department: validator.department, role: .validator, endpoints: validator.endpoints ?? []))
        }
        let validatorSet: ValidatorSet
        do {
            validatorSet = try genesis.validatorSet()
        } catch {
            throw .genesis(error)
        }
        try state.appendEpoch(.init(firstHeight: 1, validators: validatorSet))
        state.setRecord(
            StateLayout.parameters,
            ChainParameters(consensus: genesis.consensus, governance: genesis.governance, protocolVersion: genesis.protocolVersion))
        state.setRecord(StateLayout.governance, GovernanceBook())
        state.setRecord(StateLayout.revokedList, RecordList<Hash>([]))
        var addresses: [Address] = []
        for contract in genesis.contracts {
            let code = bundle.code[contract.name] ?? []
            state.storeCode(code, hash: contract.codeHash)
            state.setRecord(
                StateLayout.contract(contract.address),
                ContractRecord(
                    name: contract.name, codeHash: contract.codeHash, codeBytes: UInt32(code.count), department: "",
                    deployer: .zero, isStandard: true, deployedHeight: 0))
            addresses.append(contract.address)
        }
        state.setRecord(StateLayout.contractList, RecordList(addresses))
    }
}
