import ChainTypes

/// Limits of the setup commands (`sbp network init`, `sbp department init`, `sbp node init`) and of the
/// files they exchange between departments.
public enum SetupLimits {
    /// Admin keys one department names: what `sbp governance propose add-department` has always accepted,
    /// and far more admins than a department needs to act while one key is lost.
    public static let adminKeysMax = 16
    /// Bootstrap addresses one node is given; the node dials each one, so this is its peer bound.
    public static let bootstrapAddressesMax = 64
    /// A join request or registration file: one CA or TLS certificate (`Limits.certificatePEMBytesMax`)
    /// plus up to `adminKeysMax` keys and a few names, with room for pretty-printing. Larger files are
    /// refused unread, since they come from another department.
    public static let exchangeFileBytesMax = Limits.certificatePEMBytesMax + 64 * 1024
    /// `department.json` on the department's own machine: the same bound as an exchange file.
    public static let departmentFileBytesMax = exchangeFileBytesMax
    /// Issuer accounts `sbp network init --issuers-per-department` makes per department. Several issuers
    /// stand for a department's many clients (each account's transactions are ordered by its nonce, so one
    /// account is one stream); 64 per department across `NodeLimits.departmentsMax` departments stays far
    /// below `Limits.genesisAccountsMax`, and a key file each is still a directory one can list.
    public static let issuersPerDepartmentMax = 64
}
