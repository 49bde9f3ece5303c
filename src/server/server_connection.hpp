// A server's end of one stream link: the Connection, plus what only a server keeps about it (the
// hello negotiation, when its `connect` is due, the authenticate verdict, the client's id, where its
// handlers run). A Socket handle holds this object, so all of it stays valid after the server is gone.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/strand_timer.hpp"

#include "codec/handshake.hpp"
#include "connection/connection.hpp"
#include "ipcxx/socket.hpp"
#include "runtime/handler_pool.hpp"
#include "server/connect_gate.hpp"
#include "server/overflow_monitor.hpp"
#include "server/stream_link.hpp"
#include "server/topic_filter.hpp"

namespace ipcxx::detail {

class ServerConnection final : public Connection {
public:
    // As Connection's; `pool`: Config::handler_threads' pool, null when handlers run on the strand.
    ServerConnection(Strand strand, Stream stream, std::shared_ptr<Outbox> outbox,
                     std::weak_ptr<ConnectionOwner> owner, std::shared_ptr<const Config> config,
                     std::shared_ptr<void> io_keepalive, std::uint64_t serial, std::string remote,
                     PeerIdentity peer, std::shared_ptr<HandlerPool> pool);

    // The connection in a ConnectionOwner callback of a server, which makes only these.
    static ServerConnection& of(Connection& conn) noexcept { return static_cast<ServerConnection&>(conn); }

    Socket handle();
    // The handle that the handlers of one read's frames get: made once for the read, not once per
    // message, and let go at its end so that it does not keep the connection alive. On the strand.
    Socket& batch_handle() {
        // A handler may have moved the handle away, or assigned another to it: then it is made again.
        if (!batch_handle_ || !names_connection(*batch_handle_, *this)) batch_handle_ = handle();
        return *batch_handle_;
    }

    // False until config.authenticate accepted it (true at once without a hook); such a connection
    // gets no broadcast. (Whether it got its `connect` is connect_gate's business.) Any thread.
    bool admitted() const noexcept { return admitted_.load(std::memory_order_acquire); }
    void set_admitted(bool admitted) noexcept { admitted_.store(admitted, std::memory_order_release); }
    // The client's id from its hello; any thread (Socket::id()).
    std::string peer_id() const;
    void set_peer_id(std::string id);

    // Where this connection's handlers run when they are offloaded (Config::handler_threads): its
    // lane on the pool; nothing when they run on the strand.
    const std::optional<Strand>& handler_lane() const noexcept { return handler_lane_; }

    // Calls `on_timeout` after `timeout` unless the connection closes or stop_waiting_for_identity()
    // comes first: how long a silent client stays unannounced. On the strand.
    void wait_for_identity(std::chrono::milliseconds timeout, std::function<void(ServerConnection&)> on_timeout);
    void stop_waiting_for_identity() { identity_timer_.cancel(); }

    // What a broadcast did for this subscriber (push_broadcast). No error_code: refused means the
    // queue was full, and making one per subscriber costs a call.
    struct BroadcastPush {
        enum class Outcome { queued, dropped, refused, closed } outcome = Outcome::queued;
        bool start_write = false;          // queued while the writer was idle: the caller starts it
        OverflowMonitor::Verdict verdict;  // drops or refusals to report now, and whether to disconnect
    };
    // Queues one broadcast frame under config.slow_subscriber's policy, at time `now`, without
    // starting the writer (WriteStarts does, one task per I/O thread). Any thread.
    BroadcastPush push_broadcast(std::string_view frame, OverflowMonitor::Clock::time_point now);
    // Broadcasts dropped or refused for this subscriber and not reported yet (it is closing). Any thread.
    std::size_t take_unreported_drops();

    // Whether a broadcast of `event` is for this subscriber: true unless it subscribed to topics
    // (in its hello or with ipcxx.topics) and none matches. Any thread.
    bool wants(std::string_view event) const {
        // Inline: most subscribers never subscribed, and this runs for each one of a broadcast.
        return !subscribed_.load(std::memory_order_acquire) || matches_topics(event);
    }
    // From now on, only broadcasts matching `topics` reach it. On the strand.
    void set_topics(std::vector<std::string> topics);

    // The negotiation state of this connection, and when its `connect` is due. On the strand only.
    ServerHandshake handshake;
    ConnectGate connect_gate;

private:
    void on_link_closed() override { identity_timer_.cancel(); }
    void on_batch_end() override { batch_handle_.reset(); }
    bool matches_topics(std::string_view event) const;
    // What a push's result (with `evicted` older frames discarded) means to the broadcast, told to
    // the monitor too; under overflow_mutex_.
    BroadcastPush judge_push_locked(Outbox::Push pushed, std::size_t evicted, OverflowMonitor::Clock::time_point now);

    // Kept for as long as the lane: a connection may outlive its server in a Socket or Responder
    // the user holds, and a strand must not outlive its io_context.
    const std::shared_ptr<HandlerPool> pool_;
    const std::optional<Strand> handler_lane_;
    std::atomic<bool> admitted_;
    mutable std::mutex peer_mutex_;
    std::string peer_id_;
    StrandTimer identity_timer_;
    std::optional<Socket> batch_handle_;  // while a read's frames are handled
    std::mutex overflow_mutex_;  // concurrent broadcasts from several threads
    OverflowMonitor overflow_;
    // overflow_.watching(), readable without the mutex: while false, a broadcast that fits takes
    // neither the mutex nor the monitor (the common case, one lock less per subscriber).
    std::atomic<bool> overflow_watching_{false};
    // Null until the client subscribed: every broadcast. Replaced whole, read under the mutex.
    mutable std::mutex topics_mutex_;
    std::shared_ptr<const TopicFilter> topics_;
    std::atomic<bool> subscribed_{false};  // topics_ set: before that, wants() takes no lock
};

}  // namespace ipcxx::detail
