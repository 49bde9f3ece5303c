// The server layer (listeners, connections, fan-out): where it sits among the layers and its threading are in docs/ARCHITECTURE.md.
#include "server/server_impl.hpp"

#include <algorithm>

#include <asio/bind_executor.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>

#include "codec/event_names.hpp"
#include "codec/handshake.hpp"
#include "connection/message_encoder.hpp"
#include "connection/raw_write.hpp"
#include "payload_data.hpp"
#include "server/stream_link.hpp"
#include "ipcxx/error.hpp"
#include "transport/peer_credentials.hpp"

namespace ipcxx::detail {

ServerImpl::ServerImpl(asio::io_context& io, Config config, std::shared_ptr<void> io_keepalive)
    : io_(io), io_keepalive_(std::move(io_keepalive)), config_holder_((config.validate(), std::make_shared<const Config>(std::move(config)))),
      config_(*config_holder_), threads_(io, io_keepalive_, config_.io_threads, config_.busy_poll), events_(Side::server, config_), strand_(asio::make_strand(io)),
      pending_(std::make_shared<PendingRequests>(strand_, [this](const std::string& what) {
          report_error(make_error_code(errc::handler_exception), "response handler threw: " + what);
      }, [this](RequestId id, std::uint64_t serial) { send_cancel(id, serial); })),
      pool_(config_.handler_threads > 0 ? HandlerPool::start(config_.handler_threads) : nullptr),
      acceptor_(io) {}

ServerImpl::~ServerImpl() { finish_handlers(); }

void ServerImpl::finish_handlers() {
    if (pool_) pool_->finish();
}

std::shared_ptr<ServerConnection> ServerImpl::find_connection(std::uint64_t serial) const {
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = connections_.find(serial);
    return it == connections_.end() ? nullptr : it->second;
}

template <class F>
void ServerImpl::on_lane(ServerConnection& conn, F&& f) {
    if (!conn.handler_lane()) return f();
    asio::post(*conn.handler_lane(), [self = shared_from_this(), f = std::forward<F>(f)]() mutable {
        self->events_.run_guarded("handler", f);
    });
}

std::error_code ServerImpl::send_reply(std::uint64_t link, const NativeFrame& response) {
    const auto conn = find_connection(link);
    return conn ? conn->send(response) : make_error_code(errc::not_connected);
}

void ServerImpl::report_error(std::error_code ec, std::string message, Socket socket, std::size_t undelivered,
                              std::string event) {
    ErrorEvent error;
    error.code = ec;
    error.message = std::move(message);
    error.event = std::move(event);
    error.undelivered = undelivered;
    error.socket = std::move(socket);
    events_.publish_error(std::move(error));
}

void ServerImpl::reply_undelivered(const ReceivedRequest& request, std::error_code ec) {
    asio::post(strand_, [self = shared_from_this(), error = undelivered_reply(request, ec)]() mutable {
        self->events_.publish_error(std::move(error));
    });
}

void ServerImpl::reply_dropped(const ReceivedRequest&) { dropped_replies_.fetch_add(1, std::memory_order_relaxed); }

void ServerImpl::forget(std::uint64_t link, RequestId id) { active_.forget(link, id); }

void ServerImpl::run_handler(std::uint64_t link, std::function<void()> f) {
    const auto conn = find_connection(link);
    const Strand lane = conn ? (conn->handler_lane() ? *conn->handler_lane() : conn->strand()) : strand_;
    asio::post(lane, [self = shared_from_this(), f = std::move(f)] { self->events_.run_guarded("handler", f); });
}

void ServerImpl::send_cancel(RequestId id, std::uint64_t serial) {
    const auto conn = find_connection(serial);
    if (!conn) return;
    Outgoing cancel;
    cancel.kind = FrameKind::cancel;
    cancel.id = id;
    conn->send(cancel);  // best effort: the client's answer, if any, is ignored either way
}

std::error_code ServerImpl::listen(const Target& target, std::string& detail) {
    std::lock_guard<std::mutex> lock(acceptor_mutex_);
    if (running()) {
        detail = "server is already listening on " + target_->describe() + "; stop() it first";
        return make_error_code(errc::invalid_argument);
    }
    std::shared_ptr<TlsContext> context;
    if (target.kind == Target::Kind::tcp && config_.tls.enabled) {
        if (auto ec = make_tls_context(config_.tls, TlsRole::server, context, detail)) return ec;
    }
    Listening listening;
    if (auto ec = ipcxx::detail::listen(acceptor_, target, config_, listening, detail)) return ec;
    {
        std::lock_guard<std::mutex> guard(mutex_);
        tls_context_ = std::move(context);
        target_ = target;
        // start() after stop() listens on the same port, not on another free one.
        if (target_->kind == Target::Kind::tcp) target_->port = listening.port;
        listening_ = listening;
    }
    running_.store(true, std::memory_order_release);
    const std::uint64_t generation = ++generation_;
    do_accept(generation);
    asio::post(strand_, [self = shared_from_this()] { self->events_.publish("start"); });
    return {};
}

void ServerImpl::add_stream(Stream stream, const std::string& remote) {
    add_connection(generation_now(), threads_.next(), std::move(stream), remote, {});
}

std::error_code ServerImpl::restart(std::string& detail) {
    std::optional<Target> target;
    {
        std::lock_guard<std::mutex> guard(mutex_);
        target = target_;
    }
    if (!target) {
        target = Target::unix_socket(config_.socket_path(config_.id));
    }
    return listen(*target, detail);
}

void ServerImpl::do_accept(std::uint64_t generation) {
    // Called with acceptor_mutex_ held. The socket is made on the acceptor's io_context: one of
    // another thread's, pending here, could outlive that thread's io_context at shutdown.
    Strand conn_strand = asio::make_strand(io_);
    acceptor_.async_accept(conn_strand,
                           asio::bind_executor(strand_, [self = shared_from_this(), generation, conn_strand](
                                                            std::error_code ec, GenericSocket socket) {
                               self->on_accept(generation, conn_strand, ec, std::move(socket));
                           }));
}

void ServerImpl::on_accept(std::uint64_t generation, const Strand& strand, std::error_code ec, GenericSocket socket) {
    {
        std::lock_guard<std::mutex> lock(acceptor_mutex_);
        if (generation != generation_ || !running()) return;
        if (ec == asio::error::operation_aborted) return;
        // Keep accepting whatever happens to this one (EMFILE and the like are transient).
        do_accept(generation);
    }
    // No lock is held from here on: handlers may call stop().
    if (ec) return report_error(ec, "accept failed: " + ec.message());
    std::error_code ignored;
    const auto remote_endpoint = socket.remote_endpoint(ignored);
    const std::string remote = describe_endpoint(remote_endpoint, path());
    std::size_t open_count;
    {
        std::lock_guard<std::mutex> guard(mutex_);
        open_count = connections_.size();
    }
    if (open_count >= config_.max_connections) {
        // node-ipc's semantics: the kernel accepted it; close it at once, without a `connect`.
        return refuse(socket, make_error_code(errc::max_connections),
                      "connection from " + remote + " closed: max_connections (" +
                          std::to_string(config_.max_connections) + ") reached");
    }
    PeerIdentity peer;
    if (!is_tcp(remote_endpoint)) peer.credentials = peer_credentials(socket.native_handle());
    if (auto refusal = check_allowed_uid(peer)) return refuse(socket, make_error_code(errc::peer_not_allowed), *refusal);
    set_close_on_exec(socket.native_handle());
    ConnectionThreads::Place place{strand, io_keepalive_};
    if (threads_.size() > 1) {
        place = threads_.next();
        if (auto moved = ConnectionThreads::move_to(socket, place.strand)) {
            return refuse(socket, moved, "connection from " + remote + " not placed on an I/O thread: " + moved.message());
        }
    }
    if (!is_tcp(remote_endpoint)) {
        prepare_unix(socket, config_);
        return add_connection(generation, place, Stream(std::move(socket)), remote, std::move(peer));
    }
    prepare_tcp(socket, config_);
    std::shared_ptr<TlsContext> context = tls_context();
    if (!context) return add_connection(generation, place, Stream(std::move(socket)), remote, std::move(peer));
    auto tls = make_tls_handshake(std::move(socket), std::move(context), TlsRole::server);
    const TlsHandshake* key = tls.get();
    {
        std::lock_guard<std::mutex> guard(mutex_);
        handshakes_.emplace(key, tls);
    }
    // `connect` and the first message wait for the handshake; a failed one never becomes a connection.
    tls->start(config_.handshake_timeout, [self = shared_from_this(), generation, place, remote, key](
                                              std::error_code ec, std::string detail, std::optional<TlsLink> link) {
        {
            std::lock_guard<std::mutex> guard(self->mutex_);
            self->handshakes_.erase(key);
        }
        if (generation != self->generation_now()) return;  // stopped meanwhile
        if (ec) return self->report_error(ec, "TLS handshake with " + remote + " failed: " + detail);
        PeerIdentity identity;
        if (link->peer_certificate) {
            identity.certificate = std::make_shared<const CertificateIdentity>(std::move(*link->peer_certificate));
        }
        self->add_connection(generation, place, std::move(link->stream), remote, std::move(identity));
    });
}

void ServerImpl::add_connection(std::uint64_t generation, const ConnectionThreads::Place& place, Stream stream,
                                const std::string& remote, PeerIdentity peer) {
    const Strand& strand = place.strand;
    auto conn = std::make_shared<ServerConnection>(
        strand, std::move(stream), std::make_shared<Outbox>(config_.max_pending_bytes, Outbox::OnFailure::drop),
        weak_from_this(), config_holder_, place.keepalive, next_serial_.fetch_add(1), remote, std::move(peer), pool_);
    {
        // Under the acceptor lock, so that a concurrent stop() either sees this connection or
        // makes us drop it.
        std::lock_guard<std::mutex> lock(acceptor_mutex_);
        if (generation != generation_) return;
        std::lock_guard<std::mutex> guard(mutex_);
        connections_.emplace(conn->serial(), conn);
        subscribers_.reset();
    }
    // On the connection's strand, where its reads complete: no message is dispatched before `connect`.
    asio::post(strand, [self = shared_from_this(), conn] {
        // Started first so that the `connect` handler can emit.
        conn->start();
        if (conn->connect_gate.on_start()) {
            self->announce(*conn);
            return;
        }
        if (!conn->connect_gate.waits_for_timeout()) return;
        // A weak owner, as a connection may outlive its server.
        conn->wait_for_identity(self->config_.handshake_timeout,
                                [weak = std::weak_ptr<ServerImpl>(self)](ServerConnection& waiting) {
                                    if (auto owner = weak.lock()) owner->on_identity_timeout(waiting);
                                });
    });
}

bool ServerImpl::judge(ServerConnection& conn, bool said_hello) {
    if (conn.admitted() || admit(conn, said_hello)) return true;
    conn.connect_gate.on_refused();
    return false;
}

bool ServerImpl::announce(ServerConnection& conn, bool said_hello) {
    if (!judge(conn, said_hello)) return false;
    publish_connect(conn);
    return true;
}

void ServerImpl::publish_connect(ServerConnection& conn) {
    conn.stop_waiting_for_identity();
    on_lane(conn, [this, handle = conn.handle()]() mutable { events_.publish("connect", &handle); });
}

bool ServerImpl::admit(ServerConnection& conn, bool said_hello) {
    PeerHello hello;
    hello.said_hello = said_hello;
    hello.id = conn.peer_id();
    hello.remote_address = conn.remote();
    hello.credentials = conn.peer().credentials;
    if (conn.peer().certificate) hello.certificate = *conn.peer().certificate;
    std::string why = "refused by the authenticate hook";
    bool accepted = false;
    try {
        accepted = config_.authenticate(hello);
    } catch (const std::exception& e) {
        why = std::string("authenticate hook threw: ") + e.what();
    } catch (...) {
        why = "authenticate hook threw";
    }
    if (accepted) {
        conn.set_admitted(true);
        return true;
    }
    const auto ec = make_error_code(errc::authentication_refused);
    on_input_error(conn, ec, (hello.id.empty() ? std::string() : "client '" + hello.id + "' ") + why);
    conn.close(ec);
    return false;
}

std::uint64_t ServerImpl::generation_now() const {
    std::lock_guard<std::mutex> lock(acceptor_mutex_);
    return generation_;
}

std::shared_ptr<TlsContext> ServerImpl::tls_context() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return tls_context_;
}

