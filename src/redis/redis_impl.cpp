#include "redis/redis_impl.hpp"

#include <exception>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

#include "codec/resp_encode.hpp"
#include "ipcxx/error.hpp"
#include "redis/redis_handshake.hpp"
#include "transport/endpoint.hpp"
#include "transport/tls.hpp"

namespace ipcxx::detail {
namespace {
// The client whose reply callback this thread is running, if any: what that callback sends is
// written before the next reply is handled.
thread_local const RedisImpl* replying_on_this_thread = nullptr;
}  // namespace

namespace redis_impl_parts {

std::string encode(const std::vector<std::string>& args) {
    std::string bytes;
    append_resp_command(args, bytes);
    return bytes;
}

// EVALSHA sha numkeys keys... args..., or EVAL text numkeys keys... args...
std::string encode_script(const std::string& verb, const std::string& script, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args) {
    std::vector<std::string_view> parts;
    parts.reserve(3 + keys.size() + args.size());
    const std::string count = std::to_string(keys.size());
    parts.push_back(verb);
    parts.push_back(script);
    parts.push_back(count);
    for (const auto& key : keys) parts.push_back(key);
    for (const auto& arg : args) parts.push_back(arg);
    std::string bytes;
    append_resp_command(parts, bytes);
    return bytes;
}

std::string describe(std::error_code ec, const std::string& detail) {
    return detail.empty() ? ec.message() : ec.message() + ": " + detail;
}

}  // namespace redis_impl_parts

std::shared_ptr<RedisImpl> RedisImpl::create(std::shared_ptr<IoThread> thread, asio::io_context& io,
                                             RedisOptions options, std::optional<SubscribeMode> subscribe,
                                             std::string what) {
    std::shared_ptr<RedisImpl> impl(
        new RedisImpl(std::move(thread), io, std::move(options), std::move(subscribe), std::move(what)));
    return impl;
}

RedisImpl::RedisImpl(std::shared_ptr<IoThread> thread, asio::io_context& io, RedisOptions options,
                     std::optional<SubscribeMode> subscribe, std::string what)
    : thread_(std::move(thread)),
      io_(io),
      strand_(asio::make_strand(io)),
      options_(std::move(options)),
      subscribe_(std::move(subscribe)),
      what_(std::move(what)),
      commands_(options_.max_pending_bytes),
      fsm_(BackoffSettings{options_.retry, options_.retry_max, 0.1}, options_.max_retries,
           reinterpret_cast<std::uintptr_t>(this)),
      connect_timer_(strand_),
      retry_timer_(strand_),
      timeout_timer_(strand_) {
    url_error_ = parse_redis_url(options_.url, url_, url_detail_);
}

RedisImpl::~RedisImpl() = default;

void RedisImpl::start() {
    if (started_.exchange(true)) return;
    asio::post(strand_, [self = shared_from_this()] { self->begin_attempt(); });
}

bool RedisImpl::on_io_thread() const noexcept {
    if (thread_) return thread_->in_this_thread();
    return io_.get_executor().running_in_this_thread();
}

// ---- callbacks -------------------------------------------------------------------------------

void RedisImpl::on_connect(std::function<void()> handler) {
    std::lock_guard<std::recursive_mutex> lock(callback_mutex_);
    on_connect_ = std::move(handler);
}

void RedisImpl::on_disconnect(std::function<void(std::error_code)> handler) {
    std::lock_guard<std::recursive_mutex> lock(callback_mutex_);
    on_disconnect_ = std::move(handler);
}

void RedisImpl::on_error(std::function<void(std::error_code, const std::string&)> handler) {
    std::lock_guard<std::recursive_mutex> lock(callback_mutex_);
    on_error_ = std::move(handler);
}

void RedisImpl::run_callback(const std::function<void()>& call, const char* what) {
    std::lock_guard<std::recursive_mutex> lock(callback_mutex_);
    if (callbacks_closed_) return;
    try {
        call();
    } catch (const std::exception& e) {
        emit_error(make_error_code(errc::handler_exception), what_ + ": " + what + " threw: " + e.what());
    } catch (...) {
        emit_error(make_error_code(errc::handler_exception), what_ + ": " + what + " threw");
    }
}

void RedisImpl::emit_error(std::error_code ec, const std::string& message) {
    std::lock_guard<std::recursive_mutex> lock(callback_mutex_);
    if (callbacks_closed_ || !on_error_) return;
    // An error handler that throws has nowhere left to report to: the I/O thread must go on.
    try {
        on_error_(ec, message);
    } catch (...) {
    }
}

void RedisImpl::emit_disconnect(std::error_code ec) {
    run_callback([&] {
        if (on_disconnect_) on_disconnect_(ec);
    }, "the disconnect handler");
}

void RedisImpl::deliver(RedisCommand& command, std::error_code ec, RedisReply reply) {
    if (!command.on_reply) return;
    run_callback([&] { command.on_reply(ec, std::move(reply)); }, "a reply handler");
}

// ---- commands from any thread ------------------------------------------------------------------

void RedisImpl::command(std::vector<std::string> args, RedisReplyHandler on_reply) {
    RedisCommand command;
    command.on_reply = std::move(on_reply);
    if (args.empty()) {
        std::vector<RedisCommand> refused;
        refused.push_back(std::move(command));
        end_later(std::move(refused), make_error_code(errc::invalid_argument));
        return;
    }
    command.bytes = redis_impl_parts::encode(args);
    submit(std::move(command));
}

void RedisImpl::eval(const RedisScript& script, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args, RedisReplyHandler on_reply) {
    RedisCommand command;
    command.on_reply = std::move(on_reply);
    command.bytes = redis_impl_parts::encode_script("EVALSHA", script.sha1, keys, args);
    command.fallback = redis_impl_parts::encode_script("EVAL", script.text, keys, args);
    submit(std::move(command));
}

void RedisImpl::send_encoded(std::string bytes) {
    RedisCommand command;
    command.bytes = std::move(bytes);
    submit(std::move(command));
}

void RedisImpl::submit(RedisCommand command) {
    start();
    std::error_code refused;
    bool post_flush = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        refused = fsm_.refusal();
        if (!refused) refused = commands_.push(command);
        if (!refused && !flush_posted_ && fsm_.state() == RedisLinkFsm::State::ready) {
            flush_posted_ = true;
            post_flush = true;
        }
    }
    if (refused) {
        std::vector<RedisCommand> ended;
        ended.push_back(std::move(command));  // push() leaves it whole when it refuses
        end_later(std::move(ended), refused);
        return;
    }
    if (replying_on_this_thread == this) sent_from_reply_ = true;
    if (post_flush) asio::post(strand_, [self = shared_from_this()] { self->flush(); });
}

