/// Named maxima for key handling and the keystore (DESIGN §1.4: put a limit on everything).
///
/// The scrypt limits matter most: a keystore file is input, and a hostile one could otherwise ask for
/// N = 2^40 and make us allocate terabytes. Files are checked against these before any work is done.
public enum KeysLimits {
    /// Largest keystore file read (a real one is well under 1 KiB).
    public static let keystoreFileBytesMax = 16 * 1024
    /// Longest key name, in bytes (names are ASCII file names).
    public static let keyNameBytesMax = 64
    /// Longest password accepted, in bytes.
    public static let passwordBytesMax = 1024
    /// Largest scrypt cost parameter N (must also be a power of two ≥ 2).
    public static let scryptCostMax = 1 << 20
    /// Largest scrypt block size r.
    public static let scryptBlockSizeMax = 32
    /// Largest scrypt parallelism p.
    public static let scryptParallelismMax = 16
    /// Most memory scrypt may use, 128 · r · (N + p + 1) bytes (BoringSSL's own accounting).
    public static let scryptMemoryBytesMax = 256 * 1024 * 1024
    /// Largest N · r · p, which bounds the time one derivation takes (about 2 s on a laptop core).
    public static let scryptWorkMax = 1 << 23
    /// Shortest and longest salt accepted from a file, in bytes.
    public static let saltBytesMin = 16
    public static let saltBytesMax = 64
}
