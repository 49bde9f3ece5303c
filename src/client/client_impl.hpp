// The body of ipcxx::Client: connection attempts, the reconnect state machine, the wire
// negotiation, the queue that outlives connections, requests, and the glue to events. All state
// lives on one strand, except what emit() touches (guarded by send_mutex_).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <asio/io_context.hpp>

#include "client/made_once.hpp"
#include "client/reconnect_fsm.hpp"
#include "client/sync_gate.hpp"
#include "connection/shared_pack.hpp"
#include "codec/handshake.hpp"
#include "connection/connection.hpp"
#include "dispatch/event_sink.hpp"
#include "dispatch/requests.hpp"
#include "dispatch/responder_state.hpp"
#include "runtime/handler_pool.hpp"
#include "runtime/short_lock.hpp"
#include "runtime/strand_timer.hpp"
#include "transport/endpoint.hpp"
#include "transport/tls.hpp"

namespace ipcxx::detail {

class ClientImpl : public ConnectionOwner, public RequestOwner, public std::enable_shared_from_this<ClientImpl> {
public:
    // `io_keepalive`: the owner's own I/O thread, if any; connections keep it alive.
    ClientImpl(asio::io_context& io, Config config, std::shared_ptr<void> io_keepalive = {});
    ~ClientImpl() override;
    // The handler pool's threads end (after the owner closed the event registry).
    void finish_handlers();
    // True on a thread that runs this client's io_context: a blocking wait there could deadlock.
    bool on_io_thread() const noexcept;
    // Answers given after their request was cancelled (dropped, not sent).
    std::uint64_t dropped_replies() const noexcept { return dropped_replies_.load(std::memory_order_relaxed); }

    EventSink& events() noexcept { return events_; }
    RequestHandlers& request_handlers() { return served().handlers; }
    const Config& config() const noexcept { return *config_; }

    // Any thread. Starts a run: attempts under the reconnect rules until disconnect() or giving
    // up, which ends it with `destroy`. While a run is live, throws (invalid_argument); while one
    // is ending, the new one starts after its `destroy`.
    void start(std::string server_id, Target target);
    // Makes each attempt's stream instead of connecting to the target: a kind with no address (the
    // in-memory test stream today). Called on the strand; `ec` set means the connect failed. Set
    // before start().
    using Connector = std::function<std::unique_ptr<ByteStream>(std::error_code& ec)>;
    void set_connector(Connector connector) { connector_ = std::make_unique<Connector>(std::move(connector)); }
    std::error_code emit(std::string_view event, std::string_view msgpack_data);
    // An event whose data is `head` then `tail`; the tail is queued by reference when it can be.
    std::error_code emit_with_tail(std::string_view event, std::string_view head, const PackTail& tail);
    // raw_buffer mode: bytes as given, or text in config.encoding.
    std::error_code emit_raw(std::string_view bytes);
    std::error_code emit_raw_text(std::string_view text);
    RequestId request(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                      ResponseHandler on_response);
    void cancel(RequestId id);
    void disconnect();
    // Client::subscribe / unsubscribe / topics (docs/fanout.md).
    std::error_code subscribe(std::string_view prefix);
    std::error_code unsubscribe(std::string_view prefix);
    std::vector<std::string> topics() const;

    bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }
    bool native() const noexcept;
    std::size_t pending_messages() const;
    std::string server_id() const;

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
    // Tells the server that this side no longer waits for request `id`.
    void send_cancel(RequestId id);
    // Sends through the sync gate when config.sync is on; any thread.
    std::error_code send(const Outgoing& message, std::uint64_t* sequence = nullptr);
    std::error_code send_raw(std::string_view bytes);
    // Encodes for the current wire and queues; any thread.
    std::error_code push(const Outgoing& message, std::uint64_t* sequence = nullptr);
    std::error_code push_raw(std::string_view bytes);
    void start_writing(Outbox::Push pushed);
    // sync: a message was received, so one held message goes out. Inline: asked for every message.
    void release_held() {
        if (sync_) release_one_held();
    }
    void release_one_held();
    void attempt();
    void attempt_with_connector();
    void on_connect(std::uint64_t attempt, std::error_code ec);
    void connect_failed(std::error_code ec);
    // The link is up (after the TLS handshake, if any): the connection starts.
    void on_link(Stream stream, std::string remote);
    void on_handshake_timeout();
    // The negotiation failed (welcome refused, malformed or missing): reported and closed.
    void protocol_failure(std::error_code ec, const std::string& detail);
    void handle_closed(CloseCause cause);
    void apply(const ReconnectStep& step);
    void finish();  // no more attempts: report what was never delivered, then `destroy`
    // On the strand: the first attempt of run `run` (unless another has begun since).
    void begin(std::uint64_t run);
    // On the strand, after `destroy`: the run is over; a connect_to made meanwhile begins now.
    void end_run();
    void report_error(std::error_code ec, std::string message, std::size_t undelivered = 0);

