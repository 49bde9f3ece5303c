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
    const SlowSubscriberPolicy policy = config().slow_subscriber.policy;
    std::size_t evicted = 0;
    BroadcastPush out;
    // Held across the push, so that concurrent broadcasts reach the monitor in the queue's order.
    std::lock_guard<std::mutex> lock(overflow_mutex_);
    out.error = push_frame(frame, policy == SlowSubscriberPolicy::drop_oldest ? &evicted : nullptr);
    if (!out.error) {
        if (evicted > 0) out.outcome = BroadcastPush::Outcome::dropped;
        out.verdict = overflow_.on_queued(now, evicted);
    } else if (out.error == errc::not_connected) {
        out.outcome = BroadcastPush::Outcome::closed;
    } else if (out.error == errc::queue_full) {
        const bool dropped = policy != SlowSubscriberPolicy::refuse;
        out.outcome = dropped ? BroadcastPush::Outcome::dropped : BroadcastPush::Outcome::refused;
        out.verdict = overflow_.on_overflow(now, dropped);
    } else {
        out.outcome = BroadcastPush::Outcome::refused;
    }
    return out;
}

std::size_t ServerConnection::take_unreported_drops() {
    std::lock_guard<std::mutex> lock(overflow_mutex_);
    return overflow_.take_unreported();
}

bool ServerConnection::wants(std::string_view event) const {
    std::lock_guard<std::mutex> lock(topics_mutex_);
    return !topics_ || topics_->matches(event);
}

void ServerConnection::set_topics(std::vector<std::string> topics) {
    auto filter = std::make_shared<const TopicFilter>(std::move(topics));
    std::lock_guard<std::mutex> lock(topics_mutex_);
    topics_ = std::move(filter);
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
