/// The result of listing a keystore directory: the readable keys and the files that could not be read.
///
/// One damaged file must not hide every other key, so listing reports problems beside the entries
/// instead of failing as a whole.
public struct KeystoreListing: Sendable {
    /// Readable keys, sorted by name.
    public var entries: [KeystoreEntry]
    /// One error per `.json` file that is not a valid keystore document.
    public var problems: [KeystoreError]
}
