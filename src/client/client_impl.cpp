// The client layer (attempts, reconnects, the queue across connections): where it sits among the layers and its threading are in docs/ARCHITECTURE.md.
#include "client/client_impl.hpp"

#include <algorithm>
#include <random>

#include <asio/bind_executor.hpp>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>

#include "codec/handshake.hpp"
#include "config_sharing.hpp"
#include "connection/lender.hpp"
#include "connection/message_encoder.hpp"
#include "connection/raw_write.hpp"
#include "connection/shared_pack.hpp"
#include "payload_data.hpp"
#include "runtime/strand_stand_in.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace {

ReconnectSettings reconnect_settings(const Config& config) {
    ReconnectSettings settings;
    settings.retry = config.retry;
    settings.max_retries = config.max_retries;
    settings.stop_retrying = config.stop_retrying;
    settings.backoff_max = config.retry_backoff_max;
    settings.jitter_ratio = config.retry_jitter;
    return settings;
}

// Clients restarted together must not retry in step: each gets its own jitter sequence.
std::uint64_t jitter_seed() {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device() ^
           static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

}  // namespace

ClientImpl::ClientImpl(asio::io_context& io, Config config, std::shared_ptr<void> io_keepalive)
    : io_keepalive_(std::move(io_keepalive)),
      config_((config.validate(), shared_config(std::move(config)))),
      events_(Side::client, *config_),
      strand_(asio::make_strand(io)),
      outbox_(std::make_shared<Outbox>(config_->max_pending_bytes, Outbox::OnFailure::requeue)),
      fsm_(reconnect_settings(*config_), jitter_seed()),
      // Raw bytes have no frames, so no hello either.
      handshake_(wire_mode(config_->raw_buffer ? Wire::json : config_->wire), config_->id),
      offload_(config_->handler_threads > 0 ? make_offload(config_->handler_threads) : nullptr),
      sync_(config_->sync ? std::make_unique<Sync>(config_->max_pending_bytes) : nullptr) {
    if (!config_->topics.empty()) topics_ = std::make_unique<std::vector<std::string>>(config_->topics);
}

ClientImpl::~ClientImpl() { finish_handlers(); }

void ClientImpl::finish_handlers() {
    if (offload_) offload_->pool->finish();
}

bool ClientImpl::on_io_thread() const noexcept { return strand_.get_inner_executor().running_in_this_thread(); }

std::error_code ClientImpl::send_reply(std::uint64_t link, const NativeFrame& response) {
    if (link != link_.load(std::memory_order_acquire)) return make_error_code(errc::not_connected);
    return send(response);
}

void ClientImpl::reply_undelivered(const ReceivedRequest& request, std::error_code ec) {
    asio::post(strand_, [self = shared_from_this(), error = undelivered_reply(request, ec)]() mutable {
        self->events_.publish_error(std::move(error));
    });
}

void ClientImpl::reply_dropped(const ReceivedRequest&) { dropped_replies_.fetch_add(1, std::memory_order_relaxed); }

void ClientImpl::forget(std::uint64_t link, RequestId id) {
    if (auto* served = made_served()) served->active.forget(link, id);
}

void ClientImpl::run_handler(std::uint64_t, std::function<void()> f) {
    auto task = [self = shared_from_this(), f = std::move(f)] { self->events_.run_guarded("handler", f); };
    if (auto* lane = this->lane()) return asio::post(*lane, std::move(task));
    asio::post(strand_, std::move(task));
}

void ClientImpl::send_cancel(RequestId id) {
    Outgoing cancel;
    cancel.kind = FrameKind::cancel;
    cancel.id = id;
    push(cancel);  // best effort, past the sync gate: the server's answer, if any, is ignored either way
}