// Ends commands on the strand, never inside the call that ended them.
void RedisImpl::end_later(std::vector<RedisCommand> commands, std::error_code ec) {
    bool post_drain = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& command : commands) ending_.emplace_back(std::move(command), ec);
        if (!drain_posted_ && !ending_.empty()) {
            drain_posted_ = true;
            post_drain = true;
        }
    }
    if (post_drain) asio::post(strand_, [self = shared_from_this()] { self->drain_ending(); });
}

void RedisImpl::drain_ending() {
    for (;;) {
        // Taken out and delivered under the callback lock: destroy() either finds it or waits.
        std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
        std::pair<RedisCommand, std::error_code> next;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (ending_.empty()) {
                drain_posted_ = false;
                return;
            }
            next = std::move(ending_.front());
            ending_.pop_front();
        }
        deliver(next.first, next.second, {});
    }
}

void RedisImpl::close() {
    RedisLinkFsm::Step step;
    bool post_drain = false;
    {
        // From the queue to ending_ in one step, so that a destroy() on another thread finds them.
        std::lock_guard<std::mutex> lock(mutex_);
        step = fsm_.on_close();
        for (auto& command : commands_.take_all()) ending_.emplace_back(std::move(command), errc::not_connected);
        post_drain = !drain_posted_ && !ending_.empty();
        drain_posted_ = drain_posted_ || post_drain;
    }
    connected_ = false;
    if (post_drain) asio::post(strand_, [self = shared_from_this()] { self->drain_ending(); });
    asio::post(strand_, [self = shared_from_this(), step] {
        self->close_stream();
        self->connect_timer_.cancel();
        self->retry_timer_.cancel();
        if (step.publish_disconnect) self->emit_disconnect(make_error_code(errc::not_connected));
    });
}

void RedisImpl::destroy() {
    {
        std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
        if (callbacks_closed_) return;
        std::vector<std::pair<RedisCommand, std::error_code>> ended;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            fsm_.on_close();
            for (auto& command : commands_.take_all()) ended.emplace_back(std::move(command), errc::not_connected);
            for (auto& entry : ending_) ended.push_back(std::move(entry));
            ending_.clear();
        }
        connected_ = false;
        for (auto& [command, ec] : ended) deliver(command, ec, {});
        callbacks_closed_ = true;
    }
    asio::post(strand_, [self = shared_from_this()] {
        self->close_stream();
        self->connect_timer_.cancel();
        self->retry_timer_.cancel();
    });
    release(thread_, [] {});
}

