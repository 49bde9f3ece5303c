#include "pool/pool_impl.hpp"

#include <exception>
#include <future>
#include <string>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace pool_impl_parts {

PoolSettings settings_of(const WorkerPoolOptions& options) {
    PoolSettings s;
    s.size = options.size;
    s.max_in_flight_per_worker = options.max_in_flight_per_worker;
    s.max_attempts = options.max_attempts;
    s.max_queued = options.max_queued;
    s.restart_min = options.restart_min;
    s.restart_max = options.restart_max;
    s.crash_loop_after = options.crash_loop_after;
    s.late_answer_grace = options.late_answer_grace;
    return s;
}

std::string message_of(std::error_code error, std::string_view event) {
    return error.message() + " (request '" + std::string(event) + "')";
}

}  // namespace pool_impl_parts

PoolImpl::PoolImpl(asio::io_context& io, std::shared_ptr<void> keepalive, WorkerPoolOptions options,
                   WorkerLinkFactory make_link)
    : keepalive_(std::move(keepalive)),
      io_(io),
      strand_(asio::make_strand(io)),
      options_(std::move(options)),
      make_link_(std::move(make_link)),
      fsm_(pool_impl_parts::settings_of(options_), reinterpret_cast<std::uintptr_t>(this)) {}

std::error_code PoolImpl::start() {
    if (options_.program.empty() || options_.size == 0 || started_.exchange(true)) {
        return make_error_code(errc::invalid_argument);
    }
    post_step([](PoolFsm& fsm) { return fsm.start(); });
    return {};
}

RequestId PoolImpl::request(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                            ResponseHandler on_response) {
    const RequestId id = ++next_id_;
    OpenRequest open;
    open.event = std::string(event);
    open.args = std::string(msgpack_args);
    open.on_response = std::move(on_response);
    if (timeout.count() > 0) open.deadline = std::chrono::steady_clock::now() + timeout;
    {
        // Registered at once, so that the destructor ends it even before the strand has seen it.
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_) return id;
        requests_.emplace(id, std::move(open));
    }
    post_step([this, id](PoolFsm& fsm) {
        auto open = requests_.find(id);
        if (open == requests_.end()) return PoolActions{};
        if (open->second.deadline) {
            open->second.timer = std::make_shared<asio::steady_timer>(io_);
            arm_timer(open->second.timer, *open->second.deadline - std::chrono::steady_clock::now(),
                      [id](PoolFsm& machine) { return machine.on_deadline(id); });
        }
        return fsm.submit(id);
    });
    return id;
}

void PoolImpl::cancel(RequestId id) {
    post_step([id](PoolFsm& fsm) { return fsm.cancel(id); });
}

std::error_code PoolImpl::resize(std::size_t size) {
    if (size == 0) return make_error_code(errc::invalid_argument);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_ || fsm_.shut_down()) return make_error_code(errc::pool_shut_down);
    }
    post_step([size](PoolFsm& fsm) { return fsm.resize(size); });
    return {};
}

void PoolImpl::shutdown(bool graceful) {
    const PoolShutdown mode = graceful ? PoolShutdown::graceful : PoolShutdown::now;
    post_step([mode](PoolFsm& fsm) { return fsm.shutdown(mode); });
}

WorkerPoolStats PoolImpl::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    const PoolCounts c = fsm_.counts();
    WorkerPoolStats s;
    s.workers = c.workers;
    s.busy = c.busy;
    s.idle = c.idle;
    s.restarting = c.restarting;
    s.queued = c.queued;
    s.in_flight = c.in_flight;
    return s;
}

