// A WorkerPool's working part: performs what its PoolFsm decides with WorkerLinks (worker
// processes), deadline and restart timers, and the callers' callbacks. Every step runs on strand_;
// public calls post to it, so no call runs a callback inside itself.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <asio/steady_timer.hpp>

#include "ipcxx/worker_pool.hpp"
#include "pool/pool_fsm.hpp"
#include "pool/worker_link.hpp"
#include "runtime/strand.hpp"

namespace ipcxx::detail {

struct PoolHandlers {
    std::function<void(std::uint64_t, pid_t)> worker_spawn;
    std::function<void(std::uint64_t, ExitStatus)> worker_exit;
    std::function<void(std::uint64_t, const ProcessError&)> error;
    std::function<void()> stopped;
};

class PoolImpl : public std::enable_shared_from_this<PoolImpl> {
public:
    // `keepalive` holds the thread running `io` (the process thread), or is null.
    PoolImpl(asio::io_context& io, std::shared_ptr<void> keepalive, WorkerPoolOptions options,
             WorkerLinkFactory make_link);

    PoolHandlers& handlers() { return handlers_; }
    const WorkerPoolOptions& options() const noexcept { return options_; }

    std::error_code start();
    RequestId request(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                      ResponseHandler on_response);
    void cancel(RequestId id);
    std::error_code resize(std::size_t size);
    void shutdown(bool graceful);
    WorkerPoolStats stats() const;
    bool on_io_thread() const noexcept { return strand_.running_in_this_thread(); }
    // The owner is gone: workers killed, open requests ended with pool_shut_down now, no callback
    // after this returns (one running on another thread is waited for).
    void destroy();

private:
    struct OpenRequest {
        std::string event;
        std::string args;
        ResponseHandler on_response;
        std::optional<std::chrono::steady_clock::time_point> deadline;
        std::shared_ptr<asio::steady_timer> timer;
        PoolWorkerId worker = 0;
        std::size_t attempts = 0;
    };
    struct Ending {
        ResponseHandler on_response;
        Response response;
    };
    using Callbacks = std::vector<std::function<void()>>;

    // Runs `event` against the machine on the strand and performs its actions; `reply` is the
    // answer a `complete` without error delivers.
    void post_step(std::function<PoolActions(PoolFsm&)> event, std::optional<Response> reply = std::nullopt);
    void step(const std::function<PoolActions(PoolFsm&)>& event, const std::optional<Response>& reply);
    void perform(const PoolActions& actions, const std::optional<Response>& reply, Callbacks& callbacks);
    void spawn(PoolWorkerId worker);
    void arm_timer(std::shared_ptr<asio::steady_timer> timer, std::chrono::steady_clock::duration delay,
                   std::function<PoolActions(PoolFsm&)> event);
    void on_worker_exited(PoolWorkerId worker, ExitStatus status);
    // Calls the callback of a request that ended (unless destroy() did).
    void deliver(RequestId id);
    // Runs a caller's callback unless destroyed; an exception becomes an `error` event (worker 0).
    void run_callback(const std::function<void()>& call);

    // First: the thread must outlive every Asio object below.
    std::shared_ptr<void> keepalive_;
    asio::io_context& io_;
    Strand strand_;
    const WorkerPoolOptions options_;
    const WorkerLinkFactory make_link_;
    PoolHandlers handlers_;
    std::atomic<RequestId> next_id_{0};
    std::atomic<bool> started_{false};

    // fsm_, requests_, ending_, links_, restart_timers_, grace_timers_, closed_: taken by the strand for a step,
    // by stats() and destroy().
    mutable std::mutex mutex_;
    PoolFsm fsm_;
    std::map<RequestId, OpenRequest> requests_;
    std::map<RequestId, Ending> ending_;  // ended, callback not called yet
    std::map<PoolWorkerId, std::unique_ptr<WorkerLink>> links_;
    std::map<PoolWorkerId, std::shared_ptr<asio::steady_timer>> restart_timers_;
    std::map<RequestId, std::shared_ptr<asio::steady_timer>> grace_timers_;  // by timed-out request
    bool closed_ = false;

    // Held while a caller's callback runs, so that destroy() waits for it (recursive: a callback
    // may destroy the pool).
    std::recursive_mutex callback_mutex_;
    bool callbacks_closed_ = false;
};

}  // namespace ipcxx::detail
