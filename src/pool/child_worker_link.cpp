#include "pool/child_worker_link.hpp"

#include <csignal>
#include <map>
#include <mutex>

#include "ipcxx/channel.hpp"
#include "ipcxx/child_process.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace child_worker_link_parts {

// A request the pool gave no deadline still needs one on the channel; the worker is told this.
constexpr std::chrono::milliseconds no_deadline = std::chrono::hours(24 * 30);

// Channel outcomes that are not the worker's answer: the link is gone (the exit that follows hands
// the request back to the pool), or the pool's own deadline decides.
bool not_an_answer(std::error_code error) {
    return error == errc::connection_lost || error == errc::not_connected || error == errc::request_timeout ||
           error == errc::request_cancelled;
}

class ChildWorkerLink : public WorkerLink {
public:
    ChildWorkerLink(asio::io_context* io, const WorkerPoolOptions& options)
        : child_(io ? std::make_unique<ChildProcess>(*io) : std::make_unique<ChildProcess>()),
          program_(options.program),
          args_(options.args),
          spawn_(options.spawn) {
        spawn_.stdio.push_back(StdioSlot::ipc());
        spawn_.on_destroy = OnDestroy::kill;
    }

    void start(WorkerLinkEvents events) override {
        events_ = std::move(events);
        ChildProcess* child = child_.get();
        const WorkerLinkEvents& e = events_;
        child->on_spawn([child, &e] { e.spawned(child->pid()); });
        child->on_error([&e](const ProcessError& error) { e.error(error); });
        child->on_close([&e](ExitStatus status) { e.exited(status); });
        child->channel().on("error", [&e](const ErrorEvent& error) {
            e.error(ProcessError{error.code, {}, "channel: " + error.message});
        });
        const std::error_code ec = child->spawn(program_, args_, spawn_);
        if (ec) {
            // Refused before any process: no event of the child's follows.
            e.error(ProcessError{ec, {}, "spawn " + program_ + ": " + ec.message()});
            e.exited(ExitStatus{});
        }
    }

    void send(PoolRequestId id, std::string_view event, std::string_view msgpack_args,
              std::chrono::milliseconds time_left) override {
        const WorkerLinkEvents& e = events_;
        ChildProcess* child = child_.get();
        // Under the lock, so that the callback (on the channel's strand) finds the id to forget.
        std::lock_guard<std::mutex> lock(channel_ids_mutex_);
        channel_ids_[id] = child->channel().request_packed(
            event, msgpack_args, time_left.count() > 0 ? time_left : no_deadline,
            [this, &e, child, id](const Response& response) {
                {
                    std::lock_guard<std::mutex> ended(channel_ids_mutex_);
                    channel_ids_.erase(id);
                }
                if (response.error == errc::queue_full) {
                    child->kill(SIGKILL);  // cannot take work: replaced
                } else if (!not_an_answer(response.error)) {
                    e.answered(id, response);
                }
            });
    }

    void cancel(PoolRequestId id) override {
        RequestId channel_id = 0;
        {
            std::lock_guard<std::mutex> lock(channel_ids_mutex_);
            auto it = channel_ids_.find(id);
            if (it == channel_ids_.end()) return;
            channel_id = it->second;
        }
        // The channel sends ipcxx.cancel and ends its request with request_cancelled: not an answer.
        child_->channel().cancel(channel_id);
    }

    void stop() override {
        child_->channel().disconnect();
        child_->kill(SIGTERM);
    }

    void kill() override { child_->kill(SIGKILL); }

private:
    // The child's handlers refer to events_: declared before child_, it outlives them (no handler
    // of the child runs after its destructor).
    WorkerLinkEvents events_;
    // The channel's request id of each request sent and not ended: what cancel() needs.
    std::mutex channel_ids_mutex_;
    std::map<PoolRequestId, RequestId> channel_ids_;
    std::unique_ptr<ChildProcess> child_;
    std::string program_;
    std::vector<std::string> args_;
    SpawnOptions spawn_;
};

}  // namespace child_worker_link_parts

WorkerLinkFactory child_worker_links(asio::io_context& io, const std::shared_ptr<void>& keepalive,
                                     const WorkerPoolOptions& options) {
    // With the process thread (keepalive set), children use it too: ChildProcess() picks it.
    asio::io_context* own = keepalive ? nullptr : &io;
    return [own, options]() -> std::unique_ptr<WorkerLink> {
        return std::make_unique<child_worker_link_parts::ChildWorkerLink>(own, options);
    };
}

}  // namespace ipcxx::detail