void PoolImpl::destroy() {
    std::map<PoolWorkerId, std::unique_ptr<WorkerLink>> links;
    {
        std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
        std::map<RequestId, OpenRequest> open;
        std::map<RequestId, Ending> ending;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (closed_) return;
            closed_ = true;
            open.swap(requests_);
            ending.swap(ending_);
            links.swap(links_);
            for (auto& [id, timer] : restart_timers_) timer->cancel();
            for (auto& [id, timer] : grace_timers_) timer->cancel();
            for (auto& [id, request] : open) {
                if (request.timer) request.timer->cancel();
            }
        }
        for (auto& [id, link] : links) link->kill();
        for (auto& [id, request] : open) {
            Ending end{std::move(request.on_response), {}};
            end.response.error = make_error_code(errc::pool_shut_down);
            end.response.message = pool_impl_parts::message_of(end.response.error, request.event);
            ending.emplace(id, std::move(end));
        }
        for (auto& [id, end] : ending) {
            try {
                if (end.on_response) end.on_response(end.response);
            } catch (...) {
                // The pool is going away: there is nobody left to report it to.
            }
        }
        callbacks_closed_ = true;
    }
    // On the library's own I/O thread the workers' channels are closed by the thread that writes
    // them, never while a write of theirs is running on it. Waiting for it is safe: the callback lock
    // is released, so a step of ours blocked on it goes on and finds the pool closed.
    if (keepalive_ && !links.empty() && !io_.get_executor().running_in_this_thread()) {
        std::promise<void> released;
        std::future<void> done = released.get_future();
        asio::post(io_, [&links, &released] {
            links.clear();
            released.set_value();
        });
        done.wait();
    }
}

void PoolImpl::post_step(std::function<PoolActions(PoolFsm&)> event, std::optional<Response> reply) {
    asio::post(strand_, [self = shared_from_this(), event = std::move(event), reply = std::move(reply)] {
        self->step(event, reply);
    });
}

void PoolImpl::step(const std::function<PoolActions(PoolFsm&)>& event, const std::optional<Response>& reply) {
    Callbacks callbacks;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_) return;
        perform(event(fsm_), reply, callbacks);
    }
    for (const auto& call : callbacks) run_callback(call);
}

void PoolImpl::perform(const PoolActions& actions, const std::optional<Response>& reply, Callbacks& callbacks) {
    for (const PoolAction& a : actions) {
        switch (a.kind) {
        case PoolAction::Kind::spawn:
            spawn(a.worker);
            break;
        case PoolAction::Kind::send: {
            auto open = requests_.find(a.request);
            auto link = links_.find(a.worker);
            if (open == requests_.end() || link == links_.end()) break;
            open->second.worker = a.worker;
            open->second.attempts = a.attempt;
            std::chrono::milliseconds time_left{0};
            if (open->second.deadline) {
                time_left = std::max(std::chrono::milliseconds(1),
                                     std::chrono::duration_cast<std::chrono::milliseconds>(
                                         *open->second.deadline - std::chrono::steady_clock::now()));
            }
            link->second->send(a.request, open->second.event, open->second.args, time_left);
            break;
        }
        case PoolAction::Kind::arm_restart: {
            auto timer = std::make_shared<asio::steady_timer>(io_);
            restart_timers_[a.worker] = timer;
            const PoolWorkerId worker = a.worker;
            arm_timer(timer, a.delay, [this, worker](PoolFsm& fsm) {
                restart_timers_.erase(worker);
                return fsm.on_restart_due(worker);
            });
            break;
        }
        case PoolAction::Kind::arm_grace: {
            auto timer = std::make_shared<asio::steady_timer>(io_);
            grace_timers_[a.request] = timer;
            const PoolWorkerId worker = a.worker;
            const PoolRequestId request = a.request;
            arm_timer(timer, a.delay, [this, worker, request](PoolFsm& fsm) {
                grace_timers_.erase(request);
                return fsm.on_grace_due(worker, request);
            });
            break;
        }
        case PoolAction::Kind::cancel:
            if (auto link = links_.find(a.worker); link != links_.end()) link->second->cancel(a.request);
            break;
        case PoolAction::Kind::complete: {
            auto open = requests_.find(a.request);
            if (open == requests_.end()) break;
            OpenRequest request = std::move(open->second);
            requests_.erase(open);
            if (request.timer) request.timer->cancel();
            Response response;
            if (a.error) {
                response.error = a.error;
                response.message = pool_impl_parts::message_of(a.error, request.event);
            } else if (reply) {
                response = *reply;
            }
            if (request.worker != 0) response.answered_by = std::to_string(request.worker);
            response.attempts = static_cast<unsigned>(request.attempts);
            // Kept until delivered, so that destroy() delivers it if it comes first.
            ending_.emplace(a.request, Ending{std::move(request.on_response), std::move(response)});
            callbacks.push_back([this, id = a.request] { deliver(id); });
            break;
        }
        case PoolAction::Kind::stop:
        case PoolAction::Kind::kill: {
            auto link = links_.find(a.worker);
            if (link == links_.end()) break;
            if (a.kind == PoolAction::Kind::stop) {
                link->second->stop();
            } else {
                link->second->kill();
            }
            break;
        }
        case PoolAction::Kind::stopped:
            callbacks.push_back([this] {
                if (handlers_.stopped) handlers_.stopped();
            });
            break;
        }
    }
}

