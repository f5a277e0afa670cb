#ifndef CROCKSDB_LOG_H
#define CROCKSDB_LOG_H

#include <stdint.h>
#include <rocksdb/c.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A RocksDB info log that appends to `path`, keeps at most `bytes_max` bytes in it and as many in
/// `path`.old, and drops a line it cannot write instead of failing.
///
/// Why: the file logger RocksDB creates by default (7.8) aborts the whole process on its next line after a
/// failed write (an assertion in `WritableFileWriter`, left enabled in Debian's build), so a full disk
/// killed a node, or stopped it from starting, on a log line. Its file also grows without bound.
/// `level` is RocksDB's `InfoLogLevel` (0 debug ... 5 header). Never returns NULL.
rocksdb_logger_t *sbp_rocksdb_log_create(const char *path, uint64_t bytes_max, int level);

/// Releases the caller's reference; a database opened with the log keeps its own.
void sbp_rocksdb_log_destroy(rocksdb_logger_t *log);

/// Lines dropped because they could not be written (a full disk, an unwritable file).
uint64_t sbp_rocksdb_log_dropped_lines(const rocksdb_logger_t *log);

/// Writes one line at info level, as RocksDB does (for tests).
void sbp_rocksdb_log_line(rocksdb_logger_t *log, const char *line);

#ifdef __cplusplus
}
#endif

#endif
