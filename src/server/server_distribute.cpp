// Server::distribute: one request, sent to the least busy client that handles its event, sent
// again to another one when a connection drops before the answer, answered once.
#include <algorithm>

#include <asio/post.hpp>

#include "ipcxx/error.hpp"
#include "server/server_impl.hpp"

namespace ipcxx::detail {
namespace {

bool connection_failed(const Response& response) {
    return response.error == errc::connection_lost || response.error == errc::not_connected;
}

}  // namespace

RequestId ServerImpl::distribute(std::string_view event, std::string_view msgpack_args,
                                 std::chrono::milliseconds timeout, ResponseHandler on_response, unsigned attempts) {
    auto job = std::make_shared<DistributedJob>();
    job->event = std::string(event);
    job->args = std::string(msgpack_args);
    job->deadline = std::chrono::steady_clock::now() + timeout;
    job->max_attempts = std::max(attempts, 1u);
    const RequestId id = pending_->next_id();
    std::weak_ptr<ServerImpl> weak = weak_from_this();
    // Runs once, on the strand: the job's answer, or its deadline, or its cancellation.
    auto finish = [weak, id, job, on_response = std::move(on_response)](const Response& response) {
        Response out = response;
        auto self = weak.lock();
        RequestId attempt = 0;
        if (self) {
            std::lock_guard<std::mutex> lock(self->jobs_mutex_);
            self->jobs_.erase(id);
            auto& parked = self->parked_;
            parked.erase(std::remove(parked.begin(), parked.end(), id), parked.end());
            attempt = job->attempt;
            out.answered_by = job->answered_by;
            out.attempts = job->attempts;
        }
        if (out.attempts == 0 && out.error == errc::request_timeout) {
            out.error = make_error_code(errc::no_worker);
            out.message = "no client handling '" + job->event + "' was connected before the deadline";
        }
        // The worker of an abandoned job is told to stop.
        if (self && attempt != 0 && out.error) self->pending_->cancel_later(attempt);
        if (on_response) on_response(out);
    };
    {
        std::lock_guard<std::mutex> lock(jobs_mutex_);
        jobs_.emplace(id, job);
    }
    pending_->add(id, 0, std::move(finish), timeout);
    asio::post(strand_, [self = shared_from_this(), id] { self->dispatch_job(id); });
    return id;
}

void ServerImpl::dispatch_job(RequestId id) {
    std::shared_ptr<DistributedJob> job;
    std::shared_ptr<ServerConnection> conn;
    std::uint64_t serial = 0;
    {
        std::lock_guard<std::mutex> lock(jobs_mutex_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return;  // answered, timed out or cancelled meanwhile
        job = it->second;
        const auto picked = pick_worker(workers_, job->event, job->failed);
        if (!picked) {
            if (std::find(parked_.begin(), parked_.end(), id) == parked_.end()) parked_.push_back(id);
            return;
        }
        serial = *picked;
        auto worker = std::find_if(workers_.begin(), workers_.end(), [&](const Worker& w) { return w.serial == serial; });
        ++worker->in_flight;
        worker->last_given = ++given_;
        ++job->attempts;
        conn = find_connection(serial);
        job->answered_by = conn ? conn->peer_id() : std::string();
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(job->deadline - std::chrono::steady_clock::now());
    std::weak_ptr<ServerImpl> weak = weak_from_this();
    const RequestId attempt =
        request(conn ? conn->handle() : Socket(), job->event, job->args, std::max(left, std::chrono::milliseconds(1)),
                [weak, id, serial](const Response& response) {
                    if (auto self = weak.lock()) self->on_attempt_done(id, serial, response);
                });
    std::lock_guard<std::mutex> lock(jobs_mutex_);
    job->attempt = attempt;
}

void ServerImpl::on_attempt_done(RequestId id, std::uint64_t serial, const Response& response) {
    bool again = false;
    {
        std::lock_guard<std::mutex> lock(jobs_mutex_);
        for (Worker& worker : workers_) {
            if (worker.serial == serial && worker.in_flight > 0) --worker.in_flight;
        }
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return;
        DistributedJob& job = *it->second;
        job.attempt = 0;
        if (connection_failed(response) && job.attempts < job.max_attempts) {
            job.failed.push_back(serial);
            again = true;
        }
    }
    if (again) return dispatch_job(id);
    pending_->complete(id, response);
}

void ServerImpl::add_worker(ServerConnection& conn, std::vector<std::string> handles) {
    if (handles.empty()) return;
    {
        std::lock_guard<std::mutex> lock(jobs_mutex_);
        Worker worker;
        worker.serial = conn.serial();
        worker.handles = std::move(handles);
        workers_.push_back(std::move(worker));
    }
    asio::post(strand_, [self = shared_from_this()] {
        std::vector<RequestId> parked;
        {
            std::lock_guard<std::mutex> lock(self->jobs_mutex_);
            parked.swap(self->parked_);
        }
        for (RequestId id : parked) self->dispatch_job(id);
    });
}

void ServerImpl::remove_worker(std::uint64_t serial) {
    std::lock_guard<std::mutex> lock(jobs_mutex_);
    workers_.erase(std::remove_if(workers_.begin(), workers_.end(), [&](const Worker& w) { return w.serial == serial; }),
                   workers_.end());
}

}  // namespace ipcxx::detail
