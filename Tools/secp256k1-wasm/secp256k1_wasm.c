/* SBP's WebAssembly build of libsecp256k1 for the explorer's offline evidence check (docs/explorer.md).
 *
 * Tools/build-secp256k1-wasm compiles this file together with Debian's libsecp256k1 source package
 * (src/secp256k1.c with the recovery module, src/precomputed_ecmult*.c) using the Swift toolchain's clang.
 * It adds only what a freestanding wasm32 module lacks: memcpy/memset/memcmp, a malloc that always fails
 * (only secp256k1_context_static is used, so nothing allocates), the two default callbacks (they trap),
 * and one entry point the page calls. No curve arithmetic is written here.
 */
#include <stddef.h>
#include <stdint.h>

#include "secp256k1.h"
#include "secp256k1_recovery.h"

void *memcpy(void *destination, const void *source, size_t count) {
    unsigned char *to = destination;
    const unsigned char *from = source;
    while (count--) *to++ = *from++;
    return destination;
}

void *memset(void *destination, int value, size_t count) {
    unsigned char *to = destination;
    while (count--) *to++ = (unsigned char)value;
    return destination;
}

int memcmp(const void *left, const void *right, size_t count) {
    const unsigned char *a = left, *b = right;
    for (; count; count--, a++, b++) {
        if (*a != *b) return *a < *b ? -1 : 1;
    }
    return 0;
}

void *malloc(size_t size) {
    (void)size;
    return NULL;
}

void *realloc(void *pointer, size_t size) {
    (void)pointer;
    (void)size;
    return NULL;
}

void free(void *pointer) { (void)pointer; }

void abort(void) { __builtin_trap(); }

/* USE_EXTERNAL_DEFAULT_CALLBACKS: an illegal argument or an internal error traps; the page reports the
   trap as a failed check. */
void secp256k1_default_illegal_callback_fn(const char *text, void *data) {
    (void)text;
    (void)data;
    __builtin_trap();
}

void secp256k1_default_error_callback_fn(const char *text, void *data) {
    (void)text;
    (void)data;
    __builtin_trap();
}

/* The page writes a 65-byte recoverable signature (r ‖ s big-endian ‖ recovery id) and a 32-byte digest
   here, calls sbp_recover, and reads the 33-byte compressed key back. */
static unsigned char io_buffer[65 + 32 + 33];

unsigned char *sbp_buffer(void) { return io_buffer; }

/* Recovers the public key that made the signature in io_buffer[0..65) over the digest in io_buffer[65..97)
   (SEC 1 §4.1.6, as the node's Keys module does with the same library) and writes its compressed form to
   io_buffer[97..130). Returns 1 on success, 0 when the signature does not parse or recovers no key. */
int sbp_recover(void) {
    secp256k1_ecdsa_recoverable_signature signature;
    secp256k1_pubkey key;
    size_t length = 33;
    int recovery_id = io_buffer[64];
    if (recovery_id > 3) return 0;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(secp256k1_context_static, &signature, io_buffer, recovery_id))
        return 0;
    if (!secp256k1_ecdsa_recover(secp256k1_context_static, &key, &signature, io_buffer + 65)) return 0;
    if (!secp256k1_ec_pubkey_serialize(secp256k1_context_static, io_buffer + 97, &length, &key, SECP256K1_EC_COMPRESSED))
        return 0;
    return length == 33;
}
