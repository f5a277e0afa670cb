import Foundation
import Testing

@testable import Keys

@Suite("Keys limits")
struct LimitsTests {
    @Test("the standard scrypt parameters are within the limits a file is checked against")
    func standardWithinLimits() throws {
        try ScryptParameters.standard.validate(source: "standard")
        #expect(ScryptParameters.standard.memoryBytes <= KeysLimits.scryptMemoryBytesMax)
    }

    @Test("salt, file size and name limits fit the documents we write")
    func relationships() throws {
        #expect(KeysLimits.saltBytesMin <= KeystoreFile.saltByteCount)
        #expect(KeystoreFile.saltByteCount <= KeysLimits.saltBytesMax)
        #expect(KeysLimits.saltBytesMin >= 16, "salts shorter than 128 bits are not worth accepting")
        let name = String(repeating: "n", count: KeysLimits.keyNameBytesMax)
        let file = try KeystoreFile.encrypt(
            testKey(0), name: name, password: [UInt8](repeating: 0x61, count: KeysLimits.passwordBytesMax),
            parameters: ScryptParameters(cost: 2, blockSize: 1, parallelism: 1))
        #expect(file.encoded().count * 4 <= KeysLimits.keystoreFileBytesMax, "the largest real file leaves 4x headroom")
    }

    @Test("the largest cost allowed at all still fits in memory with the smallest block size")
    func costMaxReachable() throws {
        try ScryptParameters(cost: KeysLimits.scryptCostMax, blockSize: 1, parallelism: 1).validate(source: "max")
    }
}
