// A pool of worker processes as a socket-free state machine: which worker runs which request,
// when a worker is started, restarted, stopped or killed, and how every request ends. The caller
// tells it what happened and performs the actions it answers (WorkerPool does, with child
// processes and their channels; the unit tests do, by hand).
//
// Rules:
// - a request goes to the ready worker with the fewest requests in flight (among equals the one
//   used longest ago), never past max_in_flight_per_worker; else it waits in a queue bounded by
//   max_queued (queue_full past it);
// - a worker that exits unasked is restarted after a backoff that grows with its consecutive
//   failures (an answered request resets it); its requests in flight go back to the front of the
//   queue while they have attempts left (max_attempts sends in all), else end with worker_exited;
// - a crash loop (no worker up, every worker failed crash_loop_after times in a row) fails the queued
//   requests with worker_exited rather than holding them until a restart that may never work;
// - a request past its deadline ends with request_timeout; the worker keeps running it, so its place
//   on that worker stays taken until the worker's late answer, or for late_answer_grace: after that
//   the worker is taken as stuck and gets no new work. A worker whose every request in flight has
//   timed out (or that is stuck, once its other requests have ended) is killed, then restarted at
//   once;
// - a cancelled request leaves the queue, or, in flight, ends at once and its worker is told to
//   stop it (the worker drops it, so its place is free at once); both end with request_cancelled;
// - resize(n) starts workers or retires some: a retired worker takes no new work and is stopped
//   once idle;
// - shutdown(graceful) lets every accepted request finish, then stops the workers;
//   shutdown(now) ends queued and in-flight requests with pool_shut_down and kills the workers.
//   `stopped` is the last action, once no worker and no request is left.
// Every request ends exactly once (one `complete` action); events about requests or workers the
// machine no longer knows are ignored.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <system_error>
#include <vector>

namespace ipcxx::detail {

using PoolRequestId = std::uint64_t;
using PoolWorkerId = std::uint64_t;  // one per process started: a restart gets a new one

struct PoolSettings {
    std::size_t size = 1;
    std::size_t max_in_flight_per_worker = 1;
    std::size_t max_attempts = 2;  // sends of one request, re-dispatches after a crash included
    std::size_t max_queued = 1024;
    std::chrono::milliseconds restart_min{100};
    std::chrono::milliseconds restart_max{10000};
    double restart_jitter = 0.1;
    // Consecutive failures after which a worker counts as crash-looping.
    std::size_t crash_loop_after = 3;
    // How long a timed-out request may hold its place on a worker waiting for the late answer.
    std::chrono::milliseconds late_answer_grace{5000};
};

enum class PoolShutdown { graceful, now };

struct PoolAction {
    enum class Kind {
        spawn,        // start a worker process for `worker`
        send,         // send `request` to `worker` (its `attempt`-th send, from 1)
        arm_restart,  // call on_restart_due(worker) after `delay`
        complete,     // end `request`: with `error`, or (no error) with the reply just received
        stop,         // ask `worker` to end (close its channel, SIGTERM)
        kill,         // end `worker` now (SIGKILL)
        stopped,      // shutdown finished: no worker and no request left
        cancel,       // tell `worker` to stop running `request` (its answer is no longer wanted)
        arm_grace,    // call on_grace_due(worker, request) after `delay`
    };
    Kind kind = Kind::spawn;
    PoolWorkerId worker = 0;
    PoolRequestId request = 0;
    std::size_t attempt = 0;
    std::chrono::milliseconds delay{0};
    std::error_code error;
};
using PoolActions = std::vector<PoolAction>;

struct PoolCounts {
    std::size_t workers = 0;     // started or running (not waiting for a restart)
    std::size_t busy = 0;        // ready with a request in flight
    std::size_t idle = 0;        // ready with none
    std::size_t restarting = 0;  // waiting for their restart delay
    std::size_t queued = 0;
    std::size_t in_flight = 0;
};

class PoolFsm {
public:
    explicit PoolFsm(PoolSettings settings, std::uint64_t jitter_seed = 0);

    // Spawns the first `size` workers.
    PoolActions start();
    // A new request `id` (ids are the caller's, unique).
    PoolActions submit(PoolRequestId id);
    // The worker's process started (its channel is open).
    PoolActions on_worker_started(PoolWorkerId worker);
    // The worker's process ended (or never started).
    PoolActions on_worker_exited(PoolWorkerId worker);
    // The worker answered `request`.
    PoolActions on_reply(PoolWorkerId worker, PoolRequestId request);
    // The request's deadline passed.
    PoolActions on_deadline(PoolRequestId request);
    // A restart delay armed by arm_restart elapsed.
    PoolActions on_restart_due(PoolWorkerId worker);
    // The caller gave up on the request.
    PoolActions cancel(PoolRequestId request);
    // The grace armed by arm_grace for a timed-out request passed.
    PoolActions on_grace_due(PoolWorkerId worker, PoolRequestId request);
    // The number of workers wanted from now on (at least 1; ignored after shutdown).
    PoolActions resize(std::size_t size);
    PoolActions shutdown(PoolShutdown mode);

    PoolCounts counts() const;
    bool shut_down() const noexcept { return shutdown_.has_value(); }
    std::size_t size() const noexcept { return settings_.size; }
    // The consecutive failures behind a restarting worker's backoff (tests).
    std::size_t failures(PoolWorkerId worker) const;

private:
    enum class WorkerState { starting, ready, stopping, restarting };
    enum class StopReason { none, retired, stuck, shutdown };

    struct Worker {
        WorkerState state = WorkerState::starting;
        std::vector<PoolRequestId> in_flight;
        std::vector<PoolRequestId> abandoned;  // requests that timed out while it ran them
        std::uint64_t last_used = 0;
        std::size_t failures = 0;
        bool retiring = false;  // resized away: takes no new work, stopped once idle
        StopReason stop_reason = StopReason::none;
        bool kill_sent = false;
        bool stuck = false;  // a timed-out request outlived its grace: no new work
    };
    struct Request {
        bool dispatched = false;
        PoolWorkerId worker = 0;
        std::size_t attempts = 0;
    };

    using WorkerMap = std::map<PoolWorkerId, Worker>;

    void spawn_worker(std::size_t failures, PoolActions& out);
    // What every event ends with: hand queued requests out, fail them in a crash loop, stop the
    // workers no longer needed, say `stopped` when a shutdown is over.
    void settle(PoolActions& out);
    void dispatch(PoolActions& out);
    WorkerMap::iterator least_busy();
    void complete(PoolRequestId id, std::error_code error, PoolActions& out);
    void unqueue(PoolRequestId id);
    void stop_worker(PoolWorkerId id, Worker& worker, StopReason reason, bool kill, PoolActions& out);
    void stop_unneeded_workers(PoolActions& out);
    bool crash_loop() const;
    void retire(std::size_t count, PoolActions& out);
    std::size_t active_workers() const;
    bool has_work() const noexcept { return !requests_.empty(); }

    PoolSettings settings_;
    WorkerMap workers_;
    std::map<PoolRequestId, Request> requests_;
    std::deque<PoolRequestId> queue_;
    PoolWorkerId next_worker_ = 1;
    std::uint64_t clock_ = 0;  // orders the workers' last use
    std::uint64_t rng_;
    bool started_ = false;
    std::optional<PoolShutdown> shutdown_;
    bool stopped_sent_ = false;
};

}  // namespace ipcxx::detail
