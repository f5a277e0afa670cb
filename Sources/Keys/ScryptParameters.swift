/// The scrypt cost parameters (N, r, p) used to turn a keystore password into an encryption key.
///
/// `standard` costs about 32 MiB and a fraction of a second, which is what makes guessing passwords from
/// a stolen keystore file slow; tests pass a small N to stay fast. Parameters read from a file are
/// validated against `KeysLimits` before use.
public struct ScryptParameters: Hashable, Sendable {
    /// N, the CPU and memory cost; a power of two.
    public var cost: Int
    /// r, the block size.
    public var blockSize: Int
    /// p, the parallelism.
    public var parallelism: Int

    /// N = 2^15, r = 8, p = 1: 32 MiB per derivation.
    public static let standard = ScryptParameters(cost: 1 << 15, blockSize: 8, parallelism: 1)

    public init(cost: Int, blockSize: Int, parallelism: Int) {
        self.cost = cost
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    /// Memory one derivation needs: 128 · r · (N + p + 1) bytes, as BoringSSL accounts it.
    ///
    /// Only meaningful once `validate` passed (the product cannot overflow then).
    public var memoryBytes: Int { 128 * blockSize * (cost + parallelism + 1) }

    /// Throws unless every parameter is within `KeysLimits`; checks each factor before multiplying.
    public func validate(source: String) throws(KeystoreError) {
        func refuse(_ reason: String) -> KeystoreError { .kdfParametersOutOfRange(source: source, reason: reason) }
        guard cost >= 2, cost <= KeysLimits.scryptCostMax, cost & (cost - 1) == 0 else {
            throw refuse("n must be a power of two in [2, \(KeysLimits.scryptCostMax)], got \(cost)")
        }
        guard (1...KeysLimits.scryptBlockSizeMax).contains(blockSize) else {
            throw refuse("r must be in [1, \(KeysLimits.scryptBlockSizeMax)], got \(blockSize)")
        }
        guard (1...KeysLimits.scryptParallelismMax).contains(parallelism) else {
            throw refuse("p must be in [1, \(KeysLimits.scryptParallelismMax)], got \(parallelism)")
        }
        guard memoryBytes <= KeysLimits.scryptMemoryBytesMax else {
            throw refuse("needs \(memoryBytes) bytes of memory, limit is \(KeysLimits.scryptMemoryBytesMax)")
        }
        guard cost * blockSize * parallelism <= KeysLimits.scryptWorkMax else {
            throw refuse("n·r·p = \(cost * blockSize * parallelism) exceeds \(KeysLimits.scryptWorkMax)")
        }
    }
}
