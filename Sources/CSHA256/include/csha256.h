// SHA-256 (FIPS 180-4) with its state on the caller's stack: no allocation per digest.
//
// Why: a node hashes about forty short messages per transaction (state keys, tree nodes, receipts,
// Merkle leaves). swift-crypto's `SHA256` allocates a context object for each and goes through
// BoringSSL's generic digest layer; that overhead cost more than the compression itself (issue 18).
// On x86-64 processors with the SHA extensions the compression uses them; elsewhere portable C.
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// A running SHA-256 computation. Plain data: copy it to fork a hash.
typedef struct {
    uint32_t state[8];
    uint64_t length;  // bytes hashed so far
    uint8_t buffer[64];  // the pending partial block: `length % 64` bytes
} csha256_context;

/// Starts a hash.
void csha256_init(csha256_context *context);

/// Appends `count` bytes at `data` (`data` may be NULL when `count` is 0).
void csha256_update(csha256_context *context, const void *data, size_t count);

/// Writes the 32-byte digest to `digest`. The context must be initialised again before reuse.
void csha256_final(csha256_context *context, uint8_t digest[32]);

/// 1 when the compression uses the processor's SHA extensions, else 0 (for benchmarks and tests).
int csha256_uses_sha_extensions(void);

/// Forces the portable compression (1) or lets the library choose (0): tests compare both paths.
void csha256_force_portable(int portable);

#endif