void ServerImpl::refuse(GenericSocket& socket, std::error_code ec, std::string message) {
    std::error_code ignored;
    socket.close(ignored);
    report_error(ec, std::move(message));
}

std::optional<std::string> ServerImpl::check_allowed_uid(const PeerIdentity& peer) const {
    // allowed_uids speaks about Unix-socket clients only: a TCP peer has no uid to check.
    if (config_.allowed_uids.empty() || !peer.credentials) return std::nullopt;
    const auto& allowed = config_.allowed_uids;
    if (std::find(allowed.begin(), allowed.end(), peer.credentials->uid) != allowed.end()) return std::nullopt;
    return "connection from uid " + std::to_string(peer.credentials->uid) + " (pid " +
           std::to_string(peer.credentials->pid) + ") refused: uid not in allowed_uids";
}

void ServerImpl::stop() {
    {
        std::lock_guard<std::mutex> lock(acceptor_mutex_);
        running_.store(false, std::memory_order_release);
        ++generation_;
        std::error_code ignored;
        acceptor_.close(ignored);
        remove_socket_file(listening_);
        std::lock_guard<std::mutex> guard(mutex_);
        listening_ = Listening{};
    }
    // Every connection, also those accepted but not yet started (sockets() lists open ones only),
    // and TLS handshakes in progress (closed on their own strands).
    std::vector<std::shared_ptr<ServerConnection>> all;
    {
        std::lock_guard<std::mutex> guard(mutex_);
        for (const auto& entry : connections_) all.push_back(entry.second);
        for (const auto& entry : handshakes_) {
            if (auto tls = entry.second.lock()) tls->abort();
        }
    }
    for (const auto& conn : all) conn->close();
}

