// An io_context with one thread that runs it, for objects that do not get the caller's io_context.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

namespace ipcxx::detail {

class IoThread : public std::enable_shared_from_this<IoThread> {
public:
    // `busy_poll`: how long the thread keeps polling after its last handler before it sleeps.
    static std::shared_ptr<IoThread> start(std::chrono::microseconds busy_poll);
    ~IoThread();

    asio::io_context& context() noexcept { return io_; }
    bool in_this_thread() const noexcept;

    // Lets run() return once the owner's work is done. Called from another thread, waits for the
    // thread to end; called from the I/O thread itself (inside a handler), detaches it: the thread
    // keeps this object alive until run() returns. Called again after the thread has been waited
    // for, runs what has been posted since on the caller's thread. Only the owner calls it, from
    // one thread at a time.
    void finish();

private:
    IoThread() = default;

    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
    std::thread thread_;
    bool joined_ = false;             // the thread has ended and was waited for by finish()
    std::shared_ptr<IoThread> self_;  // set while the thread runs; released by the thread at its end
};

// For the destructor of a server or client whose shutdown was just requested. With its own
// thread and called from elsewhere: lets the thread run the shutdown to its end (so the final
// events reach the handlers), then calls `close_events`. From inside a handler, or on a caller's
// io_context (`thread` null): calls `close_events` at once.
void release(const std::shared_ptr<IoThread>& thread, const std::function<void()>& close_events);

}  // namespace ipcxx::detail
