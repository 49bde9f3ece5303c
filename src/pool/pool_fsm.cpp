#include "pool/pool_fsm.hpp"

#include <algorithm>

#include "ipcxx/error.hpp"
#include "runtime/backoff.hpp"

namespace ipcxx::detail {
namespace pool_fsm_steps {

void erase_id(std::vector<PoolRequestId>& ids, PoolRequestId id) {
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
}

PoolAction action(PoolAction::Kind kind, PoolWorkerId worker, PoolRequestId request = 0) {
    PoolAction a;
    a.kind = kind;
    a.worker = worker;
    a.request = request;
    return a;
}

PoolAction completion(PoolRequestId request, std::error_code error) {
    PoolAction a;
    a.kind = PoolAction::Kind::complete;
    a.request = request;
    a.error = error;
    return a;
}

}  // namespace pool_fsm_steps

using pool_fsm_steps::action;
using pool_fsm_steps::completion;
using pool_fsm_steps::erase_id;

PoolFsm::PoolFsm(PoolSettings settings, std::uint64_t jitter_seed)
    : settings_(settings), rng_(jitter_seed) {
    settings_.size = std::max<std::size_t>(settings_.size, 1);
    settings_.max_in_flight_per_worker = std::max<std::size_t>(settings_.max_in_flight_per_worker, 1);
    settings_.max_attempts = std::max<std::size_t>(settings_.max_attempts, 1);
    settings_.crash_loop_after = std::max<std::size_t>(settings_.crash_loop_after, 1);
}

PoolActions PoolFsm::start() {
    PoolActions out;
    if (started_ || shutdown_) return out;
    started_ = true;
    for (std::size_t i = 0; i < settings_.size; ++i) spawn_worker(0, out);
    return out;
}

PoolActions PoolFsm::submit(PoolRequestId id) {
    PoolActions out;
    if (requests_.count(id) != 0) return out;
    if (shutdown_) {
        out.push_back(completion(id, make_error_code(errc::pool_shut_down)));
        return out;
    }
    if (crash_loop()) {
        out.push_back(completion(id, make_error_code(errc::worker_exited)));
        return out;
    }
    requests_.emplace(id, Request{});
    queue_.push_back(id);
    dispatch(out);
    // Dispatch takes from the front: a request not sent is the last one queued.
    if (queue_.size() > settings_.max_queued) {
        queue_.pop_back();
        complete(id, make_error_code(errc::queue_full), out);
    }
    return out;
}

PoolActions PoolFsm::on_worker_started(PoolWorkerId worker) {
    PoolActions out;
    auto it = workers_.find(worker);
    if (it == workers_.end() || it->second.state != WorkerState::starting) return out;
    it->second.state = WorkerState::ready;
    settle(out);
    return out;
}

PoolActions PoolFsm::on_worker_exited(PoolWorkerId worker) {
    PoolActions out;
    auto it = workers_.find(worker);
    if (it == workers_.end() || it->second.state == WorkerState::restarting) return out;
    const Worker gone = std::move(it->second);
    workers_.erase(it);

    // Back to the front of the queue in the order they were sent, while attempts are left.
    for (auto r = gone.in_flight.rbegin(); r != gone.in_flight.rend(); ++r) {
        auto request = requests_.find(*r);
        if (request == requests_.end()) continue;
        if (request->second.attempts < settings_.max_attempts) {
            request->second.dispatched = false;
            queue_.push_front(*r);
        } else {
            complete(*r, make_error_code(errc::worker_exited), out);
        }
    }

    const bool wanted = !gone.retiring && gone.stop_reason != StopReason::retired &&
                        gone.stop_reason != StopReason::shutdown && shutdown_ != PoolShutdown::now &&
                        !(shutdown_ == PoolShutdown::graceful && !has_work());
    if (wanted && gone.stop_reason == StopReason::stuck) {
        spawn_worker(gone.failures, out);
    } else if (wanted) {
        Worker waiting;
        waiting.state = WorkerState::restarting;
        waiting.failures = gone.failures + 1;
        workers_.emplace(worker, std::move(waiting));
        PoolAction arm = action(PoolAction::Kind::arm_restart, worker);
        arm.delay = backoff_delay({settings_.restart_min, settings_.restart_max, settings_.restart_jitter},
                                  gone.failures + 1, rng_);
        out.push_back(arm);
    }
    settle(out);
    return out;
}

PoolActions PoolFsm::on_reply(PoolWorkerId worker, PoolRequestId request) {
    PoolActions out;
    auto w = workers_.find(worker);
    if (w == workers_.end()) return out;
    auto r = requests_.find(request);
    if (r != requests_.end() && r->second.dispatched && r->second.worker == worker) {
        w->second.failures = 0;
        complete(request, {}, out);
    } else {
        // A late answer to a request that timed out frees its place; anything else is ignored.
        erase_id(w->second.abandoned, request);
        if (w->second.abandoned.empty()) w->second.stuck = false;
    }
    settle(out);
    return out;
}

PoolActions PoolFsm::on_deadline(PoolRequestId request) {
    PoolActions out;
    auto r = requests_.find(request);
    if (r == requests_.end()) return out;
    if (!r->second.dispatched) {
        unqueue(request);
    } else if (auto w = workers_.find(r->second.worker); w != workers_.end()) {
        // It keeps running the request: its place stays taken until it answers, exits, or the
        // grace ends.
        erase_id(w->second.in_flight, request);
        w->second.abandoned.push_back(request);
        PoolAction arm = action(PoolAction::Kind::arm_grace, w->first, request);
        arm.delay = settings_.late_answer_grace;
        out.push_back(arm);
    }
    complete(request, make_error_code(errc::request_timeout), out);
    settle(out);
    return out;
}

PoolActions PoolFsm::cancel(PoolRequestId request) {
    PoolActions out;
    auto r = requests_.find(request);
    if (r == requests_.end()) return out;
    if (!r->second.dispatched) {
        unqueue(request);
    } else {
        out.push_back(action(PoolAction::Kind::cancel, r->second.worker, request));
    }
    complete(request, make_error_code(errc::request_cancelled), out);
    settle(out);
    return out;
}

PoolActions PoolFsm::on_grace_due(PoolWorkerId worker, PoolRequestId request) {
    PoolActions out;
    auto w = workers_.find(worker);
    if (w == workers_.end()) return out;
    const auto& abandoned = w->second.abandoned;
    if (std::find(abandoned.begin(), abandoned.end(), request) == abandoned.end()) return out;
    w->second.stuck = true;
    settle(out);
    return out;
}

PoolActions PoolFsm::on_restart_due(PoolWorkerId worker) {
    PoolActions out;
    auto it = workers_.find(worker);
    if (it == workers_.end() || it->second.state != WorkerState::restarting) return out;
    const std::size_t failures = it->second.failures;
    workers_.erase(it);
    spawn_worker(failures, out);
    settle(out);
    return out;
}

PoolActions PoolFsm::resize(std::size_t size) {
    PoolActions out;
    if (shutdown_ || size == 0) return out;
    settings_.size = size;
    if (!started_) return out;
    std::size_t active = active_workers();
    // Workers retired but still busy come back before new ones are started.
    for (auto& [id, worker] : workers_) {
        if (active >= size) break;
        if (worker.retiring && worker.stop_reason == StopReason::none) {
            worker.retiring = false;
            ++active;
        }
    }
    for (; active < size; ++active) spawn_worker(0, out);
    if (active > size) retire(active - size, out);
    settle(out);
    return out;
}

PoolActions PoolFsm::shutdown(PoolShutdown mode) {
    PoolActions out;
    if (shutdown_ == PoolShutdown::now || shutdown_ == mode) return out;
    shutdown_ = mode;
    if (mode == PoolShutdown::now) {
        while (!queue_.empty()) {
            const PoolRequestId id = queue_.front();
            queue_.pop_front();
            complete(id, make_error_code(errc::pool_shut_down), out);
        }
        while (!requests_.empty()) complete(requests_.begin()->first, make_error_code(errc::pool_shut_down), out);
        for (auto it = workers_.begin(); it != workers_.end();) {
            if (it->second.state == WorkerState::restarting) {
                it = workers_.erase(it);
                continue;
            }
            it->second.abandoned.clear();
            stop_worker(it->first, it->second, StopReason::shutdown, true, out);
            ++it;
        }
    }
    settle(out);
    return out;
}

PoolCounts PoolFsm::counts() const {
    PoolCounts c;
    for (const auto& [id, worker] : workers_) {
        if (worker.state == WorkerState::restarting) {
            ++c.restarting;
            continue;
        }
        ++c.workers;
        if (worker.state == WorkerState::ready) {
            if (worker.in_flight.empty() && worker.abandoned.empty()) {
                ++c.idle;
            } else {
                ++c.busy;
            }
        }
    }
    c.queued = queue_.size();
    c.in_flight = requests_.size() - queue_.size();
    return c;
}

std::size_t PoolFsm::failures(PoolWorkerId worker) const {
    auto it = workers_.find(worker);
    return it == workers_.end() ? 0 : it->second.failures;
}

void PoolFsm::spawn_worker(std::size_t failures, PoolActions& out) {
    const PoolWorkerId id = next_worker_++;
    Worker worker;
    worker.failures = failures;
    workers_.emplace(id, std::move(worker));
    out.push_back(action(PoolAction::Kind::spawn, id));
}

void PoolFsm::settle(PoolActions& out) {
    dispatch(out);
    if (crash_loop()) {
        while (!queue_.empty()) {
            const PoolRequestId id = queue_.front();
            queue_.pop_front();
            complete(id, make_error_code(errc::worker_exited), out);
        }
    }
    stop_unneeded_workers(out);
    if (shutdown_ && !stopped_sent_ && requests_.empty() && workers_.empty()) {
        stopped_sent_ = true;
        out.push_back(action(PoolAction::Kind::stopped, 0));
    }
}

void PoolFsm::dispatch(PoolActions& out) {
    while (!queue_.empty()) {
        auto worker = least_busy();
        if (worker == workers_.end()) return;
        const PoolRequestId id = queue_.front();
        queue_.pop_front();
        Request& request = requests_.at(id);
        request.dispatched = true;
        request.worker = worker->first;
        ++request.attempts;
        worker->second.in_flight.push_back(id);
        worker->second.last_used = ++clock_;
        PoolAction send = action(PoolAction::Kind::send, worker->first, id);
        send.attempt = request.attempts;
        out.push_back(send);
    }
}

PoolFsm::WorkerMap::iterator PoolFsm::least_busy() {
    auto best = workers_.end();
    std::size_t best_load = 0;
    for (auto it = workers_.begin(); it != workers_.end(); ++it) {
        const Worker& worker = it->second;
        if (worker.state != WorkerState::ready || worker.retiring || worker.stuck) continue;
        const std::size_t load = worker.in_flight.size() + worker.abandoned.size();
        if (load >= settings_.max_in_flight_per_worker) continue;
        if (best == workers_.end() || load < best_load ||
            (load == best_load && worker.last_used < best->second.last_used)) {
            best = it;
            best_load = load;
        }
    }
    return best;
}

void PoolFsm::complete(PoolRequestId id, std::error_code error, PoolActions& out) {
    auto r = requests_.find(id);
    if (r == requests_.end()) return;
    if (r->second.dispatched) {
        if (auto w = workers_.find(r->second.worker); w != workers_.end()) erase_id(w->second.in_flight, id);
    }
    requests_.erase(r);
    out.push_back(completion(id, error));
}

void PoolFsm::unqueue(PoolRequestId id) { queue_.erase(std::remove(queue_.begin(), queue_.end(), id), queue_.end()); }

void PoolFsm::stop_worker(PoolWorkerId id, Worker& worker, StopReason reason, bool kill, PoolActions& out) {
    if (worker.kill_sent || (worker.state == WorkerState::stopping && !kill)) return;
    worker.state = WorkerState::stopping;
    worker.stop_reason = reason;
    worker.kill_sent = kill;
    out.push_back(action(kill ? PoolAction::Kind::kill : PoolAction::Kind::stop, id));
}

void PoolFsm::stop_unneeded_workers(PoolActions& out) {
    const bool drained = shutdown_ == PoolShutdown::graceful && !has_work();
    for (auto it = workers_.begin(); it != workers_.end();) {
        Worker& worker = it->second;
        if (worker.state == WorkerState::restarting) {
            it = drained ? workers_.erase(it) : std::next(it);
            continue;
        }
        const bool idle = worker.in_flight.empty() && worker.abandoned.empty();
        if (worker.state == WorkerState::ready && worker.in_flight.empty() && !worker.abandoned.empty()) {
            stop_worker(it->first, worker, StopReason::stuck, true, out);
        } else if (worker.state == WorkerState::ready && idle && worker.retiring) {
            stop_worker(it->first, worker, StopReason::retired, false, out);
        } else if (worker.state != WorkerState::stopping && idle && drained) {
            stop_worker(it->first, worker, StopReason::shutdown, false, out);
        }
        ++it;
    }
}

bool PoolFsm::crash_loop() const {
    bool restarting = false;
    for (const auto& [id, worker] : workers_) {
        if (worker.state == WorkerState::restarting) {
            if (worker.failures < settings_.crash_loop_after) return false;
            restarting = true;
        } else if (!worker.retiring &&
                   (worker.stop_reason == StopReason::none || worker.stop_reason == StopReason::stuck)) {
            return false;  // up, coming up, or coming back at once
        }
    }
    return restarting;
}

void PoolFsm::retire(std::size_t count, PoolActions& out) {
    // The cheapest first: waiting for a restart, then not started yet, then the least busy.
    auto rank = [](const Worker& worker) -> std::size_t {
        if (worker.state == WorkerState::restarting) return 0;
        if (worker.state == WorkerState::starting) return 1;
        return 2 + worker.in_flight.size() + worker.abandoned.size();
    };
    std::vector<std::pair<std::size_t, PoolWorkerId>> candidates;
    for (const auto& [id, worker] : workers_) {
        if (!worker.retiring && worker.stop_reason == StopReason::none) candidates.emplace_back(rank(worker), id);
    }
    std::sort(candidates.begin(), candidates.end());
    for (std::size_t i = 0; i < count && i < candidates.size(); ++i) {
        auto it = workers_.find(candidates[i].second);
        Worker& worker = it->second;
        if (worker.state == WorkerState::restarting) {
            workers_.erase(it);
        } else if (worker.state == WorkerState::starting) {
            stop_worker(it->first, worker, StopReason::retired, false, out);
        } else {
            worker.retiring = true;  // stopped by stop_unneeded_workers once idle
        }
    }
}

std::size_t PoolFsm::active_workers() const {
    return static_cast<std::size_t>(std::count_if(workers_.begin(), workers_.end(), [](const auto& entry) {
        return !entry.second.retiring && entry.second.stop_reason == StopReason::none;
    }));
}

}  // namespace ipcxx::detail
