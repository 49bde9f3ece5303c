// WorkerPool: N worker processes speaking Node's IPC channel (C++ or Node.js programs), requests
// dispatched to the least busy, crashed workers restarted with backoff, graceful shrink and shutdown.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sys/types.h>

#include "ipcxx/child_process.hpp"
#include "ipcxx/detail/pack_buffer.hpp"
#include "ipcxx/export.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/request.hpp"
#include "ipcxx/spawn_options.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

namespace detail {
class PoolImpl;
}

/// How a WorkerPool starts its workers and shares out its requests.
struct WorkerPoolOptions {
    /// The worker program (a name without '/' is looked up in PATH) and its arguments.
    std::string program;
    /// argv[1..] of every worker.
    std::vector<std::string> args;
    /// How each worker is started: by default stdin is /dev/null and stdout and stderr are the
    /// parent's, so that workers' output shows. The pool puts the IPC channel at the first
    /// descriptor past the given slots (fd 3 with three).
    SpawnOptions spawn = [] {
        SpawnOptions defaults;
        defaults.stdio = {StdioSlot::ignore(), StdioSlot::inherit(), StdioSlot::inherit()};
        return defaults;
    }();
    /// How many workers run (at least 1).
    std::size_t size = 1;
    /// Requests one worker runs at once (1: a worker is busy with one request, as a process pool).
    std::size_t max_in_flight_per_worker = 1;
    /// Sends of one request in all: a request whose worker died is sent again while it has some
    /// left, else it ends with errc::worker_exited.
    std::size_t max_attempts = 2;
    /// Requests waiting for a free worker; past this a request ends with errc::queue_full.
    std::size_t max_queued = 1024;
    /// The delay before restarting a crashed worker: restart_min after its first crash, doubling
    /// with each crash in a row (an answered request resets it) up to restart_max, +/- 10% jitter.
    std::chrono::milliseconds restart_min{100};
    /// The longest restart delay.
    std::chrono::milliseconds restart_max{10000};
    /// Crashes in a row after which a worker counts as crash-looping: while every worker is, queued
    /// and new requests end with errc::worker_exited instead of waiting.
    std::size_t crash_loop_after = 3;
    /// The deadline of a request made without one (zero: none).
    std::chrono::milliseconds request_timeout{30000};
    /// A request past its deadline is still running on its worker: it keeps its place there
    /// (max_in_flight_per_worker) until the worker's late answer, or this long. Then the worker
    /// counts as stuck: it gets no new work and is replaced once its other requests have ended.
    std::chrono::milliseconds late_answer_grace{5000};
};

/// What a WorkerPool is doing, at one moment.
struct WorkerPoolStats {
    std::size_t workers = 0;     ///< processes started or running (restarting ones not counted)
    std::size_t busy = 0;        ///< workers running at least one request
    std::size_t idle = 0;        ///< running workers with nothing to do
    std::size_t restarting = 0;  ///< crashed workers waiting for their restart delay
    std::size_t queued = 0;      ///< requests waiting for a worker
    std::size_t in_flight = 0;   ///< requests sent to a worker and not answered yet
};

