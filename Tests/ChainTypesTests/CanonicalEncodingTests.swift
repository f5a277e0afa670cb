import ChainTypes
import Testing

@Suite("Canonical encoding")
struct CanonicalEncodingTests {
    @Test("integers are fixed-width little-endian")
    func integersAreLittleEndian() {
        var encoder = CanonicalEncoder()
        encoder.write(UInt16(0x0102))
        encoder.write(UInt32(0x0304_0506))
        encoder.write(UInt64(0x0708_090a_0b0c_0d0e))
        #expect(encoder.bytes == [0x02, 0x01, 0x06, 0x05, 0x04, 0x03, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08, 0x07])
    }

    @Test("byte strings carry a u32 length prefix")
    func bytesAreLengthPrefixed() {
        var encoder = CanonicalEncoder()
        encoder.write(bytes: [0xaa, 0xbb])
        encoder.write(text: "TD")
        #expect(encoder.bytes == [2, 0, 0, 0, 0xaa, 0xbb, 2, 0, 0, 0, 0x54, 0x44])
    }

    @Test("every fixture round-trips to identical bytes")
    func roundTrips() throws {
        try expectRoundTrip(Fixtures.transaction())
        try expectRoundTrip(Fixtures.transaction().body)
        try expectRoundTrip(Fixtures.block())
        try expectRoundTrip(Fixtures.block(height: 1, transactionCount: 0))
        try expectRoundTrip(Fixtures.block().header)
        try expectRoundTrip(Fixtures.certificate())
        try expectRoundTrip(Fixtures.validatorSet())
        try expectRoundTrip(Fixtures.receipt())
        try expectRoundTrip(Fixtures.event())
        try expectRoundTrip(Fixtures.signature(9))
        try expectRoundTrip(Hash.sha256([1, 2, 3]))
        try expectRoundTrip(Fixtures.address(0x42))
    }

    private func expectRoundTrip<Value: CanonicalCodable & Equatable>(_ value: Value) throws {
        let bytes = value.canonicalBytes
        let decoded = try Value(canonicalBytes: bytes)
        #expect(decoded == value)
        #expect(decoded.canonicalBytes == bytes)
    }

    @Test("truncated input is rejected at every cut")
    func truncatedInputIsRejected() {
        let bytes = Fixtures.block().canonicalBytes
        for length in 0..<bytes.count {
            #expect(throws: CanonicalDecodingError.self) { try Block(canonicalBytes: Array(bytes.prefix(length))) }
        }
    }

    /// `BlockStore.transaction` reads the k-th transaction of a stored block by skipping those before it.
    @Test("skipping a transaction moves exactly past its encoding; a cut one is an error, not a trap")
    func transactionSkip() throws {
        let transactions = [
            Fixtures.transaction(nonce: 1), Fixtures.transaction(nonce: 2, payload: []),
            Fixtures.transaction(nonce: 3, payload: [UInt8](repeating: 0xAB, count: 1_000)),
        ]
        var encoder = CanonicalEncoder()
        for transaction in transactions { encoder.write(transaction) }
        let bytes = encoder.bytes
        for index in transactions.indices {
            var decoder = CanonicalDecoder(bytes)
            for _ in 0..<index { try Transaction.skip(in: &decoder) }
            #expect(try decoder.read(Transaction.self) == transactions[index])
        }
        var decoder = CanonicalDecoder(bytes)
        for _ in transactions { try Transaction.skip(in: &decoder) }
        try decoder.finish()
        let one = transactions[2].canonicalBytes
        for length in 0..<one.count {
            var cut = CanonicalDecoder(Array(one.prefix(length)))
            #expect(throws: CanonicalDecodingError.self) { try Transaction.skip(in: &cut) }
        }
    }

    /// The mempool sizes every admitted transaction with `encodedByteCount` instead of encoding it.
    @Test(
        "a transaction's encodedByteCount is the length of its canonical encoding",
        arguments: [[], Array("issue TD-0001".utf8), [UInt8](repeating: 7, count: 4_000)])
    func encodedByteCountIsTheEncodingsLength(payload: [UInt8]) {
        var transaction = Fixtures.transaction(payload: payload)
        #expect(transaction.encodedByteCount == transaction.canonicalBytes.count)
        transaction.body.chainId = "réseau-ünïcode"
        #expect(transaction.encodedByteCount == transaction.canonicalBytes.count)
    }

    @Test("trailing bytes are rejected")
    func trailingBytesAreRejected() {
        let bytes = Fixtures.transaction().canonicalBytes + [0]
        #expect(throws: CanonicalDecodingError.trailingBytes(count: 1)) { try Transaction(canonicalBytes: bytes) }
    }