void ClientImpl::start(std::string server_id, Target target) {
    std::lock_guard<ShortLock> lock(send_mutex_);
    if (run_ == Run::live || next_run_) {
        const std::string& current = next_run_ ? next_run_->server_id : server_id_;
        throw Error(make_error_code(errc::invalid_argument), "client already connects to '" + current + "'");
    }
    if (run_ == Run::ending) {
        next_run_ = std::make_unique<NextRun>(NextRun{std::move(server_id), std::move(target)});
        return;
    }
    server_id_ = std::move(server_id);
    target_ = std::move(target);
    // Now rather than in begin(): what is emitted right after connect_to is queued for this run.
    outbox_->reopen();
    run_ = Run::live;
    // Posted under the lock, so that a disconnect() of this run is posted after it.
    asio::post(strand_, [self = shared_from_this(), run = ++run_id_] { self->begin(run); });
}

void ClientImpl::begin(std::uint64_t run) {
    {
        std::lock_guard<ShortLock> lock(send_mutex_);
        if (run != run_id_) return;
    }
    give_up_ = false;
    if (fsm_.state() == ReconnectFsm::State::idle ? fsm_.start() : fsm_.restart()) attempt();
}

void ClientImpl::end_run() {
    std::lock_guard<ShortLock> lock(send_mutex_);
    if (!next_run_) {
        run_ = Run::idle;
        return;
    }
    server_id_ = std::move(next_run_->server_id);
    target_ = std::move(next_run_->target);
    next_run_.reset();
    outbox_->reopen();
    run_ = Run::live;
    asio::post(strand_, [self = shared_from_this(), run = ++run_id_] { self->begin(run); });
}

std::string ClientImpl::server_id() const {
    std::lock_guard<ShortLock> lock(send_mutex_);
    return server_id_;
}

bool ClientImpl::native() const noexcept {
    std::lock_guard<ShortLock> lock(send_mutex_);
    return native_;
}

std::error_code ClientImpl::push(const Outgoing& message, std::uint64_t* sequence) {
    std::string& frame = encode_buffer();
    std::string detail;
    Outbox::Push pushed;
    {
        std::lock_guard<ShortLock> lock(send_mutex_);
        Outgoing scratch;
        const Outgoing* to_send = for_peer(message, native_, peer_deadlines_, scratch);
        if (!to_send) return {};
        std::string_view tail;  // native data: copied once, straight into the outbox, or taken over when large
        if (auto ec = encode_outgoing(*to_send, native_, *config_, frame, detail, &tail)) return ec;
        pushed = outbox_->push(frame, tail, sequence, to_send->kind == FrameKind::request, adopt_packed(tail));
    }
    start_writing(pushed);
    return push_error(pushed);
}

std::error_code ClientImpl::push_raw(std::string_view bytes) {
    Outbox::Push pushed;
    {
        std::lock_guard<ShortLock> lock(send_mutex_);
        pushed = outbox_->push(bytes);
    }
    start_writing(pushed);
    return push_error(pushed);
}

void ClientImpl::start_writing(Outbox::Push pushed) {
    if (pushed != Outbox::Push::start_write) return;
    // The connection shares our outbox: StrandStandIn::on_strand(outbox) is Connection::on_strand.
    const bool on_strand = strand_.running_in_this_thread() || StrandStandIn::on_strand(outbox_.get());
    if (on_strand && conn_ && conn_->defer_write_to_batch_end()) return;
    asio::post(strand_, [self = shared_from_this()] {
        if (self->conn_) self->conn_->write_pending();
    });
}

std::error_code ClientImpl::send(const Outgoing& message, std::uint64_t* sequence) {
    if (config_->raw_buffer) return make_error_code(errc::invalid_argument);  // no frames: emit_raw()
    if (!sync_) return push(message, sequence);
    std::lock_guard<std::mutex> lock(sync_->mutex);
    if (!sync_->gate.closed()) {
        const auto ec = push(message, sequence);
        if (!ec) sync_->gate.sent();
        return ec;
    }
    // Checked now, so that a held message is refused by emit() as it would be when sent at once.
    std::string detail;
    if (auto ec = encode_outgoing(message, native(), *config_, encode_buffer(), detail)) return ec;
    return sync_->gate.hold(HeldMessage::copy_of(message)) ? std::error_code() : make_error_code(errc::queue_full);
}

