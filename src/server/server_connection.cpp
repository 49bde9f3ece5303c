#include "server/server_connection.hpp"

#include <asio/bind_executor.hpp>

#include "ipcxx/error.hpp"
#include "server/stream_link.hpp"

namespace ipcxx::detail {
namespace {

// Where a hello can come (the server's wire lets a client say one, and there are frames at all).
bool hello_possible(const Config& config) { return !config.raw_buffer && config.wire != Wire::json; }

}  // namespace

ServerConnection::ServerConnection(Strand strand, Stream stream, std::shared_ptr<Outbox> outbox,
                                   std::weak_ptr<ConnectionOwner> owner, std::shared_ptr<const Config> config,
                                   std::shared_ptr<void> io_keepalive, std::uint64_t serial, std::string remote,
                                   PeerIdentity peer, std::shared_ptr<HandlerPool> pool)
    : Connection(std::move(strand), std::move(stream), std::move(outbox), std::move(owner), std::move(config),
                 std::move(io_keepalive), serial, std::move(remote), std::move(peer)),
      handshake(wire_mode(hello_possible(this->config()) ? this->config().wire : Wire::json), this->config().id),
      connect_gate(hello_possible(this->config()), this->config().wire == Wire::automatic),
      pool_(std::move(pool)),
      handler_lane_(pool_ ? std::optional<Strand>(pool_->make_lane()) : std::nullopt),
      // With an authenticate hook, the connection waits for its verdict, which comes when its
      // `connect` is due (connect_gate): until then it gets no broadcast.
      admitted_(!this->config().authenticate),
      identity_timer_(this->strand().get_inner_executor()),
      overflow_(this->config().slow_subscriber.disconnect_after, this->config().slow_subscriber.report_interval) {}

Socket ServerConnection::handle() {
    return stream_socket(std::static_pointer_cast<ServerConnection>(shared_from_this()));
}

void ServerConnection::wait_for_identity(std::chrono::milliseconds timeout,
                                         std::function<void(ServerConnection&)> on_timeout) {
    if (closing()) return;
    identity_timer_.expires_after(timeout);
    identity_timer_.async_wait(asio::bind_executor(
        strand(), [self = std::static_pointer_cast<ServerConnection>(shared_from_this()),
                   on_timeout = std::move(on_timeout)](std::error_code ec) {
            if (ec || self->closing()) return;
            on_timeout(*self);
        }));
}

ServerConnection::BroadcastPush ServerConnection::push_broadcast(std::string_view frame,
                                                                OverflowMonitor::Clock::time_point now) {
    std::size_t evicted = 0;
    std::size_t* evict = config().slow_subscriber.policy == SlowSubscriberPolicy::drop_oldest ? &evicted : nullptr;
    if (!overflow_watching_.load(std::memory_order_acquire)) {
        const Outbox::Push pushed = queue_unstarted(frame, evict);
        // The common case, a frame that fits with nothing discarded: no lock, no monitor.
        if (evicted == 0 && pushed != Outbox::Push::full) {
            BroadcastPush out;
            if (pushed == Outbox::Push::closed) out.outcome = BroadcastPush::Outcome::closed;
            out.start_write = pushed == Outbox::Push::start_write;
            return out;
        }
        // A broadcast racing this one may have judged a later push first; it fits or not the same,
        // and the next broadcast that fits ends the time over the limit.
        std::lock_guard<std::mutex> lock(overflow_mutex_);
        return judge_push_locked(pushed, evicted, now);
    }
    // Held across the push, so that concurrent broadcasts reach the monitor in the queue's order.
    std::lock_guard<std::mutex> lock(overflow_mutex_);
    return judge_push_locked(queue_unstarted(frame, evict), evicted, now);
}

ServerConnection::BroadcastPush ServerConnection::judge_push_locked(Outbox::Push pushed, std::size_t evicted,
                                                                    OverflowMonitor::Clock::time_point now) {
    BroadcastPush out;
    switch (pushed) {
        case Outbox::Push::queued:
        case Outbox::Push::start_write:
            out.start_write = pushed == Outbox::Push::start_write;
            if (evicted > 0) out.outcome = BroadcastPush::Outcome::dropped;
            out.verdict = overflow_.on_queued(now, evicted);
            break;
        case Outbox::Push::closed: out.outcome = BroadcastPush::Outcome::closed; break;
        case Outbox::Push::full:
            out.outcome = config().slow_subscriber.policy == SlowSubscriberPolicy::refuse
                              ? BroadcastPush::Outcome::refused
                              : BroadcastPush::Outcome::dropped;
            out.verdict = overflow_.on_overflow(now);
            break;
    }
    overflow_watching_.store(overflow_.watching(), std::memory_order_release);
    return out;
}

std::size_t ServerConnection::take_unreported_drops() {
    std::lock_guard<std::mutex> lock(overflow_mutex_);
    const std::size_t count = overflow_.take_unreported();
    overflow_watching_.store(overflow_.watching(), std::memory_order_release);
    return count;
}

bool ServerConnection::matches_topics(std::string_view event) const {
    std::lock_guard<std::mutex> lock(topics_mutex_);
    return topics_->matches(event);
}

void ServerConnection::set_topics(std::vector<std::string> topics) {
    auto filter = std::make_shared<const TopicFilter>(std::move(topics));
    std::lock_guard<std::mutex> lock(topics_mutex_);
    topics_ = std::move(filter);
    subscribed_.store(true, std::memory_order_release);
}

std::string ServerConnection::peer_id() const {
    std::lock_guard<std::mutex> lock(peer_mutex_);
    return peer_id_;
}

void ServerConnection::set_peer_id(std::string id) {
    std::lock_guard<std::mutex> lock(peer_mutex_);
    peer_id_ = std::move(id);
}

}  // namespace ipcxx::detail
