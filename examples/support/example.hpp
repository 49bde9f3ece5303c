// What the example programs share: running until SIGINT/SIGTERM, and ending once with a status.
#pragma once

#include <chrono>
#include <csignal>
#include <future>

#include <pthread.h>

namespace example {

// Blocks SIGINT and SIGTERM. Call it before any ipcxx object starts its I/O thread, so that only
// wait_for_stop sees them.
class StopSignals {
public:
    StopSignals() {
        sigemptyset(&signals_);
        sigaddset(&signals_, SIGINT);
        sigaddset(&signals_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    }
    void wait_for_stop() const {
        int signal = 0;
        sigwait(&signals_, &signal);
    }

private:
    sigset_t signals_;
};

// The program's exit status, set by the first handler that knows it (later ones are ignored).
// Handlers of one client never run concurrently, so no lock is needed there.
class Outcome {
public:
    void set(int status) {
        if (set_) return;
        set_ = true;
        status_.set_value(status);
    }
    int wait() { return status_.get_future().get(); }
    // `timeout_status` when nothing was set in time.
    int wait_for(std::chrono::seconds timeout, int timeout_status) {
        auto future = status_.get_future();
        return future.wait_for(timeout) == std::future_status::ready ? future.get() : timeout_status;
    }

private:
    std::promise<int> status_;
    bool set_ = false;
};

}  // namespace example