std::error_code ClientImpl::send_raw(std::string_view bytes) {
    if (auto ec = check_raw_write(bytes, *config_)) return ec;
    if (!sync_) return push_raw(bytes);
    std::lock_guard<std::mutex> lock(sync_->mutex);
    if (!sync_->gate.closed()) {
        const auto ec = push_raw(bytes);
        if (!ec) sync_->gate.sent();
        return ec;
    }
    HeldMessage held;
    held.raw = true;
    held.data = bytes;
    return sync_->gate.hold(std::move(held)) ? std::error_code() : make_error_code(errc::queue_full);
}

std::error_code ClientImpl::emit_raw(std::string_view bytes) { return send_raw(bytes); }

std::error_code ClientImpl::emit_raw_text(std::string_view text) {
    std::string bytes;
    if (auto ec = raw_text_bytes(text, *config_, bytes)) return ec;
    return send_raw(bytes);
}

void ClientImpl::release_one_held() {
    std::vector<std::pair<HeldMessage, std::error_code>> failed;
    {
        std::lock_guard<std::mutex> lock(sync_->mutex);
        HeldMessage next;
        // One goes out per reception; one that cannot be queued is reported and the next tried.
        while (sync_->gate.release(next)) {
            std::uint64_t sequence = 0;
            const auto ec = next.raw ? push_raw(next.data) : push(next.view(), &sequence);
            if (!ec) {
                if (!next.raw && next.kind == FrameKind::request) pending().set_sequence(next.id, sequence);
                break;
            }
            failed.emplace_back(std::move(next), ec);
        }
    }
    // Reported without the lock: error handlers may emit.
    for (const auto& [message, ec] : failed) {
        if (!message.raw && message.kind == FrameKind::request) {
            pending().complete_later(message.id, failure(ec, "request '" + message.name + "' not sent: " + ec.message()));
        } else {
            report_error(make_error_code(errc::undelivered),
                         "held message not delivered (sync): " + ec.message(), 1);
        }
    }
}

std::size_t ClientImpl::pending_messages() const {
    std::size_t held = 0;
    if (sync_) {
        std::lock_guard<std::mutex> lock(sync_->mutex);
        held = sync_->gate.held();
    }
    return outbox_->pending_messages() + held;
}



std::error_code ClientImpl::emit(std::string_view event, std::string_view msgpack_data) {
    if (config_->raw_buffer || sync_ || msgpack_data.empty()) return send(event_message(event, msgpack_data));
    // An event with data on the native wire, the common case: its header from the thread's cache.
    EventHead head;
    std::string detail;
    Outbox::Push pushed;
    {
        std::unique_lock<ShortLock> lock(send_mutex_);
        if (!native_) {
            lock.unlock();
            return send(event_message(event, msgpack_data));
        }
        if (auto ec = encode_event_head(config_, event, msgpack_data.size(), head, detail)) return ec;
        pushed = outbox_->push(head.view(), msgpack_data, nullptr, false, adopt_packed(msgpack_data));
    }
    start_writing(pushed);
    return push_error(pushed);
}