/// A pool of worker processes. Each worker is started with Node's IPC channel and answers requests
/// carried as `{"type":"ipcxx.request","data":{"id","event","data","timeout"}}` messages with
/// `{"type":"ipcxx.response","data":{"id","data"}}` (or `"error":{"code","message"}`): a C++
/// worker through `ipcxx::Channel::handle`, a Node.js worker with the few lines of
/// `examples/node-worker/worker.js` (see docs/pool.md).
///
/// A request goes to the running worker with the fewest requests in flight. If its worker dies
/// first, it is sent again (max_attempts) or ends with errc::worker_exited; every request ends
/// exactly once, with the worker's answer or an error: request_timeout, request_cancelled,
/// queue_full, worker_exited, pool_shut_down, or the worker's own (remote_error, no_handler).
///
/// Events, on the I/O thread (the library's process thread, or the caller's io_context):
/// @verbatim
///   worker_spawn (worker, pid)        a worker process started
///   worker_exit  (worker, ExitStatus)  it ended (asked to, or crashed: then it is restarted)
///   error        (worker, ProcessError)  a worker failed to start, or a callback threw (worker 0)
///   stopped      ()                   shutdown is over: no worker and no request left
/// @endverbatim
/// Worker numbers are never reused: a restarted worker has a new one.
///
/// Thread safety: request, cancel, resize, shutdown, stats and the destructor are safe from any thread,
/// including from inside a callback; no call runs a callback before it returns.
class IPCXX_API WorkerPool {
public:
    /// Runs on the library's process I/O thread.
    explicit WorkerPool(WorkerPoolOptions options);
    /// Runs on the caller's io_context, which must be run.
    WorkerPool(asio::io_context& io, WorkerPoolOptions options);
    /// Kills the workers; requests not ended yet end with errc::pool_shut_down before it returns
    /// (their callbacks run on the destroying thread). No callback runs after it returns.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Handler of `worker_spawn`.
    void on_worker_spawn(std::function<void(std::uint64_t worker, pid_t pid)> handler);
    /// Handler of `worker_exit`.
    void on_worker_exit(std::function<void(std::uint64_t worker, ExitStatus status)> handler);
    /// Handler of `error`.
    void on_error(std::function<void(std::uint64_t worker, const ProcessError& error)> handler);
    /// Handler of `stopped`.
    void on_stopped(std::function<void()> handler);

    /// Starts the workers. errc::invalid_argument for an empty program, a size of 0, or a second
    /// call. Handlers are set before it.
    std::error_code start();

    /// Sends `event` with `args` (packed with msgpack-c) to a worker: `on_response` runs once, on
    /// the I/O thread, with the worker's answer (Response::answered_by: the worker's number,
    /// attempts: the sends it took) or the error. Requests made before start() wait for it.
    template <class T>
    RequestId request(std::string_view event, const T& args, std::chrono::milliseconds timeout,
                      ResponseHandler on_response) {
        return request_packed(event, detail::pack_thread_local(args), timeout, std::move(on_response));
    }
    /// The same with options().request_timeout.
    template <class T>
    RequestId request(std::string_view event, const T& args, ResponseHandler on_response) {
        return request(event, args, request_timeout(), std::move(on_response));
    }
    /// The std::future form: get() returns the answer's data or throws ipcxx::Error. Made on the
    /// pool's own I/O thread (inside a callback), where get() could only wait for ever, it fails at
    /// once with errc::would_deadlock: use the callback form there.
    template <class T>
    std::future<Payload> request(std::string_view event, const T& args, std::chrono::milliseconds timeout) {
        return request_future_packed(event, detail::pack_thread_local(args), timeout);
    }
    /// request() with the arguments already packed as one msgpack value (empty: none); a zero
    /// `timeout` means no deadline.
    RequestId request_packed(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                             ResponseHandler on_response);
    /// The std::future form of request_packed.
    std::future<Payload> request_future_packed(std::string_view event, std::string_view msgpack_args,
                                               std::chrono::milliseconds timeout);

    /// Ends request `id` at once with errc::request_cancelled (its callback runs once, on the I/O
    /// thread, after this returns): a queued request leaves the queue; one in flight is cancelled on
    /// its worker (an `ipcxx.cancel` message), whose place is free at once, and an answer that
    /// still comes is dropped. Nothing for a request that has ended or an unknown id.
    void cancel(RequestId id);
    /// Runs `size` workers from now on (at least 1, else errc::invalid_argument). Growing starts
    /// new workers; shrinking stops idle workers at once and busy ones once they have answered.
    /// errc::pool_shut_down after shutdown().
    std::error_code resize(std::size_t size);
    /// Graceful: requests already made are still answered, then the workers are stopped; new
    /// requests end with errc::pool_shut_down. Not graceful: queued and running requests end with
    /// errc::pool_shut_down at once and the workers are killed. `stopped` follows either way.
    void shutdown(bool graceful = true);

    /// The pool's workers and requests now.
    WorkerPoolStats stats() const;
    /// options().request_timeout.
    std::chrono::milliseconds request_timeout() const noexcept;

private:
    std::shared_ptr<detail::PoolImpl> impl_;
};

}  // namespace ipcxx
