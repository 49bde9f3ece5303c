// One worker process as the pool sees it: started, sent requests, stopped or killed, and what it
// says back. The pool's logic (PoolImpl) is written against this seam alone, so that it is tested
// with fake workers; the real one is a child process with Node's IPC channel (child_worker_link).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include <sys/types.h>

#include "ipcxx/child_process.hpp"
#include "ipcxx/request.hpp"
#include "pool/pool_fsm.hpp"

namespace ipcxx::detail {

// What a worker reports; called on any thread, in this order: spawned (or an error), answers,
// exited last and once (also after a failed start).
struct WorkerLinkEvents {
    std::function<void(pid_t)> spawned;
    // The worker's answer to a request: its value, or the error its handler answered with.
    std::function<void(PoolRequestId, const Response&)> answered;
    std::function<void(const ProcessError&)> error;
    std::function<void(ExitStatus)> exited;
};

class WorkerLink {
public:
    virtual ~WorkerLink() = default;
    // Starts the worker. A failure is reported as `error`, then `exited`.
    virtual void start(WorkerLinkEvents events) = 0;
    // Sends request `id` (`msgpack_args`: one packed value, or empty). The worker is told it has
    // `time_left` (zero: no deadline). A worker that cannot take it is killed: its exit hands the
    // request back to the pool.
    virtual void send(PoolRequestId id, std::string_view event, std::string_view msgpack_args,
                      std::chrono::milliseconds time_left) = 0;
    // Tells the worker to stop running request `id`; an answer that still comes is not reported.
    virtual void cancel(PoolRequestId id) = 0;
    // Asks the worker to end (its channel closed, then SIGTERM).
    virtual void stop() = 0;
    // Ends it now (SIGKILL).
    virtual void kill() = 0;
};

using WorkerLinkFactory = std::function<std::unique_ptr<WorkerLink>()>;

}  // namespace ipcxx::detail