std::string ServerImpl::describe() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return target_ ? target_->describe() : std::string();
}

std::string ServerImpl::path() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return listening_.unix_path;
}

std::uint16_t ServerImpl::port() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return listening_.port;
}

std::vector<Socket> ServerImpl::sockets() {
    std::vector<Socket> out;
    std::lock_guard<std::mutex> guard(mutex_);
    out.reserve(connections_.size());
    for (const auto& entry : connections_) {
        if (entry.second->open() && entry.second->admitted()) out.push_back(entry.second->handle());
    }
    return out;
}

std::shared_ptr<const ServerImpl::Subscribers> ServerImpl::broadcast_targets() {
    std::lock_guard<std::mutex> guard(mutex_);
    if (!subscribers_) {
        auto all = std::make_shared<Subscribers>();
        all->reserve(connections_.size());
        for (const auto& entry : connections_) all->push_back(entry.second);
        subscribers_ = std::move(all);
    }
    return subscribers_;
}

template <class FrameFor>
BroadcastResult ServerImpl::push_to_all(std::string_view label, bool by_topic, FrameFor&& frame_for) {
    const auto targets = broadcast_targets();
    BroadcastResult result;
    WriteStarts starts;
    std::error_code refusal;  // set by frame_for only when it fails: no error_code made per subscriber
    const auto now = OverflowMonitor::Clock::now();
    const auto count = static_cast<std::uint32_t>(targets->size());
    for (std::uint32_t i = 0; i < count; ++i) {
        ServerConnection& conn = *(*targets)[i];
        // Subscribers of other topics are left out before any encoding is done for them.
        if (!conn.admitted() || (by_topic && !conn.wants(label))) continue;
        std::string_view frame;
        if (!frame_for(conn, frame, refusal)) {
            ++result.refused;
            if (!result.error) result.error = refusal;
            report_later(conn, refusal,
                         "broadcast '" + std::string(label) + "' not queued for " + conn.remote() + ": " +
                             refusal.message(),
                         1, std::string(label));
            continue;
        }
        const ServerConnection::BroadcastPush push = conn.push_broadcast(frame, now);
        switch (push.outcome) {
            case ServerConnection::BroadcastPush::Outcome::closed: break;
            case ServerConnection::BroadcastPush::Outcome::queued: ++result.queued; break;
            case ServerConnection::BroadcastPush::Outcome::dropped: ++result.dropped; break;
            case ServerConnection::BroadcastPush::Outcome::refused:
                // A full queue: counted, and reported coalesced (the verdict below).
                ++result.refused;
                if (!result.error) result.error = make_error_code(errc::queue_full);
                break;
        }
        // As Connection::push_frame would, but one task per I/O thread for all of this broadcast's
        // writers; a handler of this very connection writes at the end of its batch anyway.
        if (push.start_write && !conn.defer_write_to_batch_end()) {
            starts.add(conn.strand().get_inner_executor().context(), i);
        }
        if (push.verdict.report > 0) report_overflow(conn, push.verdict.report);
        if (push.verdict.disconnect) disconnect_slow(conn);
    }
    starts.post(targets);
    return result;
}