std::error_code ClientImpl::emit_with_tail(std::string_view event, std::string_view head, const PackTail& tail) {
    if (config_->raw_buffer || sync_) return emit(event, joined(head, tail));
    // A lent body is queued by reference only where a thread of the library's own writes it while
    // this one waits: not on that thread, nor on a caller's io_context, whose loop the caller may be
    // about to run itself. Elsewhere it is copied (a tail without an owner).
    Lender lender;
    bool lend = tail.lent && io_keepalive_ && !on_io_thread();
    std::string& frame = encode_buffer();
    std::string detail;
    Outbox::Push pushed;
    {
        std::lock_guard<ShortLock> lock(send_mutex_);
        if (!native_) {
            lend = false;  // the JSON wire's frame is made whole
            if (auto ec = encode_outgoing(event_message(event, joined(head, tail)), false, *config_, frame, detail)) {
                return ec;
            }
            pushed = outbox_->push(frame);
        } else {
            if (auto ec = encode_native_event_with_tail(event, head, tail.bytes, *config_, frame, detail)) return ec;
            pushed = outbox_->push(frame, tail.bytes, nullptr, false, lend ? lender.owner() : tail.owner, lend);
        }
    }
    start_writing(pushed);
    if (lend) {
        // The writer lets the lender go once the bytes are written, or copies them after
        // Outbox::lent_wait; still queued behind other writes, or with no link, they are copied here.
        if (pushed == Outbox::Push::queued) outbox_->copy_lent(&lender, true);
        while (!lender.released(Outbox::lent_wait)) outbox_->copy_lent(&lender);
    }
    return push_error(pushed);
}

RequestId ClientImpl::request(std::string_view event, std::string_view msgpack_args,
                              std::chrono::milliseconds timeout, ResponseHandler on_response) {
    PendingRequests& pending = this->pending();
    const RequestId id = pending.next_id();
    pending.add(id, 0, std::move(on_response), timeout);
    Outgoing message;
    message.kind = FrameKind::request;
    message.id = id;
    message.name = event;
    message.data = msgpack_args;
    message.timeout_ms = static_cast<std::uint64_t>(timeout.count());
    std::uint64_t sequence = 0;
    if (auto ec = send(message, &sequence)) {
        pending.complete_later(id, failure(ec, "request '" + std::string(event) + "' not sent: " + ec.message()));
    } else {
        pending.set_sequence(id, sequence);
    }
    return id;
}

void ClientImpl::cancel(RequestId id) {
    if (auto* pending = made_pending()) pending->cancel_later(id);
}

PendingRequests& ClientImpl::pending() {
    return *pending_.get([this] {
        return std::make_unique<std::shared_ptr<PendingRequests>>(std::make_shared<PendingRequests>(
            strand_,
            [this](const std::string& what) {
                report_error(make_error_code(errc::handler_exception), "response handler threw: " + what);
            },
            [this](RequestId id, std::uint64_t) { send_cancel(id); }));
    });
}

ClientImpl::Served& ClientImpl::served() {
    return served_.get([] { return std::make_unique<Served>(); });
}

std::unique_ptr<ClientImpl::Offload> ClientImpl::make_offload(std::size_t threads) {
    auto pool = HandlerPool::start(threads);
    Strand lane = pool->make_lane();
    return std::make_unique<Offload>(Offload{std::move(pool), std::move(lane)});
}

StrandTimer& ClientImpl::timer() {
    if (!timer_) timer_ = std::make_unique<StrandTimer>(strand_.get_inner_executor());
    return *timer_;
}

void ClientImpl::attempt() {
    if (connector_) return attempt_with_connector();
    std::vector<GenericEndpoint> endpoints;
    std::string detail;
    if (target_.kind == Target::Kind::unix_socket) {
        GenericEndpoint endpoint;
        if (unix_endpoint(target_.path, config_->abstract_socket, endpoint)) {
            // Retrying cannot make the path shorter.
            report_error(make_error_code(errc::path_too_long),
                         "Unix socket path is too long for the platform: " + target_.path);
            return handle_closed(CloseCause::permanent);
        }
        endpoints.push_back(endpoint);
    } else if (auto ec = resolve_tcp(target_.host, target_.port, endpoints, detail)) {
        report_error(ec, detail);
        return handle_closed(CloseCause::closed);
    }
    const std::uint64_t id = ++attempt_;
    // Assigned in place, never replaced: a cancelled attempt's connect may still refer to it.
    if (socket_) *socket_ = GenericSocket(strand_);
    else socket_ = std::make_unique<GenericSocket>(strand_);
    asio::async_connect(*socket_, endpoints,
                        asio::bind_executor(strand_, [self = shared_from_this(), id](std::error_code ec,
                                                                                     const GenericEndpoint&) {
                            self->on_connect(id, ec);
                        }));
}