// ---- the connection, on the strand -------------------------------------------------------------

void RedisImpl::begin_attempt() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (fsm_.state() != RedisLinkFsm::State::connecting) return;
    }
    const std::uint64_t attempt = ++attempt_;
    if (url_error_) return fail_attempt(url_error_, url_detail_ + " (" + options_.url + ")");
    connect_timer_.expires_after(options_.connect_timeout);
    connect_timer_.async_wait(asio::bind_executor(strand_, [self = shared_from_this(), attempt](std::error_code ec) {
        if (ec || attempt != self->attempt_ || self->connected_) return;
        self->fail_attempt(make_error_code(errc::connect_timeout),
                           "no connection to " + self->url_.describe() + " within " +
                               std::to_string(self->options_.connect_timeout.count()) + " ms");
    }));
    std::vector<GenericEndpoint> endpoints;
    std::string detail;
    if (url_.scheme == RedisUrl::Scheme::unix_socket) {
        GenericEndpoint endpoint;
        if (auto ec = unix_endpoint(url_.path, false, endpoint)) return fail_attempt(ec, url_.path);
        endpoints.push_back(endpoint);
    } else if (auto ec = resolve_tcp(url_.host, url_.port, endpoints, detail)) {
        return fail_attempt(ec, detail);
    }
    connect_next(attempt, std::move(endpoints), 0, {});
}

void RedisImpl::connect_next(std::uint64_t attempt, std::vector<GenericEndpoint> endpoints, std::size_t index,
                             std::error_code last) {
    if (index == endpoints.size()) {
        return fail_attempt(make_error_code(errc::not_connected),
                            "connecting to " + url_.describe() + ": " + (last ? last.message() : "no address"));
    }
    auto socket = std::make_shared<GenericSocket>(strand_);
    connecting_ = socket;
    const GenericEndpoint endpoint = endpoints[index];
    socket->async_connect(endpoint, asio::bind_executor(strand_, [self = shared_from_this(), attempt, socket,
                                                                   endpoints = std::move(endpoints),
                                                                   index](std::error_code ec) mutable {
        if (attempt != self->attempt_) return;
        self->connecting_.reset();
        if (ec) return self->connect_next(attempt, std::move(endpoints), index + 1, ec);
        self->on_socket_connected(attempt, std::move(*socket));
    }));
}

void RedisImpl::on_socket_connected(std::uint64_t attempt, GenericSocket socket) {
    if (url_.scheme == RedisUrl::Scheme::unix_socket) return on_stream(Stream(std::move(socket)));
    // No Nagle delay for small commands; keepalive probes so that a dead link is noticed also on a
    // subscriber or a blocking read, which wait for the server without a command timeout.
    const int on = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    if (url_.scheme == RedisUrl::Scheme::redis) return on_stream(Stream(std::move(socket)));
    TlsConfig tls = options_.tls;
    tls.enabled = true;
    std::string detail;
    std::error_code ec;
    if (!tls_context_) ec = make_tls_context(tls, TlsRole::client, tls_context_, detail);
    if (ec) return fail_attempt(ec, detail);
    auto handshake = make_tls_handshake(std::move(socket), tls_context_, TlsRole::client);
    if (auto name_ec = handshake->expect_server_name(tls, url_.host, detail)) return fail_attempt(name_ec, detail);
    tls_handshake_ = handshake;
    handshake->start(options_.connect_timeout, [self = shared_from_this(), attempt](std::error_code ec, std::string detail,
                                                                                    std::optional<TlsLink> link) {
        asio::post(self->strand_, [self, attempt, ec, detail = std::move(detail), link = std::move(link)]() mutable {
            if (attempt != self->attempt_) return;
            self->tls_handshake_.reset();
            if (ec) return self->fail_attempt(ec, detail);
            self->on_stream(std::move(link->stream));
        });
    });
}

void RedisImpl::on_stream(Stream stream) {
    stream_ = std::make_shared<Link>(std::move(stream));
    decoder_.reset();
    handshake_ = redis_handshake_commands(url_);
    handshake_answered_ = 0;
    read();
    // Never empty (a PING at least): the connection is ready when the last of these is answered.
    std::string bytes;
    for (const auto& command : handshake_) append_resp_command(command, bytes);
    write(std::move(bytes));
}

