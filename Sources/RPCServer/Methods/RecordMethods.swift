/// `records_*` methods: licences and certificates in the standard registries, with their history.
enum RecordMethods {
    static let getLicence = method(
        .licence, name: "records_getLicence",
        summary: "A licence from the licence registry: its current state and every event in its history, decoded.")
    static let getCertificate = method(
        .certificate, name: "records_getCertificate",
        summary: "A certificate from the certificate registry: its current state and every event in its history, decoded.")

    private static func method(_ kind: RecordKind, name: String, summary: String) -> RPCMethod {
        RPCMethod(
            name: name, summary: summary,
            description: "record is the registry's get result at the latest height, decoded by the registry's interface "
                + "description; history lists the record's events (issue, renewals, suspensions, revocation, ...) oldest "
                + "first, each with its block position and transaction. An unknown id is -32001. The state is not proven "
                + "here; state_getProof proves storage values against a certified root.",
            params: [RPCParameter(name: "id", summary: "The \(kind.rawValue) id.", kind: .text(maxBytes: RPCLimits.recordIdBytesMax))],
            result: RPCResultDescriptor(
                name: kind.rawValue, summary: "The record and its history.", schema: RPCSchemas.reference("RecordInfo")),
            errors: [.invalidParams, .limitExceeded, .notFound, .internalError], cost: .contractQuery
        ) { arguments, context throws(RPCError) in
            let id = try arguments.string("id")
            guard let record = try await context.ask({ backend throws(RPCBackendError) in try await backend.record(kind, id: id) }) else {
                throw RPCError(.notFound, message: "Not found: no \(kind.rawValue) with id \"\(id)\"")
            }
            return RPCJSON.recordInfo(record)
        }
    }
}