void ClientImpl::attempt_with_connector() {
    // Completes from a task of its own, as a socket's connect does.
    asio::post(strand_, [self = shared_from_this(), id = ++attempt_] {
        if (id != self->attempt_ || self->fsm_.state() != ReconnectFsm::State::connecting) return;
        std::error_code ec;
        auto stream = (*self->connector_)(ec);
        if (ec) return self->connect_failed(ec);
        self->on_link(Stream(std::move(stream), GenericSocket::executor_type(self->strand_)), self->target_.describe());
    });
}

void ClientImpl::connect_failed(std::error_code ec) {
    report_error(ec, "cannot connect to " + target_.describe() + ": " + ec.message());
    handle_closed(CloseCause::closed);
}

void ClientImpl::on_connect(std::uint64_t attempt, std::error_code ec) {
    if (attempt != attempt_ || fsm_.state() != ReconnectFsm::State::connecting) return;
    if (ec) return connect_failed(ec);
    std::error_code ignored;
    GenericSocket& socket = *socket_;
    const auto remote = socket.remote_endpoint(ignored);
    set_close_on_exec(socket.native_handle());
    if (is_tcp(remote)) prepare_tcp(socket, *config_);
    else prepare_unix(socket, *config_);
    if (!is_tcp(remote) || !config_->tls.enabled) {
        Stream stream(std::move(socket));
        socket_.reset();  // its connect is complete: an idle client keeps no spare socket object
        return on_link(std::move(stream), describe_endpoint(remote, target_.path));
    }
    std::string detail;
    std::error_code tls_ec;
    if (!tls_) tls_ = std::make_unique<Tls>();
    if (!tls_->context) tls_ec = make_tls_context(config_->tls, TlsRole::client, tls_->context, detail);
    auto tls = tls_ec ? nullptr : make_tls_handshake(std::move(socket), tls_->context, TlsRole::client);
    if (tls) tls_ec = tls->expect_server_name(config_->tls, target_.host, detail);
    if (tls_ec) {
        // A configuration that cannot work will not work on the next attempt either.
        report_error(tls_ec, detail);
        return handle_closed(CloseCause::permanent);
    }
    tls_->handshake = tls;
    // Completes on the socket's executor, the strand.
    tls->start(config_->handshake_timeout, [self = shared_from_this(), attempt, remote](
                                              std::error_code ec, std::string detail, std::optional<TlsLink> link) {
        if (attempt != self->attempt_ || self->fsm_.state() != ReconnectFsm::State::connecting) return;
        self->tls_->handshake.reset();
        if (ec) {
            self->report_error(ec, "TLS handshake with " + self->target_.describe() + " failed: " + detail);
            return self->handle_closed(cause_of(ec));
        }
        self->on_link(std::move(link->stream), describe_endpoint(remote, self->target_.path));
    });
}

