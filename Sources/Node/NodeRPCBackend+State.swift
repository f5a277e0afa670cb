import ChainTypes
import ContractVM
import Ledger
import RPCServer
import StateTree

/// Events, contract state with proofs, read-only calls and the standard registries' records.
extension NodeRPCBackend {
    /// The genesis contract names of the standard registries, by the kind of record they keep.
    static func registryName(_ kind: RecordKind) -> String {
        switch kind {
        case .licence: return "licence_registry"
        case .certificate: return "certificate_registry"
        }
    }

    /// Record histories longer than this are cut (a record changes a handful of times in practice).
    static let recordHistoryEventsMax = 1_000

    func queryEvents(_ filter: EventFilter, after cursor: EventCursor?, limit: Int) async throws(RPCBackendError) -> EventPage {
        let view = try read()
        return try ledgerCall { () throws(LedgerError) in
            try EventSearch(
                view: view, filter: filter, limit: Self.pageLimit(limit), interfaces: interfaces,
                recentReceipts: recentReceipts
            ).run(after: cursor)
        }
    }

    func storageValue(contract: Address, key: [UInt8], height: UInt64?) async throws(RPCBackendError) -> StateValue {
        let view = try read()
        let version = height ?? view.height
        guard version <= view.height else { throw .unknownBlock(height: version, latestHeight: view.height) }
        try checkRetained(version, in: view)
        let value = try ledgerCall { () throws(LedgerError) in try view.storageValue(contract: contract, key: key, at: version) }
        return StateValue(height: version, value: value)
    }

    func storageProof(contract: Address, key: [UInt8], height: UInt64?) async throws(RPCBackendError) -> StorageProofRecord {
        let view = try read()
        let version = height ?? (view.height > 0 ? view.height - 1 : 0)
        guard version <= view.height else { throw .unknownBlock(height: version, latestHeight: view.height) }
        try checkRetained(version, in: view)
        return try ledgerCall { () throws(LedgerError) in
            let (value, proof, stateRoot) = try view.storageProof(contract: contract, key: key, at: version)
            // DESIGN §4: the header of the next block carries the root after `version`.
            let header = version < view.height ? try view.header(at: version + 1) : nil
            let certificate = version < view.height ? try view.certificate(at: version + 1) : nil
            if let header, header.stateRoot != stateRoot {
                throw .corruption("block \(version + 1) carries state root \(header.stateRoot), the tree has \(stateRoot) at \(version)")
            }
            return StorageProofRecord(
                contract: contract, key: key, stateKey: StateKey(namespace: contract.bytes, key: key).hash, height: version, value: value,
                proof: proof.canonicalBytes, siblings: proof.siblings,
                leaf: proof.leaf.map { StorageProofRecord.Leaf(key: $0.key, valueHash: $0.valueHash) }, stateRoot: stateRoot,
                header: header, certificate: certificate)
        }
    }

    func evidence(contract: Address, key: [UInt8], height: UInt64?) async throws(RPCBackendError) -> [UInt8] {
        let view = try read()
        let version = height ?? (view.height > 0 ? view.height - 1 : 0)
        // The bundle needs block `version + 1`; a client's `version` may be 2^64 - 1, so the error names it saturated.
        guard version < view.height else {
            throw .unknownBlock(height: version.addingReportingOverflow(1).overflow ? version : version + 1, latestHeight: view.height)
        }
        try checkRetained(version, in: view)
        do {
            return try EvidenceExporter.bundle(view: view, contract: contract, key: key, height: version).canonicalBytes
        } catch {
            if case .pruned(let height, let oldestHeight) = error { throw .pruned(height: height, lowestRetainedHeight: oldestHeight) }
            throw .internalFailure(error.description)
        }
    }

