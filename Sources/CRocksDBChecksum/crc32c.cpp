// RocksDB's CRC-32C, computed with the processor's CRC32 instruction (ADR 0025).
//
// Debian builds RocksDB 7.8 portably, and that version chooses its CRC-32C implementation at compile time on
// x86: without `-msse4.2` every checksum of the write-ahead log and of the table files goes through a table
// lookup per byte. That was 2 % of four validators' CPU (docs/performance.md, "Issue 18: RocksDB's
// checksums"). The library calls its exported `rocksdb::crc32c::Extend` through the procedure linkage table,
// so a definition in the executable takes its place for every caller in the process. CRC-32C is one
// function of the bytes: the values are those RocksDB computes itself, so files stay readable by any build.
#include "crocksdb_checksum.h"

#include <dlfcn.h>
#include <rocksdb/c.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#define SBP_CRC32C_X86 1
#endif

namespace {

// The reflected Castagnoli polynomial (RFC 3720 §B.4).
constexpr uint32_t polynomial = 0x82F63B78u;

struct Table {
    uint32_t entries[256];
    constexpr Table() : entries() {
        for (uint32_t byte = 0; byte < 256; byte++) {
            uint32_t crc = byte;
            for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (polynomial & (0u - (crc & 1u)));
            entries[byte] = crc;
        }
    }
};

constexpr Table table;

// One byte at a time: the fallback for processors without SSE 4.2 (`sbp_crc32c_extend_portable` for tests).
uint32_t extend_portable(uint32_t state, const uint8_t *bytes, size_t count) {
    for (size_t index = 0; index < count; index++) state = table.entries[(state ^ bytes[index]) & 0xFFu] ^ (state >> 8);
    return state;
}

#if SBP_CRC32C_X86
__attribute__((target("sse4.2"))) uint32_t extend_hardware(uint32_t state, const uint8_t *bytes, size_t count) {
    uint64_t wide = state;
    // Eight bytes per instruction; `memcpy` loads an unaligned word without undefined behaviour.
    for (; count >= 8; bytes += 8, count -= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        wide = _mm_crc32_u64(wide, word);
    }
    uint32_t narrow = static_cast<uint32_t>(wide);
    for (; count > 0; bytes++, count--) narrow = _mm_crc32_u8(narrow, *bytes);
    return narrow;
}

bool has_hardware() {
    // `__builtin_cpu_init` first: a call from another library's static constructor can come before the
    // runtime's own, and the answer is kept for the process.
    static const bool supported = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("sse4.2") != 0;
    }();
    return supported;
}
#else
bool has_hardware() { return false; }
#endif

uint32_t extend(uint32_t crc, const void *bytes, size_t count) {
    // The state is the complement of the CRC between calls (RFC 3720 §B.4), as in RocksDB's `Extend`.
    uint32_t state = ~crc;
    const uint8_t *data = static_cast<const uint8_t *>(bytes);
#if SBP_CRC32C_X86
    if (has_hardware()) return ~extend_hardware(state, data, count);
#endif
    return ~extend_portable(state, data, count);
}

}  // namespace

// RocksDB's declaration (util/crc32c.h, unchanged since 2011): the name the library's calls resolve.
namespace rocksdb {
namespace crc32c {
uint32_t Extend(uint32_t init_crc, const char *data, size_t n);
uint32_t Extend(uint32_t init_crc, const char *data, size_t n) { return extend(init_crc, data, n); }
}  // namespace crc32c
}  // namespace rocksdb

extern "C" uint32_t sbp_crc32c_extend(uint32_t crc, const void *bytes, size_t count) { return extend(crc, bytes, count); }

extern "C" uint32_t sbp_crc32c_extend_portable(uint32_t crc, const void *bytes, size_t count) {
    return ~extend_portable(~crc, static_cast<const uint8_t *>(bytes), count);
}

extern "C" int sbp_crc32c_is_hardware(void) { return has_hardware() ? 1 : 0; }

extern "C" int sbp_crc32c_is_interposed(void) {
    // The symbol as the dynamic linker resolves it for RocksDB's calls: the first definition in load order.
    void *resolved = dlsym(RTLD_DEFAULT, "_ZN7rocksdb6crc32c6ExtendEjPKcm");
    auto ours = reinterpret_cast<void *>(&rocksdb::crc32c::Extend);
    return resolved != nullptr && resolved == ours ? 1 : 0;
}

extern "C" int sbp_crc32c_rocksdb_own(uint32_t crc, const void *bytes, size_t count, uint32_t *crc_out) {
    // The library holding RocksDB's C API, and its own definition: `dlsym` on a handle searches that object
    // first, and the library's `Extend` calls its chosen implementation directly, not through this one.
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&rocksdb_open), &info) == 0 || info.dli_fname == nullptr) return 0;
    void *library = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (library == nullptr) return 0;
    void *symbol = dlsym(library, "_ZN7rocksdb6crc32c6ExtendEjPKcm");
    int found = 0;
    if (symbol != nullptr && symbol != reinterpret_cast<void *>(&rocksdb::crc32c::Extend)) {
        auto own = reinterpret_cast<uint32_t (*)(uint32_t, const char *, size_t)>(symbol);
        *crc_out = own(crc, static_cast<const char *>(bytes), count);
        found = 1;
    }
    dlclose(library);
    return found;
}