void PoolImpl::spawn(PoolWorkerId worker) {
    std::unique_ptr<WorkerLink> link = make_link_();
    WorkerLink& started = *link;
    links_[worker] = std::move(link);
    std::weak_ptr<PoolImpl> weak = weak_from_this();
    auto on_strand = [weak, this](std::function<void(PoolImpl&)> call) {
        if (auto self = weak.lock()) {
            asio::post(strand_, [self, call = std::move(call)] { call(*self); });
        }
    };
    WorkerLinkEvents events;
    events.spawned = [on_strand, worker](pid_t pid) {
        on_strand([worker, pid](PoolImpl& pool) {
            pool.run_callback([&pool, worker, pid] {
                if (pool.handlers_.worker_spawn) pool.handlers_.worker_spawn(worker, pid);
            });
            pool.step([worker](PoolFsm& fsm) { return fsm.on_worker_started(worker); }, std::nullopt);
        });
    };
    events.answered = [on_strand, worker](PoolRequestId request, const Response& response) {
        on_strand([worker, request, response](PoolImpl& pool) {
            pool.step([worker, request](PoolFsm& fsm) { return fsm.on_reply(worker, request); }, response);
        });
    };
    events.error = [on_strand, worker](const ProcessError& error) {
        on_strand([worker, error](PoolImpl& pool) {
            pool.run_callback([&pool, worker, &error] {
                if (pool.handlers_.error) pool.handlers_.error(worker, error);
            });
        });
    };
    events.exited = [on_strand, worker](ExitStatus status) {
        on_strand([worker, status](PoolImpl& pool) { pool.on_worker_exited(worker, status); });
    };
    started.start(std::move(events));
}

void PoolImpl::on_worker_exited(PoolWorkerId worker, ExitStatus status) {
    std::unique_ptr<WorkerLink> link;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_) return;
        auto it = links_.find(worker);
        if (it == links_.end()) return;
        link = std::move(it->second);
        links_.erase(it);
    }
    link.reset();
    run_callback([this, worker, status] {
        if (handlers_.worker_exit) handlers_.worker_exit(worker, status);
    });
    step([worker](PoolFsm& fsm) { return fsm.on_worker_exited(worker); }, std::nullopt);
}

void PoolImpl::arm_timer(std::shared_ptr<asio::steady_timer> timer, std::chrono::steady_clock::duration delay,
                         std::function<PoolActions(PoolFsm&)> event) {
    timer->expires_after(delay);
    std::weak_ptr<PoolImpl> weak = weak_from_this();
    timer->async_wait(asio::bind_executor(strand_, [weak, timer, event = std::move(event)](std::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->step(event, std::nullopt);
    }));
}

void PoolImpl::deliver(RequestId id) {
    Ending ending;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = ending_.find(id);
        if (it == ending_.end()) return;
        ending = std::move(it->second);
        ending_.erase(it);
    }
    if (ending.on_response) ending.on_response(ending.response);
}

void PoolImpl::run_callback(const std::function<void()>& call) {
    std::lock_guard<std::recursive_mutex> lock(callback_mutex_);
    if (callbacks_closed_) return;
    std::string what = "unknown exception";
    try {
        call();
        return;
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
    }
    if (!handlers_.error) return;
    try {
        handlers_.error(0, ProcessError{make_error_code(errc::handler_exception), {}, what});
    } catch (...) {
        // An error handler that throws has nobody left to tell.
    }
}

}  // namespace ipcxx::detail