void RedisImpl::become_ready() {
    connect_timer_.cancel();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        fsm_.on_connected();
        if (fsm_.state() != RedisLinkFsm::State::ready) return;
        if (subscribe_ && subscribe_->on_ready) {
            // What is subscribed now replaces the (un)subscriptions made while disconnected.
            commands_.take_all();
            std::vector<std::string> first = subscribe_->on_ready();
            for (auto it = first.rbegin(); it != first.rend(); ++it) {
                RedisCommand command;
                command.bytes = std::move(*it);
                commands_.push_front(std::move(command));
            }
        }
    }
    connected_ = true;
    run_callback([&] {
        if (on_connect_) on_connect_();
    }, "the connect handler");
    flush();
}

void RedisImpl::read() {
    stream_->stream.async_read_some(asio::buffer(stream_->read_buffer),
                                    asio::bind_executor(strand_, [self = shared_from_this(), link = stream_,
                                                                  attempt = attempt_](std::error_code ec, std::size_t n) {
                                        self->on_read(attempt, ec, n);
                                    }));
}

void RedisImpl::on_read(std::uint64_t attempt, std::error_code ec, std::size_t n) {
    if (attempt != attempt_ || !stream_) return;
    const bool ready = connected_;
    if (ec) {
        const std::string detail = url_.describe() + ": " + (ec == asio::error::eof ? "the server closed the connection" : ec.message());
        if (ready) return lose_connection(make_error_code(errc::connection_lost), detail, false);
        return fail_attempt(make_error_code(errc::not_connected), detail);
    }
    decoder_.feed(std::string_view(stream_->read_buffer.data(), n));
    for (;;) {
        RedisReply reply;
        std::error_code decode_ec;
        std::string detail;
        if (!decoder_.next(reply, decode_ec, detail)) {
            if (!decode_ec) break;
            detail = url_.describe() + ": " + detail;
            if (connected_) return lose_connection(decode_ec, detail, false);
            return fail_attempt(decode_ec, detail);
        }
        const RedisImpl* outer = replying_on_this_thread;
        replying_on_this_thread = this;
        const bool handled = handle_reply(std::move(reply));
        replying_on_this_thread = outer;
        if (!handled) return;
        if (attempt != attempt_ || !stream_) return;  // a callback closed the client
        // What the reply's callback sent goes out now, not after the rest of this read: Redis runs it
        // while the later replies are handled (what follows gathers until this write ends). Only
        // for commands of the callback's: others' go out as before, one write per read.
        if (sent_from_reply_) {
            sent_from_reply_ = false;
            if (!writing_) flush();
        }
    }
    arm_timeout();
    read();
}

// False when the connection was given up on.
bool RedisImpl::handle_reply(RedisReply reply) {
    if (handshake_answered_ < handshake_.size()) {
        std::string detail;
        const auto& command = handshake_[handshake_answered_++];
        if (auto ec = check_handshake_reply(command, reply, detail)) {
            fail_attempt(ec, detail);
            return false;
        }
        if (handshake_answered_ == handshake_.size()) become_ready();
        return true;
    }
    if (subscribe_) {
        if (subscribe_->on_push) run_callback([&] { subscribe_->on_push(std::move(reply)); }, "a message handler");
        return true;
    }
    std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
    RedisCommand command;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (fsm_.state() == RedisLinkFsm::State::closed) return false;
        if (!commands_.has_in_flight()) {
            command.sequence = 0;
        } else {
            command = commands_.pop_in_flight();
            if (reply.kind == RedisReply::Kind::error && !command.fallback.empty() &&
                reply.text.rfind("NOSCRIPT", 0) == 0) {
                // The script is not in the server's cache (a restart, SCRIPT FLUSH): EVAL loads and runs it.
                command.bytes = std::move(command.fallback);
                command.fallback.clear();
                commands_.push_retry(std::move(command));
                flush_posted_ = true;
                asio::post(strand_, [self = shared_from_this()] { self->flush(); });
                return true;
            }
        }
    }
    if (command.sequence == 0) {
        lose_connection(make_error_code(errc::redis_protocol_error),
                        url_.describe() + ": a reply came with no command waiting for it", false);
        return false;
    }
    if (reply.kind == RedisReply::Kind::error) {
        deliver(command, make_error_code(errc::redis_error_reply), std::move(reply));
    } else {
        deliver(command, {}, std::move(reply));
    }
    return true;
}

void RedisImpl::flush() {
    std::string batch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        flush_posted_ = false;
        if (writing_ || !stream_ || fsm_.state() != RedisLinkFsm::State::ready || !commands_.has_unwritten()) return;
        batch = commands_.take_batch(std::chrono::steady_clock::now(), !subscribe_);
    }
    write(std::move(batch));
    arm_timeout();
}

