// When the tool stops: SIGINT/SIGTERM (taken by sigwait on a thread of its own), or a decision
// of the tool itself. Other threads wait for it or poll its file descriptor.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace ipcxx_cli {

class Stop {
public:
    // Blocks SIGINT and SIGTERM in the calling thread. Call before any other thread starts, so
    // that every thread inherits the mask and only the watcher's sigwait receives them.
    static void block_signals();

    Stop();  // starts the watcher thread; block_signals() must have run
    ~Stop();
    Stop(const Stop&) = delete;
    Stop& operator=(const Stop&) = delete;

    // Asks the tool to stop; `failure` makes the exit status 1. Any thread.
    void request(bool failure = false);
    bool requested() const;
    bool failed() const { return failed_.load(); }
    // Readable once stop is requested, for poll().
    int wake_fd() const noexcept { return pipe_[0]; }

    // Wakes wait_until() to check its condition again. Any thread.
    void notify();
    // Returns when stop is requested or `done()` holds. `done` is checked on notify() and at
    // least every `recheck`, for conditions nothing notifies about.
    void wait_until(const std::function<bool()>& done, std::chrono::milliseconds recheck);
    void wait();

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool requested_ = false;
    std::uint64_t generation_ = 0;  // counts notify() calls
    std::atomic<bool> failed_{false};
    std::atomic<bool> closing_{false};
    int pipe_[2] = {-1, -1};
    std::thread watcher_;
};

}  // namespace ipcxx_cli