void ServerImpl::report_later(ServerConnection& conn, std::error_code ec, std::string message, std::size_t count,
                              std::string event) {
    // On the connection's strand, never inside the broadcasting caller.
    asio::post(conn.strand(), [self = shared_from_this(), ec, message = std::move(message), count,
                               event = std::move(event), handle = conn.handle()]() mutable {
        self->report_error(ec, std::move(message), std::move(handle), count, std::move(event));
    });
}

void ServerImpl::report_overflow(ServerConnection& conn, std::size_t count) {
    report_later(conn, overflow_code(),
                 overflow_message(conn, count) + ": its send queue is over max_pending_bytes (slow_subscriber policy " +
                     policy_name(config_.slow_subscriber.policy) + ")",
                 count);
}

std::error_code ServerImpl::overflow_code() const {
    const bool refuse = config_.slow_subscriber.policy == SlowSubscriberPolicy::refuse;
    return make_error_code(refuse ? errc::queue_full : errc::messages_dropped);
}

std::string ServerImpl::overflow_message(ServerConnection& conn, std::size_t count) {
    const bool refuse = config_.slow_subscriber.policy == SlowSubscriberPolicy::refuse;
    return std::to_string(count) + " broadcast message(s) to " + describe_subscriber(conn) +
           (refuse ? " refused" : " dropped") + " since the last report";
}