void RedisImpl::write(std::string bytes) {
    writing_ = true;
    stream_->write_buffer = std::move(bytes);
    stream_->stream.async_write(asio::buffer(stream_->write_buffer),
                         asio::bind_executor(strand_, [self = shared_from_this(), link = stream_,
                                                       attempt = attempt_](std::error_code ec, std::size_t) {
                             if (attempt != self->attempt_) return;
                             self->writing_ = false;
                             if (ec) {
                                 const std::string detail = self->url_.describe() + ": writing: " + ec.message();
                                 if (self->connected_) {
                                     return self->lose_connection(make_error_code(errc::connection_lost), detail, false);
                                 }
                                 return self->fail_attempt(make_error_code(errc::not_connected), detail);
                             }
                             self->flush();
                         }));
}

void RedisImpl::arm_timeout() {
    if (options_.command_timeout.count() == 0) return;
    std::chrono::steady_clock::time_point deadline;
    std::uint64_t sequence = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const RedisCommand* oldest = commands_.oldest_in_flight();
        if (!oldest || oldest->sequence == timeout_armed_for_) return;
        sequence = oldest->sequence;
        deadline = oldest->written_at + options_.command_timeout;
    }
    timeout_armed_for_ = sequence;
    timeout_timer_.expires_at(deadline);
    timeout_timer_.async_wait(asio::bind_executor(strand_, [self = shared_from_this(), attempt = attempt_,
                                                            sequence](std::error_code ec) {
        if (ec || attempt != self->attempt_ || self->timeout_armed_for_ != sequence) return;
        self->timeout_armed_for_ = 0;
        std::lock_guard<std::recursive_mutex> callbacks(self->callback_mutex_);
        RedisCommand late;
        {
            std::lock_guard<std::mutex> lock(self->mutex_);
            const RedisCommand* oldest = self->commands_.oldest_in_flight();
            if (!oldest || oldest->sequence != sequence) return;
            late = self->commands_.pop_in_flight();
        }
        self->deliver(late, make_error_code(errc::request_timeout), {});
        self->lose_connection(make_error_code(errc::request_timeout),
                              self->url_.describe() + ": no reply within " +
                                  std::to_string(self->options_.command_timeout.count()) +
                                  " ms: reconnecting, as the replies after it could no longer be matched",
                              true);
    }));
}

void RedisImpl::close_stream() {
    ++attempt_;  // completions of this connection are ignored from here on
    if (connecting_) {
        std::error_code ignored;
        connecting_->close(ignored);
        connecting_.reset();
    }
    if (tls_handshake_) tls_handshake_->abort();
    tls_handshake_.reset();
    if (stream_) stream_->stream.close();
    stream_.reset();
    writing_ = false;
    handshake_.clear();
    handshake_answered_ = 0;
    timeout_timer_.cancel();
    timeout_armed_for_ = 0;
    connected_ = false;
}

void RedisImpl::fail_attempt(std::error_code ec, const std::string& detail) {
    close_stream();
    connect_timer_.cancel();
    std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
    RedisLinkFsm::Step step;
    std::vector<RedisCommand> ended;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        step = fsm_.on_attempt_failed(ec);
        if (step.end_everything) ended = commands_.take_all();
    }
    emit_error(ec, what_ + ": " + redis_impl_parts::describe(ec, detail));
    for (auto& command : ended) deliver(command, step.end_everything, {});
    schedule(step);
}

void RedisImpl::lose_connection(std::error_code ec, const std::string& detail, bool timed_out) {
    close_stream();
    std::lock_guard<std::recursive_mutex> callbacks(callback_mutex_);
    RedisLinkFsm::Step step;
    std::vector<RedisCommand> broken;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        step = fsm_.on_lost();
        broken = commands_.take_in_flight();
    }
    if (!timed_out) emit_error(ec, what_ + ": " + redis_impl_parts::describe(ec, detail));
    for (auto& command : broken) deliver(command, make_error_code(errc::connection_lost), {});
    if (step.publish_disconnect) emit_disconnect(ec);
    schedule(step);
}

void RedisImpl::schedule(RedisLinkFsm::Step step) {
    if (!step.reconnect) return;
    retry_timer_.expires_after(step.delay);
    retry_timer_.async_wait(asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec) {
        if (ec) return;
        bool attempt = false;
        {
            std::lock_guard<std::mutex> lock(self->mutex_);
            attempt = self->fsm_.on_timer();
        }
        if (attempt) self->begin_attempt();
    }));
}

}  // namespace ipcxx::detail
