import ChainTypes
import Testing

@testable import ContractVM

@Suite struct ABICodecTests {
    @Test func callInputIsTheMethodNameThenTheCanonicalArguments() throws {
        let codec = try Registries.codec("licence_registry")
        let bytes = try codec.encodeCall(method: "verify", arguments: ["L-1", Registries.holder.hex, "500"])
        var expected = CanonicalEncoder()
        expected.write(text: "verify")
        expected.write(text: "L-1")
        expected.write(Registries.holder)
        expected.write(UInt64(500))
        #expect(bytes == expected.bytes)
    }

    @Test func argumentErrorsAreTyped() throws {
        let codec = try Registries.codec("licence_registry")
        #expect(throws: ABIError.unknownMethod("mint")) { try codec.encodeCall(method: "mint", arguments: []) }
        #expect(throws: ABIError.argumentCount(method: "get", expected: 1, actual: 2)) {
            try codec.encodeCall(method: "get", arguments: ["a", "b"])
        }
        #expect(throws: ABIError.invalidArgument(name: "atTime", type: .u64, text: "-1")) {
            try codec.encodeCall(method: "verify", arguments: ["L-1", Registries.holder.hex, "-1"])
        }
        #expect(throws: ABIError.invalidArgument(name: "holderDigest", type: .hash, text: "zz")) {
            try codec.encodeCall(method: "verify", arguments: ["L-1", "zz", "1"])
        }
    }

    @Test func resultsDecodeWithEnumerationLabelsAndRejectTrailingBytes() throws {
        let codec = try Registries.codec("licence_registry")
        let verified = try codec.decodeResult(method: "verify", bytes: [5])
        #expect(verified == [NamedABIValue(name: "outcome", value: .u8(5), label: "holderMismatch")])
        #expect(throws: ABIError.malformed(.trailingBytes(count: 1))) { try codec.decodeResult(method: "verify", bytes: [0, 0]) }
        #expect(throws: ABIError.unknownEvent("Minted")) { try codec.decodeEvent(topic: "Minted", data: []) }
    }

    @Test func interfacesRoundTripThroughJSON() throws {
        for name in ["licence_registry", "certificate_registry"] {
            let interface = try Registries.codec(name).interface
            #expect(interface.name == name)
            #expect(interface.methods.contains { $0.name == "get" && $0.readOnly })
        }
    }
}

@Suite struct ContractLimitsTests {
    @Test func limitsFitTogether() {
        // A storage value and an event fit in the return data a query can hand back.
        #expect(ContractLimits.storageValueBytesMax <= ContractLimits.outputBytesMax)
        #expect(ContractLimits.eventDataBytesMax <= ContractLimits.outputBytesMax)
        // The memory cap allows the 2 MiB clang contracts are linked with, and holds any single host copy.
        #expect(ContractLimits.memoryPagesMax * ContractLimits.pageBytes >= 2 * 1024 * 1024)
        #expect(ContractLimits.outputBytesMax < ContractLimits.memoryPagesMax * ContractLimits.pageBytes)
        #expect(ContractLimits.hashInputBytesMax < ContractLimits.memoryPagesMax * ContractLimits.pageBytes)
        // Nested queries: at least the cross-department case (a contract querying one registry).
        #expect(ContractLimits.callDepthMax >= 2)
        #expect(ContractLimits.messageBytesMax == ChainTypes.Limits.errorMessageBytesMax)
    }
}