void ClientImpl::on_link(Stream stream, std::string remote) {
    conn_ = std::make_shared<Connection>(strand_, std::move(stream), outbox_, weak_from_this(), config_,
                                         io_keepalive_, 0, std::move(remote));
    fsm_.on_connected();
    link_.store(++links_, std::memory_order_release);

    // Every connection starts on the JSON wire, its first frame the hello (unless wire = json).
    std::string preface;
    std::optional<std::vector<std::string>> topics;
    {
        std::lock_guard<ShortLock> lock(send_mutex_);
        if (topics_) topics = *topics_;
        server_takes_topics_ = false;
        topics_changed_ = false;
    }
    const auto* served = made_served();
    const auto hello = handshake_.on_connected(served ? served->handlers.events() : std::vector<std::string>(), topics);
    if (hello) encode_protocol_event(hello_event, *hello, *config_, preface);
    const bool hold_until_welcome = config_->wire == Wire::native;
    std::size_t dropped = 0;
    {
        std::lock_guard<ShortLock> lock(send_mutex_);
        if (!hold_until_welcome && native_) {
            // Queued native frames of the last connection go out as JSON until the welcome.
            dropped = outbox_->rewrite_pending([this](std::string_view frame, std::string& out) {
                return native_to_json(frame, *config_, out);
            });
        }
        native_ = false;
        peer_deadlines_ = false;
    }
    // Reported without the lock: error handlers may emit.
    if (dropped > 0) {
        report_error(make_error_code(errc::undelivered),
                     std::to_string(dropped) + " queued message(s) cannot be sent on the JSON wire", dropped);
    }
    if (hold_until_welcome) {
        timer().expires_after(config_->handshake_timeout);
        timer_->async_wait(asio::bind_executor(strand_, [self = shared_from_this(), conn = conn_](std::error_code e) {
            if (!e && self->conn_ == conn) self->on_handshake_timeout();
        }));
    } else {
        timer_.reset();  // the reconnect delay's, which is over
    }
    conn_->start(std::move(preface), !hold_until_welcome);
    // With wire = native the link is usable only once the welcome came: `connect` waits for it.
    if (!hold_until_welcome) {
        connected_.store(true, std::memory_order_release);
        events_.publish("connect");
    }
}

void ClientImpl::on_handshake_timeout() {
    std::string detail;
    if (auto ec = handshake_.on_handshake_timeout(&detail)) protocol_failure(ec, detail);
}

void ClientImpl::protocol_failure(std::error_code ec, const std::string& detail) {
    if (!conn_) return;
    give_up_ = retry_cannot_help(ec);
    report_error(ec, "closing connection to " + conn_->remote() + ": " + detail);
    conn_->close(ec);
}

void ClientImpl::on_handshake(Connection&, std::string_view event, std::string_view msgpack_data) {
    // A node-ipc echo server sends our hello back: that is what a welcome is distinct from.
    if (event != welcome_event) return;
    const Negotiated result = handshake_.on_welcome(msgpack_data);
    if (result.error) return protocol_failure(result.error, result.detail);
    timer_.reset();  // cancels the wait for the welcome
    std::error_code topics_error;
    {
        std::lock_guard<ShortLock> lock(send_mutex_);
        if (result.native) {
            native_ = true;
            peer_deadlines_ = result.deadline;
        }
        server_takes_topics_ = result.takes_topics;
        // Subscriptions changed after the hello went out: the server hears of them now.
        if (server_takes_topics_ && topics_changed_) topics_error = send_topics_locked();
    }
    // Reported without the lock: error handlers may emit.
    if (topics_error) report_error(topics_error, "topics not sent: " + topics_error.message());
    if (result.native) {
        // Only an ipcxx peer answers pings (HeartbeatMode::ping); a JSON-wire link relies on the kernel's watch.
        if (conn_) conn_->start_heartbeat();
    }
    if (config_->wire == Wire::native && conn_) {
        conn_->open_outbox();
        connected_.store(true, std::memory_order_release);
        events_.publish("connect");
    }
}

std::error_code ClientImpl::subscribe(std::string_view prefix) {
    if (prefix.size() > config_->max_event_name_length) return make_error_code(errc::event_name_too_long);
    std::lock_guard<ShortLock> lock(send_mutex_);
    if (!topics_) topics_ = std::make_unique<std::vector<std::string>>();
    if (std::find(topics_->begin(), topics_->end(), prefix) != topics_->end()) return {};
    if (topics_->size() >= max_topics) return make_error_code(errc::invalid_argument);
    topics_->emplace_back(prefix);
    return send_topics_locked();
}