    const std::shared_ptr<void> io_keepalive_;
    const std::shared_ptr<const Config> config_;  // shared with connections
    EventSink events_;
    Strand strand_;
    std::shared_ptr<Outbox> outbox_;
    ReconnectFsm fsm_;
    ClientHandshake handshake_;
    // Requests sent, made by the first one; requests served, made by the first handler or request.
    struct Served {
        RequestHandlers handlers;
        ActiveRequests active;
    };
    PendingRequests& pending();
    PendingRequests* made_pending() const noexcept {
        const auto* made = pending_.if_made();
        return made ? made->get() : nullptr;
    }
    Served& served();
    Served* made_served() const noexcept { return served_.if_made(); }
    MadeOnce<std::shared_ptr<PendingRequests>> pending_;  // shared: its posted tasks keep it
    MadeOnce<Served> served_;
    // Config::handler_threads: the pool and this client's lane on it; null when 0.
    struct Offload {
        std::shared_ptr<HandlerPool> pool;
        Strand lane;  // where handlers run on the pool
    };
    static std::unique_ptr<Offload> make_offload(std::size_t threads);
    const std::unique_ptr<Offload> offload_;
    Strand* lane() const noexcept { return offload_ ? &offload_->lane : nullptr; }
    std::atomic<std::uint64_t> dropped_replies_{0};
    // Numbers each connection, so that an answer never goes out on a later one than its request's.
    std::uint64_t links_ = 0;               // strand only
    std::atomic<std::uint64_t> link_{0};    // the open connection's number; 0 while none is
    // The delay before a reconnect attempt, or (wire = native) the wait for the welcome on a new
    // link: never both at once, since an attempt starts only once the delay is over. Made for
    // either; let go once the link starts (the delay's) or its welcome came, or when it closed:
    // a connected client has none.
    StrandTimer& timer();
    std::unique_ptr<StrandTimer> timer_;
    std::unique_ptr<GenericSocket> socket_;  // the attempt in progress; null once its link started
    std::unique_ptr<Connector> connector_;  // set: attempts use it, not socket_
    struct Tls {
        std::shared_ptr<TlsContext> context;      // made at the first TLS attempt, kept for the next
        std::shared_ptr<TlsHandshake> handshake;  // the attempt in progress, during its TLS handshake
    };
    std::unique_ptr<Tls> tls_;  // made at the first TLS attempt
    std::shared_ptr<Connection> conn_;
    std::uint64_t attempt_ = 0;  // identifies the attempt a connect completion belongs to
    std::optional<ReconnectStep> explicit_disconnect_;  // waits for the live connection to close

    // Guards which wire emit() encodes for (native_, peer_deadlines_: changed together with
    // rewriting the queue, so that no frame of the other wire slips in between), the topics, and
    // the runs (below): one mutex rather than two per client, neither use holding it long.
    mutable ShortLock send_mutex_;  // taken by every emit: see short_lock.hpp
    // Topics, under send_mutex_: null until the client subscribes (every broadcast reaches it).
    std::unique_ptr<std::vector<std::string>> topics_;
    // The flags side by side, so that they share one word.
    std::atomic<bool> connected_{false};
    bool give_up_ = false;  // strand only: the connection closing ends the client, retrying cannot help
    bool native_ = false;  // under send_mutex_, as the three below
    bool peer_deadlines_ = false;  // the server's welcome listed the feature "deadline"
    bool server_takes_topics_ = false;  // this link's welcome listed the feature "topics"
    bool topics_changed_ = false;       // since this link's hello: sent once the welcome allows
    // Queues an ipcxx.topics with the current topics on the wire in use. Under send_mutex_.
    std::error_code send_topics_locked();

    // Runs (connect_to ... destroy), started from any thread, under send_mutex_. server_id_ and
    // target_ change only when no run is live (under the lock), so the strand reads them without it.
    enum class Run : std::uint8_t { idle, live, ending };
    struct NextRun {
        std::string server_id;
        Target target;
    };
    Run run_ = Run::idle;  // beside the flags above
    std::uint64_t run_id_ = 0;  // the current (or last) run; a disconnect() applies to its own
    std::unique_ptr<NextRun> next_run_;  // connect_to while a run was ending
    std::string server_id_;
    Target target_;

    // config.sync; its mutex is taken before send_mutex_, so that what the gate lets through is
    // queued in its order.
    struct Sync {
        explicit Sync(std::size_t max_held_bytes) : gate(max_held_bytes) {}
        std::mutex mutex;
        SyncGate gate;
    };
    const std::unique_ptr<Sync> sync_;  // null unless config.sync: most clients pay a pointer for it
};

}  // namespace ipcxx::detail