    func callContract(_ contract: Address, input: ContractCallInput, height: UInt64?) async throws(RPCBackendError)
        -> ContractCallResult
    {
        let view = try read()
        let version = height ?? view.height
        guard version <= view.height else { throw .unknownBlock(height: version, latestHeight: view.height) }
        try checkRetained(version, in: view)
        guard try ledgerCall({ () throws(LedgerError) in try view.contract(contract) }) != nil else {
            throw .notFound("no contract at \(contract)")
        }
        let bytes: [UInt8]
        var method: String?
        switch input {
        case .raw(let raw):
            bytes = raw
        case .method(let name, let arguments):
            guard let entry = interfaces[contract] else {
                throw .invalidArgument("the node has no interface description for \(contract); pass the input as hex")
            }
            do throws(ABIError) {
                bytes = try entry.codec.encodeCall(method: name, arguments: arguments)
            } catch {
                throw .invalidArgument("input does not fit the interface: \(error)")
            }
            method = name
        }
        let outcome = try ledgerCall { () throws(LedgerError) in try view.query(contract: contract, input: bytes, at: version) }
        var decoded: JSONValue?
        if case .success = outcome.status, let method,
            let fields = try? interfaces[contract]?.codec.decodeResult(method: method, bytes: outcome.returnData)
        {
            decoded = DecodedJSON.object(fields)
        }
        let (status, message) = Self.receiptStatus(of: outcome.status)
        return ContractCallResult(
            height: version, status: status, errorMessage: message, fuelUsed: outcome.fuelUsed, returnData: outcome.returnData,
            decoded: decoded)
    }

    func contractInfo(_ address: Address) async throws(RPCBackendError) -> ContractInfo? {
        let view = try read()
        guard let record = try ledgerCall({ () throws(LedgerError) in try view.contract(address) }) else { return nil }
        return ContractInfo(
            address: address, name: record.name, codeHash: record.codeHash, codeBytes: record.codeBytes, department: record.department,
            deployer: record.deployer, isStandard: record.isStandard, deployedHeight: record.deployedHeight,
            interface: interfaces[address]?.document)
    }

    func record(_ kind: RecordKind, id: String) async throws(RPCBackendError) -> RecordInfo? {
        let name = Self.registryName(kind)
        guard let contract = ledger.genesis.contracts.first(where: { $0.name == name })?.address else {
            throw .internalFailure("genesis has no \(name)")
        }
        guard let entry = interfaces[contract] else { throw .internalFailure("the interface description of \(name) is not loaded") }
        let input: [UInt8]
        do throws(ABIError) {
            input = try entry.codec.encodeCall(method: "get", values: [.text(id)])
        } catch {
            throw .internalFailure("\(name).get: \(error)")
        }
        let view = try read()
        let outcome = try ledgerCall { () throws(LedgerError) in try view.query(contract: contract, input: input) }
        switch outcome.status {
        case .success: break
        case .reverted: return nil  // the registries revert `get` for an unknown id
        case .outOfFuel, .trapped: throw .internalFailure("\(name).get(\(id)) failed: \(outcome.status)")
        }
        let fields: [NamedABIValue]
        do throws(ABIError) {
            fields = try entry.codec.decodeResult(method: "get", bytes: outcome.returnData)
        } catch {
            throw .internalFailure("\(name).get result does not fit its interface: \(error)")
        }
        let history = try ledgerCall { () throws(LedgerError) in
            try view.recordHistory(contract: contract, id: id, limit: Self.recordHistoryEventsMax)
        }
        return RecordInfo(
            kind: kind, contract: contract, id: id, height: view.height, record: DecodedJSON.object(fields),
            history: history.map { entry in
                EventRecord(
                    event: entry.event.event, position: EventSearch.cursor(entry.position), transactionHash: entry.event.transactionHash,
                    decoded: DecodedJSON.event(entry.event.event, interfaces: interfaces))
            })
    }

    /// A contract status as a receipt status and message.
    static func receiptStatus(of status: ContractStatus) -> (ReceiptStatus, String) {
        switch status {
        case .success: return (.success, "")
        case .reverted(let message): return (.reverted, message)
        case .outOfFuel: return (.outOfFuel, "out of fuel")
        case .trapped(let message): return (.trapped, message)
        }
    }
}
