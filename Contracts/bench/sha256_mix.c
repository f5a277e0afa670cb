/* A CPU-bound WebAssembly module for comparing engines (`sbp-bench vm-compare`): no imports, no contract
 * ABI, only integer arithmetic and linear-memory loads and stores.
 *
 * run(n) applies the SHA-256 compression function n times to a 64-byte block, feeding each new state
 * back into the block, and returns a 32-bit checksum of the final state, so every engine can be checked
 * to compute the same thing. The compression is written out (message schedule in memory, 64 rounds of
 * rotations, additions and bitwise choice/majority) because it is the kind of work contracts do that is
 * not a host call: mixing, hashing, encoding.
 *
 * Built and committed as sha256_mix.wasm (the toolchain's own clang, no libc):
 *   cd Contracts/bench && /opt/swift/usr/bin/clang --target=wasm32 -O2 -ffreestanding -fno-builtin -nostdlib \
 *       -mno-simd128 -Wall -Werror -Wl,--no-entry -Wl,--export=run -Wl,--strip-all -o sha256_mix.wasm sha256_mix.c
 */

typedef unsigned int u32;

static const u32 round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const u32 initial_state[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* In linear memory, as a contract's buffers would be. */
static u32 schedule[64];
static u32 block[16];
static u32 state[8];

static inline u32 rotr(u32 x, u32 n) { return (x >> n) | (x << (32 - n)); }

static void compress(void) {
    for (int i = 0; i < 16; i++) schedule[i] = block[i];
    for (int i = 16; i < 64; i++) {
        u32 s0 = rotr(schedule[i - 15], 7) ^ rotr(schedule[i - 15], 18) ^ (schedule[i - 15] >> 3);
        u32 s1 = rotr(schedule[i - 2], 17) ^ rotr(schedule[i - 2], 19) ^ (schedule[i - 2] >> 10);
        schedule[i] = schedule[i - 16] + s0 + schedule[i - 7] + s1;
    }
    u32 a = state[0], b = state[1], c = state[2], d = state[3];
    u32 e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
        u32 t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + round_constants[i] + schedule[i];
        u32 t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

/* Runs n compressions from a fixed start and returns the XOR of the final state words. */
__attribute__((export_name("run"))) u32 run(u32 n) {
    for (int i = 0; i < 8; i++) state[i] = initial_state[i];
    for (int i = 0; i < 16; i++) block[i] = (u32)i * 0x01010101u;
    for (u32 round = 0; round < n; round++) {
        compress();
        for (int i = 0; i < 8; i++) {
            block[i] ^= state[i];
            block[i + 8] += state[7 - i] ^ round;
        }
    }
    u32 checksum = 0;
    for (int i = 0; i < 8; i++) checksum ^= state[i];
    return checksum;
}
