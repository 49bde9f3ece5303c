#include "stop.hpp"

#include <csignal>
#include <system_error>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

namespace ipcxx_cli {
namespace {

sigset_t stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    return signals;
}

}  // namespace

void Stop::block_signals() {
    const sigset_t signals = stop_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

Stop::Stop() {
    if (pipe2(pipe_, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
    watcher_ = std::thread([this] {
        const sigset_t signals = stop_signals();
        for (;;) {
            int signal = 0;
            sigwait(&signals, &signal);
            if (closing_.load()) return;
            request();
        }
    });
}

Stop::~Stop() {
    closing_.store(true);
    // The watcher's sigwait takes this signal: it is blocked in every thread.
    pthread_kill(watcher_.native_handle(), SIGTERM);
    watcher_.join();
    close(pipe_[0]);
    close(pipe_[1]);
}

void Stop::request(bool failure) {
    if (failure) failed_.store(true);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (requested_) return;
        requested_ = true;
    }
    const char byte = 1;
    // The pipe is empty until now and only ever gets this byte: the write cannot block or fail.
    [[maybe_unused]] const ssize_t written = write(pipe_[1], &byte, 1);
    changed_.notify_all();
}

bool Stop::requested() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requested_;
}

void Stop::notify() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ++generation_;
    }
    changed_.notify_all();
}

void Stop::wait_until(const std::function<bool()>& done, std::chrono::milliseconds recheck) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!requested_) {
        // A notify() while done() runs unlocked is not lost: it changes the generation.
        const std::uint64_t seen = generation_;
        lock.unlock();
        const bool finished = done();
        lock.lock();
        if (finished) return;
        changed_.wait_for(lock, recheck, [&] { return requested_ || generation_ != seen; });
    }
}

void Stop::wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return requested_; });
}

}  // namespace ipcxx_cli