std::error_code ClientImpl::unsubscribe(std::string_view prefix) {
    std::lock_guard<ShortLock> lock(send_mutex_);
    if (!topics_) return {};
    const auto it = std::find(topics_->begin(), topics_->end(), prefix);
    if (it == topics_->end()) return {};
    topics_->erase(it);
    return send_topics_locked();
}

std::vector<std::string> ClientImpl::topics() const {
    std::lock_guard<ShortLock> lock(send_mutex_);
    return topics_ ? *topics_ : std::vector<std::string>();
}

std::error_code ClientImpl::send_topics_locked() {
    if (!server_takes_topics_) {
        // No link, or no welcome yet: the next hello carries them, or the welcome sends them.
        topics_changed_ = true;
        return {};
    }
    const std::string message = make_topics_message(*topics_);
    std::string frame;
    if (native_) {
        NativeFrame event;
        event.kind = FrameKind::event;
        event.name = topics_event;
        event.data = message;
        if (auto ec = append_native_frame(event, config_->max_message_size, frame)) return ec;
    } else if (auto ec = encode_protocol_event(topics_event, message, *config_, frame)) {
        return ec;
    }
    topics_changed_ = false;
    const Outbox::Push pushed = outbox_->push(frame);
    start_writing(pushed);
    return push_error(pushed);
}

void ClientImpl::disconnect() {
    std::uint64_t run;
    {
        std::lock_guard<ShortLock> lock(send_mutex_);
        next_run_.reset();
        run_ = Run::ending;
        run = run_id_;
    }
    asio::post(strand_, [self = shared_from_this(), run] {
        {
            // A run begun after this call (connect_to again) is not the one it ends.
            std::lock_guard<ShortLock> lock(self->send_mutex_);
            if (run != self->run_id_) return;
        }
        const ReconnectStep step = self->fsm_.on_disconnect();
        // A second call (the destructor after disconnect()) must not replace the first one's step
        // while the connection closes: that step reports the queue and publishes destroy.
        if (!step.publish_disconnect && !step.publish_destroy) {
            // The run had already ended (given up): nothing is to be published.
            if (!self->explicit_disconnect_) self->end_run();
            return;
        }
        self->timer_.reset();  // cancels its wait
        std::error_code ignored;
        if (self->socket_) self->socket_->close(ignored);
        if (self->tls_ && self->tls_->handshake) self->tls_->handshake->abort();
        if (self->conn_) {
            // Accounting is final only once the connection's write has completed.
            self->explicit_disconnect_ = step;
            self->conn_->close_gracefully(self->config_->disconnect_timeout);
            return;
        }
        self->apply(step);
    });
}

void ClientImpl::on_frame(Connection&, const NativeFrame& frame, const Payload& data) {
    switch (frame.kind) {
        case FrameKind::event:
            if (auto* lane = this->lane()) {
                asio::post(*lane, [self = shared_from_this(), name = std::string(frame.name), data] {
                    self->events_.run_guarded(name, [&] { self->events_.publish_message(name, data, nullptr); });
                });
            } else {
                events_.publish_message(frame.name, data, nullptr);
            }
            break;
        case FrameKind::request: {
            ReceivedRequest received{frame.id, link_.load(std::memory_order_relaxed), std::string(frame.name), data,
                                     Socket(), frame.timeout_ms};
            Served& served = this->served();
            serve_request(served.handlers, served.active, shared_from_this(), std::move(received), strand_,
                          offload_ != nullptr);
            break;
        }
        case FrameKind::cancel:
            if (auto* served = made_served()) {
                if (auto state = served->active.take(link_.load(std::memory_order_relaxed), frame.id)) {
                    state->cancel(make_error_code(errc::request_cancelled));
                }
            }
            break;
        case FrameKind::response:
        case FrameKind::error_response:
            if (auto* pending = made_pending()) pending->complete(frame.id, response_from(frame));
            break;
        case FrameKind::ping:
        case FrameKind::pong: return;
    }
    release_held();  // after the handlers, as node-ipc 14 does
}

