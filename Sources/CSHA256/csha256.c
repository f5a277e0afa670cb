// SHA-256 (FIPS 180-4 §6.2) with a caller-owned context; see include/csha256.h for why it exists.
#include "csha256.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define CSHA256_X86 1
#endif

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// FIPS 180-4 §5.3.3: the initial hash value.
static const uint32_t initial_state[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t rotate_right(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static inline uint32_t load_big_endian(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

// FIPS 180-4 §6.2.2 for `blocks` consecutive 64-byte blocks, in portable C.
static void compress_portable(uint32_t state[8], const uint8_t *data, size_t blocks) {
    uint32_t w[64];
    for (; blocks > 0; blocks--, data += 64) {
        for (int t = 0; t < 16; t++) w[t] = load_big_endian(data + 4 * t);
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = rotate_right(w[t - 15], 7) ^ rotate_right(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = rotate_right(w[t - 2], 17) ^ rotate_right(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int t = 0; t < 64; t++) {
            uint32_t sum1 = rotate_right(e, 6) ^ rotate_right(e, 11) ^ rotate_right(e, 25);
            uint32_t choice = (e & f) ^ (~e & g);
            uint32_t t1 = h + sum1 + choice + round_constants[t] + w[t];
            uint32_t sum0 = rotate_right(a, 2) ^ rotate_right(a, 13) ^ rotate_right(a, 22);
            uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
            uint32_t t2 = sum0 + majority;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}

#if CSHA256_X86
// The same compression with the SHA extensions (SHA256RNDS2, SHA256MSG1, SHA256MSG2). The instructions
// keep the working variables as two registers, (A, B, E, F) and (C, D, G, H), each high word first.
__attribute__((target("sha,sse4.1,ssse3"))) static void compress_sha_extensions(
    uint32_t state[8], const uint8_t *data, size_t blocks) {
    const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
    for (; blocks > 0; blocks--, data += 64) {
        const __m128i abef_before = abef;
        const __m128i cdgh_before = cdgh;
        // The message schedule, four words per register: w[4j ..< 4j + 4] in schedule[j].
        __m128i schedule[16];
        for (int j = 0; j < 4; j++) {
            schedule[j] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * j)), byte_swap);
        }
        // Rounds 4j ..< 4j + 4 use schedule[j]; the next group of words is computed between their two halves,
        // so message and round instructions overlap.
#pragma clang loop unroll(full)
        for (int j = 0; j < 16; j++) {
            __m128i words = _mm_add_epi32(schedule[j], _mm_loadu_si128((const __m128i *)&round_constants[4 * j]));
            // Two rounds make the old (A, B, E, F) the new (C, D, G, H): the first call leaves the new
            // (A, B, E, F) in `cdgh` and the old one, now (C, D, G, H), in `abef`; the second call swaps back.
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, words);
            if (j >= 3 && j < 15) {
                // w[t] = σ1(w[t-2]) + w[t-7] + σ0(w[t-15]) + w[t-16] for t = 4(j + 1) ..< 4(j + 1) + 4.
                __m128i partial = _mm_sha256msg1_epu32(schedule[j - 3], schedule[j - 2]);
                partial = _mm_add_epi32(partial, _mm_alignr_epi8(schedule[j], schedule[j - 1], 4));
                schedule[j + 1] = _mm_sha256msg2_epu32(partial, schedule[j]);
            }
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(words, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef_before);
        cdgh = _mm_add_epi32(cdgh, cdgh_before);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

// -1: not yet known; 0: portable; 1: SHA extensions. Detection is idempotent, so a race only repeats it.
static int sha_extensions_state = -1;
static int forced_portable = 0;

static int detect_sha_extensions(void) {
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const int ssse3 = (ecx >> 9) & 1, sse41 = (ecx >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    const int sha = (ebx >> 29) & 1;
    return ssse3 && sse41 && sha;
}

static int sha_extensions_available(void) {
    int known = __atomic_load_n(&sha_extensions_state, __ATOMIC_RELAXED);
    if (known < 0) {
        known = detect_sha_extensions();
        __atomic_store_n(&sha_extensions_state, known, __ATOMIC_RELAXED);
    }
    return known;
}

static int use_sha_extensions(void) {
    return !__atomic_load_n(&forced_portable, __ATOMIC_RELAXED) && sha_extensions_available();
}
#endif

static void compress(uint32_t state[8], const uint8_t *data, size_t blocks) {
#if CSHA256_X86
    if (use_sha_extensions()) {
        compress_sha_extensions(state, data, blocks);
        return;
    }
#endif
    compress_portable(state, data, blocks);
}

int csha256_uses_sha_extensions(void) {
#if CSHA256_X86
    return use_sha_extensions();
#else
    return 0;
#endif
}

void csha256_force_portable(int portable) {
#if CSHA256_X86
    __atomic_store_n(&forced_portable, portable ? 1 : 0, __ATOMIC_RELAXED);
#else
    (void)portable;
#endif
}

void csha256_init(csha256_context *context) {
    memcpy(context->state, initial_state, sizeof initial_state);
    context->length = 0;
}

void csha256_update(csha256_context *context, const void *data, size_t count) {
    // memcpy from NULL is undefined even for 0 bytes, and an empty update changes nothing.
    if (count == 0) return;
    const uint8_t *bytes = (const uint8_t *)data;
    size_t pending = (size_t)(context->length % 64);
    context->length += (uint64_t)count;
    if (pending > 0) {
        size_t take = 64 - pending;
        if (take > count) take = count;
        memcpy(context->buffer + pending, bytes, take);
        bytes += take;
        count -= take;
        pending += take;
        if (pending < 64) return;
        compress(context->state, context->buffer, 1);
    }
    size_t blocks = count / 64;
    if (blocks > 0) {
        compress(context->state, bytes, blocks);
        bytes += 64 * blocks;
        count -= 64 * blocks;
    }
    if (count > 0) memcpy(context->buffer, bytes, count);
}

void csha256_final(csha256_context *context, uint8_t digest[32]) {
    // FIPS 180-4 §5.1.1: a 1 bit, zeros to 56 bytes mod 64, then the length in bits as a big-endian u64.
    const uint64_t bits = context->length * 8;
    size_t pending = (size_t)(context->length % 64);
    context->buffer[pending++] = 0x80;
    if (pending > 56) {
        memset(context->buffer + pending, 0, 64 - pending);
        compress(context->state, context->buffer, 1);
        pending = 0;
    }
    memset(context->buffer + pending, 0, 56 - pending);
    for (int i = 0; i < 8; i++) context->buffer[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    compress(context->state, context->buffer, 1);
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (uint8_t)(context->state[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(context->state[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(context->state[i] >> 8);
        digest[4 * i + 3] = (uint8_t)context->state[i];
    }
}
