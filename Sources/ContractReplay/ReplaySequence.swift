import ChainTypes
import ContractVM

/// The fixed call sequence the determinism test replays: both standard contracts, every licence and
/// certificate method, the cross-department certificate requirement, and calls that fail in each way.
///
/// DESIGN §1.3: two processes (two nodes) running these calls must agree on every result, fuel figure,
/// event and storage write. The sequence is varied on purpose: hash-ordered state, a nested query and each
/// failure path are where a process-dependent result would show.
public enum ReplaySequence {
    public static let licenceAddress = Address(bytes: [UInt8](repeating: 0x11, count: 20))!
    public static let certificateAddress = Address(bytes: [UInt8](repeating: 0x22, count: 20))!
    /// An address where no contract is deployed.
    public static let emptyAddress = Address(bytes: [UInt8](repeating: 0x33, count: 20))!
    /// Fuel of every call that is not meant to run out.
    public static let fuelLimit: UInt64 = 5_000_000
    static let holder = Hash.sha256(Array("salt|holder-a".utf8))
    static let otherHolder = Hash.sha256(Array("salt|holder-b".utf8))
    static let document = Hash.sha256(Array("salt|degree.pdf".utf8))
    static let wrongDepartment = ContractStatus.reverted("unauthorized: licence issued by another department")

    /// The calls, in order, with the codecs of the licence and certificate registries.
    public static func calls(licence: ABICodec, certificate: ABICodec) throws(ABIError) -> [ReplayCall] {
        var builder = ReplaySequenceBuilder(licenceCodec: licence, certificateCodec: certificate)
        try certificateCalls(&builder)
        try crossDepartmentCalls(&builder)
        try licenceLifecycleCalls(&builder)
        try failingCalls(&builder)
        return builder.calls
    }

    /// DH certifies a holder's medical fitness; IMMD issues and revokes a degree certificate.
    static func certificateCalls(_ b: inout ReplaySequenceBuilder) throws(ABIError) {
        let zero = Hash.zero.hex
        try b.certificate("issue", ["C-1", holder.hex, "medical-fitness", zero], department: "DH")
        try b.certificate("issue", ["C-2", document.hex, "degree", zero], department: "IMMD")
        try b.certificate("issue", ["C-1", otherHolder.hex, "degree", zero], department: "IMMD", expect: .reverted("duplicate id"))
        try b.certificate("issue", ["C-3", document.hex, "degree", zero], department: "IMMD", expect: .reverted("duplicate document"))
        try b.certificate(
            "issue", ["C-4", otherHolder.hex, "degree", zero], department: "IMMD", roles: [.auditor],
            expect: .reverted("unauthorized: issuer role required"))
        try b.certificate("verifyDocument", [holder.hex], roles: [])
        try b.certificate("verifyDocument", [zero], roles: [])
        try b.certificate(
            "revoke", ["C-2", "superseded"], department: "TD",
            expect: .reverted("unauthorized: certificate issued by another department"))
        try b.certificate("revoke", ["C-9", "superseded"], department: "IMMD", expect: .reverted("unknown certificate"))
        try b.certificate("revoke", ["C-2", "superseded"], department: "IMMD")
        try b.certificate("verifyDocument", [document.hex], roles: [])
        try b.certificate("get", ["C-2"], roles: [])
    }

    /// TD requires DH's medical-fitness certificate for its `medical` licences (a nested query per issue).
    static func crossDepartmentCalls(_ b: inout ReplaySequenceBuilder) throws(ABIError) {
        let requirement = ["medical", certificateAddress.description, "medical-fitness"]
        try b.licence("requireCertificate", requirement, expect: .reverted("unauthorized: admin role required"))
        try b.licence("requireCertificate", requirement, roles: [.admin])
        try b.licence("issue", issueArguments("M-1", type: "medical"))
        try b.licence("issue", issueArguments("M-2", type: "medical", holder: otherHolder), expect: .reverted("certificate required"))
        try b.licence("issue", issueArguments("M-3", type: "medical"), department: "IMMD")
        try b.licence("verify", ["M-1", holder.hex, "500"], roles: [])
    }

    /// Issues a batch of licences, verifies them at several times, and takes one through its whole life.
    static func licenceLifecycleCalls(_ b: inout ReplaySequenceBuilder) throws(ABIError) {
        for index in 0..<12 {
            let type = index % 3 == 0 ? "motorcycle" : "driving"
            try b.licence("issue", issueArguments("L-\(index)", type: type, from: 100 + UInt64(index), until: 1000 + UInt64(index) * 50))
            // From not yet valid (time 0) through valid to expired (L-5 ends at 1250, checked at 1300 and 1430).
            try b.licence("verify", ["L-\(index / 2)", holder.hex, "\(index * 130)"], roles: [])
        }
        try b.licence("renew", ["L-1", "2000"])
        try b.licence("renew", ["L-1", "900"], expect: .reverted("bad arguments: validUntil must increase"))
        try b.licence("renew", ["L-1", "3000"], department: "IMMD", expect: wrongDepartment)
        try b.licence("suspend", ["L-1", "audit"])
        try b.licence("verify", ["L-1", holder.hex, "500"], roles: [])
        try b.licence("suspend", ["L-1", "audit"], expect: .reverted("licence not active"))
        try b.licence("reinstate", ["L-1"])
        try b.licence("reinstate", ["L-1"], expect: .reverted("licence not suspended"))
        try b.licence("transfer", ["L-2", otherHolder.hex])
        try b.licence("transfer", ["L-2", holder.hex], department: "IMMD", expect: wrongDepartment)
        try b.licence("verify", ["L-2", holder.hex, "500"], roles: [])
        try b.licence("revoke", ["L-2", "fraud"], department: "IMMD", expect: wrongDepartment)
        try b.licence("revoke", ["L-2", "fraud"])
        try b.licence("revoke", ["L-2", "fraud"], expect: .reverted("licence revoked"))
        try b.licence("verify", ["L-2", otherHolder.hex, "500"], roles: [])
        try b.licence("history", ["L-1"], roles: [])
        try b.licence("history", ["L-2"], roles: [])
        try b.licence("get", ["L-3"], roles: [])
    }