std::string ServerImpl::describe_subscriber(ServerConnection& conn) {
    const std::string id = conn.peer_id();
    return "socket " + std::to_string(conn.serial()) + " (" + conn.remote() + (id.empty() ? "" : ", id '" + id + "'") + ")";
}

void ServerImpl::disconnect_slow(ServerConnection& conn) {
    const auto ec = make_error_code(errc::subscriber_too_slow);
    report_later(conn, ec,
                 "disconnecting " + describe_subscriber(conn) + ": its send queue stayed over max_pending_bytes for " +
                     std::to_string(config_.slow_subscriber.disconnect_after.count()) +
                     " ms (slow_subscriber.disconnect_after)",
                 0);
    conn.close(ec);
}

BroadcastResult ServerImpl::broadcast(std::string_view event, std::string_view msgpack_data) {
    BroadcastResult failed;
    if (config_.raw_buffer) {  // no frames: broadcast_raw()
        failed.error = make_error_code(errc::invalid_argument);
        return failed;
    }
    // Encoded once per wire in use: node-ipc clients get the JSON frame, ipcxx clients the native
    // one. The server's own wire is encoded first, so that a broadcast it refuses fails as a whole;
    // a native server has no JSON clients at all.
    std::string& first = encode_buffer();
    std::string second;
    std::string detail;
    const bool native_first = config_.wire == Wire::native;
    if ((failed.error = encode_event(event, msgpack_data, native_first, config_, first, detail))) return failed;
    return push_to_all(event, true, [&](ServerConnection& conn, std::string_view& frame, std::error_code& error) {
        if (conn.native() == native_first) {
            frame = first;
            return true;
        }
        if (second.empty()) {
            if ((error = encode_event(event, msgpack_data, !native_first, config_, second, detail))) return false;
        }
        frame = second;
        return true;
    });
}

