import Foundation
import Node

/// The validity window of the certificates a setup command issues (CA and node certificates).
public struct CertificateValidity: Sendable {
    /// Clock skew tolerated between the machine that issues a certificate and the nodes that check it.
    public static let skewAllowance: TimeInterval = 3600

    public var notValidBefore: Date
    public var notValidAfter: Date

    /// Valid from `skewAllowance` before `now` for `days` days: a certificate made on one department's
    /// machine is accepted at once by nodes whose clocks run a little behind.
    public init(now: Date, days: Int) {
        notValidBefore = now.addingTimeInterval(-Self.skewAllowance)
        notValidAfter = now.addingTimeInterval(Double(days) * 86_400)
    }

    /// Checks `--certificate-validity-days` against `NodeLimits.certificateValidityDaysMax`.
    static func validate(days: Int) throws(SetupError) {
        guard (1...NodeLimits.certificateValidityDaysMax).contains(days) else {
            throw .invalidOption(option: "--certificate-validity-days", reason: "must be 1...\(NodeLimits.certificateValidityDaysMax)")
        }
    }
}
