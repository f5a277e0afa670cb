import CSecp256k1

/// The process-wide libsecp256k1 context, created once and randomized before first use.
///
/// Creating a context costs tens of microseconds and randomizing it protects signing and public-key
/// derivation against timing and power side channels, so one shared context is made at first use.
/// libsecp256k1 allows concurrent calls on a context through its `const` pointer; the only call that
/// needs exclusive access (`secp256k1_context_randomize`) runs in `init`, before the context is
/// published, which is why the `@unchecked Sendable` promise holds.
final class Secp256k1Context: @unchecked Sendable {
    /// The shared context (lazily created, thread-safe by Swift's global initialisation).
    static let shared = Secp256k1Context()

    /// The context pointer; pass it only to libsecp256k1 functions taking `const secp256k1_context *`.
    let pointer: OpaquePointer

    private init() {
        guard let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            preconditionFailure("secp256k1_context_create failed")
        }
        var seed = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in seed.indices { seed[index] = generator.next() }
        let randomized = secp256k1_context_randomize(context, seed)
        precondition(randomized == 1, "secp256k1_context_randomize failed")
        Secure.zero(&seed)
        pointer = context
    }

    deinit {
        secp256k1_context_destroy(pointer)
    }
}
