#ifndef CROCKSDB_CHECKSUM_H
#define CROCKSDB_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CRC-32C (Castagnoli, RFC 3720 §B.4) of `count` bytes at `bytes`, continuing from `crc` (0 to start),
/// as RocksDB's `crc32c::Extend` computes it: the function this target gives RocksDB (ADR 0025).
uint32_t sbp_crc32c_extend(uint32_t crc, const void *bytes, size_t count);

/// `sbp_crc32c_extend` by the portable table whatever the processor, so that tests check the path a
/// processor without SSE 4.2 takes.
uint32_t sbp_crc32c_extend_portable(uint32_t crc, const void *bytes, size_t count);

/// 1 when `sbp_crc32c_extend` uses the processor's CRC32 instruction (SSE 4.2), 0 when it uses the
/// portable table.
int sbp_crc32c_is_hardware(void);

/// 1 when the dynamic linker resolves RocksDB's `rocksdb::crc32c::Extend` to this target's definition,
/// so that RocksDB's WAL and table checksums run through it; 0 when RocksDB keeps its own (a library
/// built with its calls bound inside it, or an executable that does not export the symbol).
int sbp_crc32c_is_interposed(void);

/// RocksDB's own `crc32c::Extend`, called in the library itself rather than through the dynamic linker's
/// resolution, so that tests can compare the two on the same bytes. Returns 0 and leaves `*crc_out`
/// unchanged when the library's definition cannot be found.
int sbp_crc32c_rocksdb_own(uint32_t crc, const void *bytes, size_t count, uint32_t *crc_out);

#ifdef __cplusplus
}
#endif

#endif