BroadcastResult ServerImpl::broadcast_raw(std::string_view bytes) {
    BroadcastResult failed;
    if ((failed.error = check_raw_write(bytes, config_))) return failed;
    return push_to_all("data", false, [&](ServerConnection&, std::string_view& frame, std::error_code&) {
        frame = bytes;
        return true;
    });
}

std::error_code ServerImpl::emit_to(std::string_view client_id, std::string_view event,
                                    std::string_view msgpack_data) {
    for (const Socket& socket : sockets()) {
        if (socket.id() == client_id) return socket.emit_packed(event, msgpack_data);
    }
    return make_error_code(errc::not_connected);
}

RequestId ServerImpl::request(const Socket& to, std::string_view event, std::string_view msgpack_args,
                              std::chrono::milliseconds timeout, ResponseHandler on_response) {
    const RequestId id = pending_->next_id();
    pending_->add(id, to.serial(), std::move(on_response), timeout);
    Outgoing message;
    message.kind = FrameKind::request;
    message.id = id;
    message.name = event;
    message.data = msgpack_args;
    message.timeout_ms = static_cast<std::uint64_t>(timeout.count());
    const auto conn = connection_of(to);
    const auto ec = conn ? conn->send(message) : make_error_code(errc::not_connected);
    if (ec) pending_->complete_later(id, failure(ec, "request '" + std::string(event) + "' not sent: " + ec.message()));
    return id;
}

std::error_code ServerImpl::peer_at(const std::string&, std::uint16_t, Socket&, std::string&) {
    return make_error_code(errc::not_connected);
}

bool ServerImpl::accept_without_hello(ServerConnection& conn) {
    if (!conn.handshake.awaiting_hello()) return true;
    std::string detail;
    if (auto ec = conn.handshake.on_first_frame_without_hello(&detail)) {
        on_input_error(conn, ec, detail);
        conn.close(ec);
        return false;
    }
    return true;
}

void ServerImpl::on_frame(Connection& link, const NativeFrame& frame, const Payload& data) {
    ServerConnection& conn = ServerConnection::of(link);
    if (!accept_without_hello(conn)) return;
    if (conn.connect_gate.on_first_frame() && !announce(conn)) return;
    switch (frame.kind) {
        case FrameKind::event:
            if (conn.handler_lane()) {
                return on_lane(conn, [this, name = std::string(frame.name), data, handle = conn.batch_handle()]() mutable {
                    events_.publish_message(name, data, &handle);
                });
            }
            return events_.publish_message(frame.name, data, &conn.batch_handle());
        case FrameKind::request: return serve(conn, frame, data);
        case FrameKind::cancel:
            if (auto state = active_.take(conn.serial(), frame.id)) state->cancel(make_error_code(errc::request_cancelled));
            return;
        case FrameKind::response:
        case FrameKind::error_response:
            // The server's requests live on strand_ (their timers, their callbacks); with one I/O
            // thread this connection's strand runs on the same thread, else the answer goes there.
            if (threads_.size() > 1) return pending_->complete_later(frame.id, response_from(frame));
            pending_->complete(frame.id, response_from(frame));
            return;
        case FrameKind::ping:
        case FrameKind::pong: return;
    }
}

void ServerImpl::serve(ServerConnection& conn, const NativeFrame& request, const Payload& args) {
    ReceivedRequest received{request.id, conn.serial(), std::string(request.name), args, conn.handle(),
                             request.timeout_ms};
    serve_request(request_handlers_, active_, shared_from_this(), std::move(received), conn.strand(),
                  conn.handler_lane().has_value());
}

void ServerImpl::on_handshake(Connection& link, std::string_view event, std::string_view msgpack_data) {
    ServerConnection& conn = ServerConnection::of(link);
    if (event == topics_event) return on_topics(conn, msgpack_data);
    if (event != hello_event) return;  // a welcome means nothing to a server
    auto result = conn.handshake.on_hello(msgpack_data);
    if (result.error) {
        on_input_error(conn, result.error, result.detail);
        return conn.close(result.error);
    }
    if (result.topics && !accept_topics(conn, std::move(*result.topics))) return;
    conn.set_peer_id(result.peer_id);
    conn.set_peer_takes_deadlines(result.deadline);
    // A hello after handshake_timeout still sets the id and the wire, but `connect` was published.
    const bool due = conn.connect_gate.on_first_frame();
    if (due && !judge(conn, true)) return;
    add_worker(conn, std::move(result.handles));
    std::string frame;
    encode_protocol_event(welcome_event, result.welcome, config_, frame);
    conn.send_control(frame);
    // Before `connect`, so that its handler sees the wire the client will be sent.
    if (result.native) conn.use_native();
    if (due) publish_connect(conn);
}

