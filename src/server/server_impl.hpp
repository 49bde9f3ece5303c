// The body of ipcxx::Server: listener, connection set, and the glue to events.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "server/connection_threads.hpp"
#include "server/server_connection.hpp"
#include "dispatch/event_sink.hpp"
#include "dispatch/requests.hpp"
#include "dispatch/responder_state.hpp"
#include "server/listener.hpp"
#include "server/work_distribution.hpp"
#include "server/write_starts.hpp"
#include "transport/endpoint.hpp"
#include "transport/tls.hpp"

namespace ipcxx::detail {

class ServerImpl final : public Listener,
                         public ConnectionOwner,
                         public RequestOwner,
                         public std::enable_shared_from_this<ServerImpl> {
public:
    // `io_keepalive`: the owner's own I/O thread, if any; connections keep it alive. With
    // config.io_threads > 1, that many - 1 more I/O threads are started for connections; only an
    // owner that ends them (release_server_threads) may ask for them.
    ServerImpl(asio::io_context& io, Config config, std::shared_ptr<void> io_keepalive = {});
    ~ServerImpl() override;
    // The handler pool's threads end (after the owner closed the event registry).
    void finish_handlers();
    // True on a thread that runs any of this server's io_contexts: a blocking wait there could deadlock.
    bool on_io_thread() const noexcept { return threads_.running_in_this_thread(); }
    // The io_contexts connections run on (Config::io_threads).
    const ConnectionThreads& threads() const noexcept { return threads_; }
    // Answers given after their request was cancelled (dropped, not sent).
    std::uint64_t dropped_replies() const noexcept { return dropped_replies_.load(std::memory_order_relaxed); }

    EventSink& events() noexcept { return events_; }
    RequestHandlers& request_handlers() noexcept { return request_handlers_; }
    PendingRequests& pending() noexcept { return *pending_; }
    const Config& config() const noexcept { return config_; }
    // What a UDP endpoint serving for this server shares with it (server/listener_slot.hpp).
    asio::io_context& io() const noexcept { return io_; }
    const std::shared_ptr<const Config>& shared_config() const noexcept { return config_holder_; }
    const std::shared_ptr<void>& io_keepalive() const noexcept { return io_keepalive_; }

    std::error_code listen(const Target& target, std::string& detail);
    // Serves a stream accepted elsewhere, as if the acceptor had just taken it: a kind with no
    // listener (the in-memory test stream today). Any thread.
    void add_stream(Stream stream, const std::string& remote);
    std::error_code restart(std::string& detail) override;
    void stop() override;
    bool running() const noexcept override { return running_.load(std::memory_order_acquire); }
    std::string describe() const override;
    std::string path() const override;
    std::uint16_t port() const override;

    BroadcastResult broadcast(std::string_view event, std::string_view msgpack_data) override;
    BroadcastResult broadcast_raw(std::string_view bytes) override;
    std::error_code emit_to(std::string_view client_id, std::string_view event, std::string_view msgpack_data);
    RequestId request(const Socket& to, std::string_view event, std::string_view msgpack_args,
                      std::chrono::milliseconds timeout, ResponseHandler on_response);
    std::vector<Socket> sockets() override;
    // A stream server has no UDP peers: not_connected.
    std::error_code peer_at(const std::string& host, std::uint16_t port, Socket& out, std::string& detail) override;
    // Server::distribute (server_distribute.cpp).
    RequestId distribute(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                         ResponseHandler on_response, unsigned attempts);

    void on_frame(Connection& conn, const NativeFrame& frame, const Payload& data) override;
    void on_handshake(Connection& conn, std::string_view event, std::string_view msgpack_data) override;
    void on_raw_data(Connection& conn, std::string_view bytes) override;
    void on_input_error(Connection& conn, std::error_code ec, const std::string& detail) override;
    void on_write_result(Connection& conn, const Outbox::Completion& result) override;
    void on_closed(Connection& conn, std::error_code reason) override;

    std::error_code send_reply(std::uint64_t link, const NativeFrame& response) override;
    void reply_undelivered(const ReceivedRequest& request, std::error_code ec) override;
    void reply_dropped(const ReceivedRequest& request) override;
    void forget(std::uint64_t link, RequestId id) override;
    void run_handler(std::uint64_t link, std::function<void()> f) override;

private:
    // Publishes an `error` event: every error this server reports is built here. `socket`: the
    // connection concerned; `undelivered`: the messages it reports lost; `event`: the event concerned.
    void report_error(std::error_code ec, std::string message, Socket socket = {}, std::size_t undelivered = 0,
                      std::string event = {});
    // Queues on every connection the frame `frame_for(conn, frame, error)` gives (false: refused
    // for that connection, `error` says why), under the slow-subscriber policy, then starts the
    // idle writers with one task per I/O thread (WriteStarts); refusals are reported per
    // connection as `error` events, drops in coalesced counts.
    // `by_topic`: only to the subscribers of event `label` (TopicFilter).
    using Subscribers = WriteStarts::Subscribers;
    // The connections a broadcast goes to (admitted and topics still to check). Any thread.
    std::shared_ptr<const Subscribers> broadcast_targets();
    template <class FrameFor>
    BroadcastResult push_to_all(std::string_view label, bool by_topic, FrameFor&& frame_for);
    // An ipcxx.topics arrived: the connection's subscriptions from now on.
    void on_topics(ServerConnection& conn, std::string_view msgpack_data);
    // Subscribes `conn` to `topics`, or closes it (reported) when one is longer than an event name may be.
    bool accept_topics(ServerConnection& conn, std::vector<std::string> topics);
    // report_error posted to the connection's strand: never inside the caller.
    void report_later(ServerConnection& conn, std::error_code ec, std::string message, std::size_t count,
                      std::string event = {});
    // One coalesced report of `count` broadcasts the policy dropped (errc::messages_dropped) or
    // refused (errc::queue_full) for `conn`.
    void report_overflow(ServerConnection& conn, std::size_t count);
    std::error_code overflow_code() const;
    // "12 broadcast message(s) to socket 3 (...) dropped since the last report".
    std::string overflow_message(ServerConnection& conn, std::size_t count);
    // "socket 3 (unix:/path, id 'worker')": which subscriber a report is about.
    static std::string describe_subscriber(ServerConnection& conn);
    // Closes a subscriber that stayed over its limit too long (errc::subscriber_too_slow).
    void disconnect_slow(ServerConnection& conn);
    void serve(ServerConnection& conn, const NativeFrame& request, const Payload& args);
    // Runs `f` on the connection's handler lane (handler_threads), else at once.
    template <class F>
    void on_lane(ServerConnection& conn, F&& f);
    std::shared_ptr<ServerConnection> find_connection(std::uint64_t serial) const;
    // Tells the client that this side no longer waits for request `id`.
    void send_cancel(RequestId id, std::uint64_t serial);

    // Work distribution (server_distribute.cpp). A job is one distribute() call; each send of it
    // to a worker is an attempt, a request of its own.
    struct DistributedJob {
        std::string event;
        std::string args;  // msgpack
        std::chrono::steady_clock::time_point deadline;
        unsigned max_attempts = 1;
        unsigned attempts = 0;
        RequestId attempt = 0;               // the attempt in flight, if any
        std::vector<std::uint64_t> failed;   // connections that dropped an attempt
        std::string answered_by;
    };
    // Sends job `id` to the least busy worker, or parks it until one connects. Any thread.
    void dispatch_job(RequestId id);
    void on_attempt_done(RequestId id, std::uint64_t serial, const Response& response);
    // A client that handles request events is ready: parked jobs are tried again.
    void add_worker(ServerConnection& conn, std::vector<std::string> handles);
    void remove_worker(std::uint64_t serial);
    // The first frame of a connection was not a hello: refused in native mode. False if closed.
    bool accept_without_hello(ServerConnection& conn);
    // Closes a connection before it is one, with an error event saying why.
    void refuse(GenericSocket& socket, std::error_code ec, std::string message);
    // Why this peer may not connect (allowed_uids), or nothing.
    std::optional<std::string> check_allowed_uid(const PeerIdentity& peer) const;
    // Registers an accepted (and, under TLS, handshaken) connection, then starts it and publishes `connect`.
    void add_connection(std::uint64_t generation, const ConnectionThreads::Place& place, Stream stream,
                        const std::string& remote, PeerIdentity peer);
    std::shared_ptr<TlsContext> tls_context() const;
    std::uint64_t generation_now() const;
    // `connect` is due: the client is judged (judge), then announced (publish_connect). False if refused.
    bool announce(ServerConnection& conn, bool said_hello = false);
    // handshake_timeout passed without a hello: connect_gate decides whether `connect` is due.
    void on_identity_timeout(ServerConnection& conn);
    void publish_connect(ServerConnection& conn);
    // Asks config.authenticate about this connection unless already admitted: true if accepted;
    // else reported and closed, never announced.
    bool judge(ServerConnection& conn, bool said_hello);
    // Asks config.authenticate about this connection: true if accepted; else reported and closed.
    bool admit(ServerConnection& conn, bool said_hello);
    void do_accept(std::uint64_t generation);
    void on_accept(std::uint64_t generation, const Strand& strand, std::error_code ec, GenericSocket socket);

    asio::io_context& io_;
    const std::shared_ptr<void> io_keepalive_;
    const std::shared_ptr<const Config> config_holder_;  // shared with connections
    const Config& config_;
    ConnectionThreads threads_;  // where connections run: io_, and Config::io_threads - 1 threads more
    EventSink events_;
    Strand strand_;  // listener state, request timers
    RequestHandlers request_handlers_;
    std::shared_ptr<PendingRequests> pending_;
    const std::shared_ptr<HandlerPool> pool_;  // Config::handler_threads; null when 0
    ActiveRequests active_;
    std::atomic<std::uint64_t> dropped_replies_{0};
    GenericAcceptor acceptor_;
    std::optional<Target> target_;
    Listening listening_;
    std::atomic<bool> running_{false};
    std::uint64_t generation_ = 0;  // bumps on stop so stale accept completions are ignored

    mutable std::mutex acceptor_mutex_;  // the acceptor is used from callers' threads and the strand
    mutable std::mutex mutex_;  // guards connections_ and the listening info read by path()/port()
    std::map<std::uint64_t, std::shared_ptr<ServerConnection>> connections_;
    // connections_ as a vector for broadcasts, made again only after connections_ changed: a
    // broadcast takes one reference to it instead of one per connection. Guarded by mutex_.
    std::shared_ptr<const Subscribers> subscribers_;
    std::unordered_map<const TlsHandshake*, std::weak_ptr<TlsHandshake>> handshakes_;  // TLS handshakes in progress
    std::shared_ptr<TlsContext> tls_context_;  // TCP with tls.enabled; per listen, so new files are read on start()
    std::atomic<std::uint64_t> next_serial_{1};

    std::mutex jobs_mutex_;  // guards workers_, jobs_, parked_, given_; taken before mutex_
    std::vector<Worker> workers_;
    std::map<RequestId, std::shared_ptr<DistributedJob>> jobs_;
    std::vector<RequestId> parked_;  // jobs waiting for a worker
    std::uint64_t given_ = 0;
};

}  // namespace ipcxx::detail
