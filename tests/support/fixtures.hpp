// Test helpers: scratch directories, configs that never collide, and waiting on conditions.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <ftw.h>
#include <unistd.h>

#include "ipcxx/ipcxx.hpp"

namespace test {

using namespace std::chrono_literals;

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ipcxx-test-XXXXXX";
        path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
    }
    ~TempDir() {
        if (!path_.empty()) {
            ::nftw(path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
                   FTW_DEPTH | FTW_PHYS);
        }
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// A config whose socket root is a private directory, with fast retries and no log output.
inline ipcxx::Config config_in(const TempDir& dir, const std::string& id = "world") {
    ipcxx::Config config;
    config.id = id;
    config.socket_root = dir.path() + "/";
    config.retry = 20ms;
    config.silent = true;
    // IPCXX_TEST_IO_THREADS=N: every server of the suites runs on N I/O threads (the sanitizer runs).
    if (const char* threads = std::getenv("IPCXX_TEST_IO_THREADS")) {
        config.io_threads = std::max<std::size_t>(1, std::strtoul(threads, nullptr, 10));
    }
    return config;
}

// config_in() for a server on the caller's io_context, which runs on that one context.
inline ipcxx::Config single_threaded_config_in(const TempDir& dir, const std::string& id = "world") {
    auto config = config_in(dir, id);
    config.io_threads = 1;
    return config;
}

// Thread-safe record of what handlers saw, with waits bounded by a deadline.
class Log {
public:
    void add(std::string entry) {
        // Notified under the lock: a waiter that wakes may destroy this Log at once, and a handler
        // on another thread (one that destroyed its own client, say) must be done with it by then.
        std::lock_guard<std::mutex> lock(mutex_);
        entries_.push_back(std::move(entry));
        cv_.notify_all();
    }
    std::vector<std::string> entries() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return entries_;
    }
    std::size_t count(const std::string& entry) const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::size_t n = 0;
        for (const auto& e : entries_) n += e == entry;
        return n;
    }
    bool wait_for_count(const std::string& entry, std::size_t n, std::chrono::milliseconds timeout = 10s) const {
        return wait([&] { return count_locked(entry) >= n; }, timeout);
    }
    bool wait_for(const std::string& entry, std::chrono::milliseconds timeout = 10s) const {
        return wait_for_count(entry, 1, timeout);
    }
    bool wait_for_size(std::size_t n, std::chrono::milliseconds timeout = 10s) const {
        return wait([&] { return entries_.size() >= n; }, timeout);
    }

private:
    std::size_t count_locked(const std::string& entry) const {
        std::size_t n = 0;
        for (const auto& e : entries_) n += e == entry;
        return n;
    }
    bool wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout) const {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, timeout, pred);
    }

    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    std::vector<std::string> entries_;
};

// Waits for a condition that no handler signals (e.g. a count read from the library).
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
    std::mutex m;
    std::condition_variable cv;
    std::unique_lock<std::mutex> lock(m);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (cv.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + 2ms)) ==
                std::cv_status::timeout &&
            std::chrono::steady_clock::now() >= deadline) {
            return pred();
        }
    }
    return true;
}

}  // namespace test