    /// Unknown ids, malformed input, a missing contract and calls that run out of fuel.
    static func failingCalls(_ b: inout ReplaySequenceBuilder) throws(ABIError) {
        try b.licence("renew", ["L-99", "2000"], expect: .reverted("unknown licence"))
        try b.licence("history", ["L-99"], roles: [], expect: .reverted("unknown licence"))
        try b.licence("verify", ["L-99", holder.hex, "500"], roles: [])
        try b.certificate("get", ["C-99"], roles: [], expect: .reverted("unknown certificate"))
        try b.licence("issue", issueArguments("L-0"), expect: .reverted("duplicate id"))
        try b.licence("issue", issueArguments("F-1"), fuel: 1_000, expect: .outOfFuel)
        try b.licence("verify", ["L-0", holder.hex, "500"], roles: [], fuel: 300, expect: .outOfFuel)
        // Part of what a medical issue needs, which includes paying for its certificate query.
        try b.licence("issue", issueArguments("F-2", type: "medical"), fuel: 12_000, expect: .outOfFuel)
        var method = CanonicalEncoder()
        method.write(text: "mint")
        b.raw("licence.mint", contract: licenceAddress, input: method.bytes, expect: .reverted("unknown method"))
        let truncated = Array(try b.licenceCodec.encodeCall(method: "get", arguments: ["L-1"]).dropLast())
        b.raw("licence.get truncated", contract: licenceAddress, input: truncated, expect: .reverted("bad arguments: truncated input"))
        let input = try b.licenceCodec.encodeCall(method: "get", arguments: ["L-1"])
        b.raw("empty.get", contract: emptyAddress, input: input, expect: .trapped("no contract at \(emptyAddress)"))
    }

    static func issueArguments(
        _ id: String, type: String = "driving", holder: Hash = ReplaySequence.holder, from: UInt64 = 100, until: UInt64 = 1000
    ) -> [String] {
        [id, type, holder.hex, "\(from)", "\(until)", "class B"]
    }
}

/// Collects the calls of `ReplaySequence`, encoding each one's input with its contract's interface.
struct ReplaySequenceBuilder {
    let licenceCodec: ABICodec
    let certificateCodec: ABICodec
    private(set) var calls: [ReplayCall] = []

    init(licenceCodec: ABICodec, certificateCodec: ABICodec) {
        self.licenceCodec = licenceCodec
        self.certificateCodec = certificateCodec
    }

    mutating func licence(
        _ method: String, _ arguments: [String], department: String = "TD", roles: [ContractRole] = [.issuer],
        fuel: UInt64 = ReplaySequence.fuelLimit, expect: ContractStatus = .success
    ) throws(ABIError) {
        let input = try licenceCodec.encodeCall(method: method, arguments: arguments)
        append("licence.\(method) \(arguments.first ?? "")", ReplaySequence.licenceAddress, department, roles, input, fuel, expect)
    }

    mutating func certificate(
        _ method: String, _ arguments: [String], department: String = "IMMD", roles: [ContractRole] = [.issuer],
        fuel: UInt64 = ReplaySequence.fuelLimit, expect: ContractStatus = .success
    ) throws(ABIError) {
        let input = try certificateCodec.encodeCall(method: method, arguments: arguments)
        let subject = method == "verifyDocument" ? String(arguments[0].prefix(8)) : arguments.first ?? ""
        append("certificate.\(method) \(subject)", ReplaySequence.certificateAddress, department, roles, input, fuel, expect)
    }

    /// A call whose input is given as bytes (malformed input, unknown methods), as a TD issuer.
    mutating func raw(_ label: String, contract: Address, input: [UInt8], expect: ContractStatus) {
        append(label, contract, "TD", [.issuer], input, ReplaySequence.fuelLimit, expect)
    }

    private mutating func append(
        _ label: String, _ contract: Address, _ department: String, _ roles: [ContractRole], _ input: [UInt8], _ fuel: UInt64,
        _ expect: ContractStatus
    ) {
        calls.append(
            ReplayCall(
                label: label, contract: contract, department: department, roles: roles, input: input, fuelLimit: fuel,
                expectedStatus: expect))
    }
}
