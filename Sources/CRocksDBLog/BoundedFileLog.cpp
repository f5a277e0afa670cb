// RocksDB's info log, written so that a failed write never stops the process (see crocksdb_log.h).

#include "crocksdb_log.h"

#include <rocksdb/env.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

// The C API's handle for a logger: RocksDB's c.cc defines it as exactly this, and
// `rocksdb_options_set_info_log` copies `rep` into the options.
struct rocksdb_logger_t {
    std::shared_ptr<rocksdb::Logger> rep;
};

namespace {

/// A line longer than this is cut: RocksDB's own lines are at most a few hundred bytes, but the
/// options dump at open and compaction summaries can be longer.
constexpr size_t lineBytesMax = 8192;

class BoundedFileLog final : public rocksdb::Logger {
public:
    BoundedFileLog(std::string path, uint64_t bytesMax, rocksdb::InfoLogLevel level)
        : rocksdb::Logger(level), path_(std::move(path)), bytesMax_(bytesMax) {
        std::lock_guard<std::mutex> lock(mutex_);
        openLocked();
    }

    ~BoundedFileLog() override {
        std::lock_guard<std::mutex> lock(mutex_);
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    using rocksdb::Logger::Logv;

    void Logv(const char *format, va_list ap) override {
        char line[lineBytesMax];
        size_t length = prefix(line, sizeof line);
        va_list copy;
        va_copy(copy, ap);
        int written = vsnprintf(line + length, sizeof line - length, format, copy);
        va_end(copy);
        if (written < 0) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        length += std::min(static_cast<size_t>(written), sizeof line - length - 1);
        // length < sizeof line here: the formatted text stopped short of its terminating zero's slot.
        if (length == 0 || line[length - 1] != '\n') line[length++] = '\n';
        append(line, length);
    }

    size_t GetLogFileSize() const override {
        std::lock_guard<std::mutex> lock(mutex_);
        return static_cast<size_t>(size_);
    }

    uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

private:
    /// RocksDB's own line prefix: local time to the microsecond, then the thread.
    static size_t prefix(char *buffer, size_t capacity) {
        struct timeval now;
        gettimeofday(&now, nullptr);
        struct tm parts;
        time_t seconds = now.tv_sec;
        localtime_r(&seconds, &parts);
        int length = snprintf(buffer, capacity, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld %ld ", parts.tm_year + 1900,
            parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
            static_cast<long>(now.tv_usec), static_cast<long>(syscall(SYS_gettid)));
        return length < 0 ? 0 : std::min(static_cast<size_t>(length), capacity - 1);
    }

    void append(const char *bytes, size_t length) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (size_ + length > bytesMax_) rotateLocked();
        if (fd_ < 0) openLocked();
        if (fd_ < 0 || size_ + length > bytesMax_) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        // One write(2) per line; a short or failed write (ENOSPC) drops the line and nothing else.
        ssize_t done;
        do {
            done = ::write(fd_, bytes, length);
        } while (done < 0 && errno == EINTR);
        if (done > 0) size_ += static_cast<uint64_t>(done);
        if (done != static_cast<ssize_t>(length)) dropped_.fetch_add(1, std::memory_order_relaxed);
    }

    void openLocked() {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        size_ = 0;
        struct stat info;
        if (fd_ >= 0 && fstat(fd_, &info) == 0 && S_ISREG(info.st_mode)) size_ = static_cast<uint64_t>(info.st_size);
    }

    /// Keeps one earlier file: `path`.old is replaced by the full log, and a new log starts.
    void rotateLocked() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        std::string old = path_ + ".old";
        // Not renamed (a read-only directory, say), the full file is opened again, and lines are dropped
        // until a later rotation succeeds.
        (void)::rename(path_.c_str(), old.c_str());
        openLocked();
    }

    const std::string path_;
    const uint64_t bytesMax_;
    mutable std::mutex mutex_;
    int fd_ = -1;
    uint64_t size_ = 0;
    std::atomic<uint64_t> dropped_{0};
};

BoundedFileLog *unwrap(const rocksdb_logger_t *log) {
    return static_cast<BoundedFileLog *>(log->rep.get());
}

}  // namespace

extern "C" rocksdb_logger_t *sbp_rocksdb_log_create(const char *path, uint64_t bytes_max, int level) {
    int clamped = level < 0 ? 0 : level > static_cast<int>(rocksdb::InfoLogLevel::HEADER_LEVEL)
                                       ? static_cast<int>(rocksdb::InfoLogLevel::HEADER_LEVEL)
                                       : level;
    auto *log = new rocksdb_logger_t;
    log->rep = std::make_shared<BoundedFileLog>(path, bytes_max, static_cast<rocksdb::InfoLogLevel>(clamped));
    return log;
}

extern "C" void sbp_rocksdb_log_destroy(rocksdb_logger_t *log) { delete log; }

extern "C" uint64_t sbp_rocksdb_log_dropped_lines(const rocksdb_logger_t *log) { return unwrap(log)->dropped(); }

extern "C" void sbp_rocksdb_log_line(rocksdb_logger_t *log, const char *line) {
    rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, log->rep, "%s", line);
}