void ClientImpl::on_raw_data(Connection&, std::string_view bytes) {
    events_.publish_message("data", bytes_payload(bytes), nullptr);
    release_held();
}

void ClientImpl::on_input_error(Connection& conn, std::error_code ec, const std::string& detail) {
    // A server that stalled, went silent or sent bad input may be fine after a reconnect (fixed,
    // restarted): the retry rules apply.
    give_up_ = retry_cannot_help(ec);
    report_error(ec, "closing connection to " + conn.remote() + ": " + detail);
}

void ClientImpl::on_write_result(Connection&, const Outbox::Completion& result) {
    if (result.undelivered > 0) {
        report_error(make_error_code(errc::undelivered),
                     std::to_string(result.undelivered) + " message(s) not delivered", result.undelivered);
    }
    if (result.drained) events_.publish("drain");
}

void ClientImpl::on_closed(Connection&, std::error_code reason) {
    if (is_certificate_error(reason)) {
        // TLS 1.3 servers judge a client's certificate after the client's handshake is done.
        give_up_ = true;
        report_error(reason, "the server refused this client's TLS certificate: " + reason.message());
    }
    conn_.reset();
    connected_.store(false, std::memory_order_release);
    const std::uint64_t link = link_.exchange(0, std::memory_order_acq_rel);
    if (auto* served = made_served()) {
        for (const auto& state : served->active.take_link(link)) state->cancel(make_error_code(errc::connection_lost));
    }
    timer_.reset();  // cancels its wait
    // Requests already on the socket cannot be answered on another connection; the others wait.
    const std::uint64_t written = outbox_->written_count();
    if (auto* pending = made_pending()) {
        pending->fail_where(
            [written](std::uint64_t, std::uint64_t sequence) { return sequence != 0 && sequence <= written; },
            make_error_code(errc::connection_lost), "connection closed before the response arrived");
    }
    if (explicit_disconnect_) {
        const ReconnectStep step = *explicit_disconnect_;
        explicit_disconnect_.reset();
        return apply(step);
    }
    const CloseCause cause = give_up_ ? CloseCause::permanent : CloseCause::closed;
    give_up_ = false;
    handle_closed(cause);
}

void ClientImpl::handle_closed(CloseCause cause) {
    connected_.store(false, std::memory_order_release);
    apply(fsm_.on_closed(cause));
}

void ClientImpl::apply(const ReconnectStep& step) {
    if (step.publish_disconnect) events_.publish("disconnect");
    if (step.publish_destroy) return finish();
    if (step.reconnect) {
        timer().expires_after(step.delay);
        timer_->async_wait(asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec) {
            if (!ec && self->fsm_.on_timer()) self->attempt();
        }));
    }
}

void ClientImpl::finish() {
    std::size_t lost = outbox_->close();
    if (sync_) {
        std::lock_guard<std::mutex> lock(sync_->mutex);
        lost += sync_->gate.clear();
    }
    if (auto* pending = made_pending()) {
        pending->fail_where([](std::uint64_t, std::uint64_t) { return true; }, make_error_code(errc::not_connected),
                            "client destroyed before the response arrived");
    }
    if (lost > 0) {
        report_error(make_error_code(errc::undelivered),
                     std::to_string(lost) + " message(s) to '" + server_id_ + "' not delivered: client destroyed",
                     lost);
    }
    // Before `destroy`, so that a connect_to made by its handlers, or by a thread that saw it,
    // begins at once.
    end_run();
    events_.publish("destroy");
}

void ClientImpl::report_error(std::error_code ec, std::string message, std::size_t undelivered) {
    ErrorEvent error;
    error.code = ec;
    error.message = std::move(message);
    error.undelivered = undelivered;
    events_.publish_error(std::move(error));
}

}  // namespace ipcxx::detail