    @Test("a length above the field's limit is rejected before allocating")
    func overLongLengthIsRejected() {
        var encoder = CanonicalEncoder()
        encoder.write(UInt32.max)
        #expect(
            throws: CanonicalDecodingError.lengthExceedsLimit(
                field: "event.topic", length: Int(UInt32.max), limit: Limits.eventTopicBytesMax)
        ) {
            var decoder = CanonicalDecoder(Fixtures.address(1).canonicalBytes + encoder.bytes)
            _ = try Event(from: &decoder)
        }
    }

    @Test("a length within the limit but beyond the input is truncation")
    func lengthBeyondInputIsTruncation() {
        var encoder = CanonicalEncoder()
        encoder.write(Fixtures.address(1))
        encoder.write(UInt32(10))
        encoder.write(fixed: Array("abc".utf8))
        #expect(throws: CanonicalDecodingError.truncated(needed: 10, remaining: 3)) {
            var decoder = CanonicalDecoder(encoder.bytes)
            _ = try Event(from: &decoder)
        }
    }

    /// One non-canonical form per rule, each with the exact error it must produce.
    static let nonCanonicalCases: [(String, [UInt8], CanonicalDecodingError)] = {
        let transaction = Fixtures.transaction().canonicalBytes
        let kindOffset = 4 + "sbp-test".utf8.count + 20 + 8
        var unknownKind = transaction
        unknownKind[kindOffset] = 9
        var recoveryIdFive = transaction
        recoveryIdFive[recoveryIdFive.count - 1] = 5
        var highS = transaction
        let orderMinusOne = Array(Secp256k1Order.order.dropLast()) + [0x40]
        highS.replaceSubrange((transaction.count - 33)..<(transaction.count - 1), with: orderMinusOne)
        var zeroR = transaction
        for index in (transaction.count - 65)..<(transaction.count - 33) { zeroR[index] = 0 }
        var badUTF8 = transaction
        badUTF8[4] = 0xff
        var block = Fixtures.block().canonicalBytes
        block[block.count - 1 - Fixtures.certificate().canonicalBytes.count] = 2
        var unorderedVotes = Fixtures.certificate().canonicalBytes
        let firstVote = 8 + 8 + 32 + 4
        unorderedVotes[firstVote] = 3  // the first vote now has index 3, the second 1
        return [
            ("unknown transaction kind", unknownKind, .unknownVariant(type: "TransactionKind", tag: 9)),
            ("recovery id above 3", recoveryIdFive, .invalidValue(field: "signature.recoveryId", reason: "must be 0...3, got 5")),
            ("high-S signature", highS, .invalidValue(field: "signature.s", reason: "high-S signatures are not canonical")),
            ("zero r", zeroR, .invalidValue(field: "signature.r", reason: "must be in [1, n-1]")),
            ("invalid UTF-8 chain id", badUTF8, .invalidUTF8(field: "transaction.chainId")),
            ("optional tag 2", block, .invalidOptionalTag(2)),
            (
                "votes out of order", unorderedVotes,
                .invalidValue(field: "certificate.votes", reason: "validator indices must be strictly ascending")
            ),
        ]
    }()

    @Test("non-canonical forms are rejected with a typed error", arguments: nonCanonicalCases.indices)
    func nonCanonicalFormsAreRejected(_ index: Int) {
        let (name, bytes, expected) = Self.nonCanonicalCases[index]
        #expect(throws: expected, "\(name)") {
            switch name {
            case "optional tag 2": _ = try Block(canonicalBytes: bytes)
            case "votes out of order": _ = try CommitCertificate(canonicalBytes: bytes)
            default: _ = try Transaction(canonicalBytes: bytes)
            }
        }
    }

    @Test("a high-S value just above n/2 is rejected, n/2 itself accepted")
    func lowSBoundary() throws {
        let r = [UInt8](repeating: 1, count: 32)
        _ = try RecoverableSignature(compact: r + Secp256k1Order.halfOrder, recoveryId: 0)
        var aboveHalf = Secp256k1Order.halfOrder
        aboveHalf[31] += 1
        #expect(throws: CanonicalDecodingError.invalidValue(field: "signature.s", reason: "high-S signatures are not canonical")) {
            try RecoverableSignature(compact: r + aboveHalf, recoveryId: 0)
        }
        #expect(throws: CanonicalDecodingError.self) { try RecoverableSignature(compact: Secp256k1Order.order + r, recoveryId: 0) }
    }

    @Test("booleans other than 0 and 1 are rejected")
    func booleansAreStrict() {
        var decoder = CanonicalDecoder([2])
        #expect(throws: CanonicalDecodingError.invalidBoolean(2)) { _ = try decoder.readBool() }
    }
}
