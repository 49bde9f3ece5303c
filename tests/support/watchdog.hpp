// A deadline for calls that must return (stop, disconnect, destructors). A call that hangs cannot be
// abandoned safely, as it holds the test's objects, so the watchdog ends the program with a message
// naming the call: the test fails at once instead of waiting for ctest's timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace test {

class Watchdog {
public:
    Watchdog(std::chrono::milliseconds limit, std::string what) : what_(std::move(what)) {
        thread_ = std::thread([this, limit] {
            std::unique_lock<std::mutex> lock(mutex_);
            if (!cv_.wait_for(lock, limit, [this] { return disarmed_; })) {
                std::fprintf(stderr, "HUNG: %s did not return within %lld ms\n", what_.c_str(),
                             static_cast<long long>(limit.count()));
                std::abort();
            }
        });
    }
    ~Watchdog() { disarm(); }
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    void disarm() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            disarmed_ = true;
            cv_.notify_all();
        }
        if (thread_.joinable()) thread_.join();
    }

private:
    std::string what_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool disarmed_ = false;
    std::thread thread_;
};

// Runs `call` under a watchdog of `limit`.
template <class Call>
void returns_within(std::chrono::milliseconds limit, const std::string& what, Call&& call) {
    Watchdog dog(limit, what);
    call();
}

}  // namespace test