void ServerImpl::on_topics(ServerConnection& conn, std::string_view msgpack_data) {
    std::vector<std::string> topics;
    std::string detail;
    if (auto ec = parse_topics_message(msgpack_data, topics, &detail)) {
        on_input_error(conn, ec, detail);
        return conn.close(ec);
    }
    accept_topics(conn, std::move(topics));
}

bool ServerImpl::accept_topics(ServerConnection& conn, std::vector<std::string> topics) {
    for (const std::string& topic : topics) {
        std::string detail;
        if (auto ec = check_received_name_length(config_, topic, detail)) {
            on_input_error(conn, ec, "topic: " + detail);
            conn.close(ec);
            return false;
        }
    }
    conn.set_topics(std::move(topics));
    return true;
}

void ServerImpl::on_identity_timeout(ServerConnection& conn) {
    if (conn.connect_gate.on_timeout()) announce(conn);
}

void ServerImpl::on_raw_data(Connection& conn, std::string_view bytes) {
    Socket handle = ServerConnection::of(conn).handle();
    events_.publish_message("data", bytes_payload(bytes), &handle);
}

void ServerImpl::on_input_error(Connection& conn, std::error_code ec, const std::string& detail) {
    report_error(ec, "closing connection " + conn.remote() + ": " + detail, ServerConnection::of(conn).handle());
}

void ServerImpl::on_write_result(Connection& link, const Outbox::Completion& result) {
    ServerConnection& conn = ServerConnection::of(link);
    if (result.drained) {
        Socket handle = conn.handle();
        events_.publish("socket.drain", &handle);
    }
    if (result.undelivered == 0) return;
    report_error(make_error_code(errc::undelivered),
                 std::to_string(result.undelivered) + " message(s) to " + conn.remote() + " not delivered",
                 conn.handle(), result.undelivered);
}

void ServerImpl::on_closed(Connection& link, std::error_code reason) {
    ServerConnection& conn = ServerConnection::of(link);
    const std::size_t lost = conn.outbox().close();
    const std::uint64_t serial = conn.serial();
    for (const auto& state : active_.take_link(serial)) state->cancel(make_error_code(errc::connection_lost));
    remove_worker(serial);
    // The server's requests live on strand_: from another I/O thread their end is posted there.
    auto fail_requests = [pending = pending_, serial, remote = conn.remote()] {
        pending->fail_where([serial](std::uint64_t link, std::uint64_t) { return link == serial; },
                            make_error_code(errc::connection_lost),
                            "connection to " + remote + " closed before the response arrived");
    };
    if (threads_.size() > 1) {
        asio::post(strand_, std::move(fail_requests));
    } else {
        fail_requests();
    }
    {
        std::lock_guard<std::mutex> guard(mutex_);
        connections_.erase(conn.serial());
        subscribers_.reset();
    }
    Socket handle = conn.handle();
    if (const std::size_t held = conn.take_unreported_drops()) {
        report_error(overflow_code(),
                     overflow_message(conn, held) + " (slow_subscriber policy " +
                         policy_name(config_.slow_subscriber.policy) + "); the connection closed",
                     handle, held);
    }
    if (lost > 0) {
        report_error(make_error_code(errc::undelivered),
                     std::to_string(lost) + " message(s) to " + conn.remote() + " not delivered: connection closed" +
                         (reason ? " (" + reason.message() + ")" : ""),
                     handle, lost);
    }
    // Only a connection that had its `connect` gets its `socket.disconnected`.
    const bool announced = conn.connect_gate.announced();
    conn.connect_gate.on_closed();
    if (announced) {
        on_lane(conn, [this, handle]() mutable { events_.publish("socket.disconnected", &handle); });
    }
}

}  // namespace ipcxx::detail
