#include "channel/channel_impl.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <limits>

#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

#include "channel/message_kind.hpp"
#include "codec/event_names.hpp"
#include "codec/handshake.hpp"
#include "codec/json_wire.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace channel_impl {

// Reads per readiness before other work on the thread gets a turn.
constexpr int reads_per_turn = 16;
constexpr int writes_per_turn = 64;
constexpr std::size_t read_size = 64 * 1024;
// Room for the descriptors one read may carry (libuv reads with 256 bytes of it).
constexpr std::size_t control_space = 256;

// A name emit() or request() may send, as the socket wires check it.
std::error_code check_event_name(std::string_view name, std::size_t max_length, std::string& detail) {
    if (name.empty()) {
        detail = "event name must not be empty";
        return make_error_code(errc::invalid_argument);
    }
    if (name.size() > max_length) {
        detail = "event name of " + std::to_string(name.size()) + " bytes is over max_event_name_length " +
                 std::to_string(max_length);
        return make_error_code(errc::event_name_too_long);
    }
    if (is_reserved_event(name)) {
        detail = "event name '" + std::string(name) + "' is reserved and cannot be sent";
        return make_error_code(errc::reserved_event);
    }
    return {};
}

// The msgpack of one message carrying `frame` as the JSON wire does: {"type":...,"data":...}.
std::string frame_message(const NativeFrame& frame) {
    switch (frame.kind) {
        case FrameKind::event:
            // No data is sent as {}, node-ipc's undefined.
            return envelope_message(frame.name, frame.data.empty() ? std::string_view("\x80", 1) : frame.data);
        case FrameKind::request:
            return envelope_message(request_event, make_json_request(frame.id, frame.name, frame.data, frame.timeout_ms));
        case FrameKind::response: return envelope_message(response_event, make_json_response(frame.id, frame.data));
        case FrameKind::error_response:
            return envelope_message(response_event,
                                    make_json_error_response(frame.id, frame.error_code, frame.error_message));
        case FrameKind::cancel: return envelope_message(cancel_event, make_json_cancel(frame.id));
        case FrameKind::ping:
        case FrameKind::pong: break;
    }
    return {};
}

std::string errno_text(const char* call, int error) {
    return std::string(call) + ": " + std::strerror(error);
}

void set_nonblocking_cloexec(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// write() to a pipe whose reader is gone raises SIGPIPE, which would end the whole program:
// blocked on this thread for the call, and the SIGPIPE it raised is taken back before unblocking.
long write_without_sigpipe(int fd, const char* data, std::size_t size) {
    sigset_t pipe_only;
    sigset_t old;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    const long n = ::write(fd, data, size);
    const int error = errno;
    if (n < 0 && error == EPIPE) {
        sigset_t pending;
        const timespec no_wait{0, 0};
        if (::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) ::sigtimedwait(&pipe_only, nullptr, &no_wait);
    }
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    errno = error;
    return n;
}

}  // namespace channel_impl

ChannelImpl::ChannelImpl(asio::io_context& io, std::shared_ptr<void> keepalive, ChannelOptions options)
    : keepalive_(std::move(keepalive)),
      io_(io),
      strand_(asio::make_strand(io)),
      options_(options),
      events_(Side::client, config_),
      queue_(options.max_pending_bytes, options.high_water_mark) {
    pending_ = std::make_shared<PendingRequests>(
        strand_, [this](const std::string& what) { report(make_error_code(errc::handler_exception), what); },
        [this](RequestId id, std::uint64_t) {
            NativeFrame cancel;
            cancel.kind = FrameKind::cancel;
            cancel.id = id;
            send_frame(cancel);
        });
    // A response callback runs under the same rule as every handler: destroy() waits for one that
    // runs, and ends the requests still open itself.
    pending_->set_gate([this](const std::function<void()>& body) { return events_.registry().run_guarded(body); });
}

ChannelImpl::~ChannelImpl() {
    for (int fd : received_fds_) ::close(fd);
}

void ChannelImpl::attach(ChannelLink link, ChannelSerialization serialization) {
    framing_ = make_framing(serialization, options_.max_message_size);
    socket_link_ = link.is_socket();
    if (link.read_fd() >= 0) {
        channel_impl::set_nonblocking_cloexec(link.read_fd());
        reader_ = std::make_unique<asio::posix::stream_descriptor>(io_, link.read_fd());
    }
    if (!socket_link_ && link.write_fd() >= 0) {
        channel_impl::set_nonblocking_cloexec(link.write_fd());
        writer_ = std::make_unique<asio::posix::stream_descriptor>(io_, link.write_fd());
    }
    attached_.store(true, std::memory_order_release);
    connected_.store(true, std::memory_order_release);
}

void ChannelImpl::start() {
    if (!attached() || started_.exchange(true)) return;
    asio::post(strand_, [self = shared_from_this()] {
        if (self->reader_) self->wait_readable();
        self->pump();
    });
}

void ChannelImpl::set_message_handler(std::function<void(const Payload&)> f) {
    std::lock_guard<std::mutex> lock(handlers_mutex_);
    on_message_ = f ? std::make_shared<std::function<void(const Payload&)>>(std::move(f)) : nullptr;
}

void ChannelImpl::set_internal_handler(std::function<void(const Payload&)> f) {
    std::lock_guard<std::mutex> lock(handlers_mutex_);
    on_internal_ = f ? std::make_shared<std::function<void(const Payload&)>>(std::move(f)) : nullptr;
}

void ChannelImpl::set_handle_handler(std::function<void(const Payload&, int)> f) {
    std::lock_guard<std::mutex> lock(handlers_mutex_);
    on_handle_ = f ? std::make_shared<std::function<void(const Payload&, int)>>(std::move(f)) : nullptr;
}

// Sending.

SendStatus ChannelImpl::send_value(std::string_view msgpack, int fd) {
    std::string detail;
    if (!msgpack.empty()) {
        const msgpack::object_handle value = msgpack::unpack(msgpack.data(), msgpack.size());
        if (classify_message(value.get()) != MessageKind::user) {
            return {make_error_code(errc::invalid_argument), false};  // Node's receiver would swallow it
        }
    }
    ChannelFraming* framing = attached_framing();
    if (framing == nullptr) return {make_error_code(errc::not_connected), false};
    int copy = -1;
    if (fd >= 0) {
        if (!socket_link_) return {make_error_code(errc::invalid_argument), false};
        copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0) return {std::error_code(errno, std::system_category()), false};
    }
    std::string line;
    const std::string wrapped = fd >= 0 ? handle_message(msgpack) : std::string();
    if (const std::error_code ec = framing->encode(fd >= 0 ? std::string_view(wrapped) : msgpack, line, &detail)) {
        if (copy >= 0) ::close(copy);
        return {ec, false};
    }
    SendStatus status = queue_line(std::move(line), copy);
    if (!status.accepted() && copy >= 0) ::close(copy);
    return status;
}

SendStatus ChannelImpl::send_json(std::string_view json) {
    std::string packed;
    if (const std::error_code ec = json_to_msgpack(json, packed)) return {ec, false};
    return send_value(packed, -1);
}

SendStatus ChannelImpl::queue_line(std::string line, int fd) {
    if (!attached()) return {make_error_code(errc::not_connected), false};
    const SendQueue::Pushed pushed = queue_.push(std::move(line), fd);
    if (pushed.error) return {pushed.error, pushed.keep_sending};
    schedule_pump();
    return {{}, pushed.keep_sending};
}

void ChannelImpl::queue_control(std::string_view cmd) {
    // On the strand: written ahead of queued messages, as Node does (they may be waiting for an
    // answer of the peer's, which may be waiting for this one). Framed as every message is: a
    // Node peer in 'advanced' mode reads a JSON line as a broken V8 frame and stalls.
    std::string bytes;
    framing_->encode(command_message(cmd), bytes, nullptr);  // a one-key map of ASCII: cannot fail
    control_.push_back(std::move(bytes));
    pump();
}

std::error_code ChannelImpl::send_frame(const NativeFrame& frame, std::string* detail) {
    std::string why;
    if (frame.kind == FrameKind::event || frame.kind == FrameKind::request) {
        if (const std::error_code ec = channel_impl::check_event_name(frame.name, config_.max_event_name_length, why)) {
            if (detail) *detail = why;
            return ec;
        }
    }
    ChannelFraming* framing = attached_framing();
    if (framing == nullptr) return make_error_code(errc::not_connected);
    std::string bytes;
    if (const std::error_code ec = framing->encode(channel_impl::frame_message(frame), bytes, &why)) {
        if (detail) *detail = why;
        return ec;
    }
    return queue_line(std::move(bytes), -1).error;
}

std::error_code ChannelImpl::emit(std::string_view event, std::string_view msgpack_data) {
    NativeFrame frame;
    frame.kind = FrameKind::event;
    frame.name = event;
    frame.data = msgpack_data;
    return send_frame(frame);
}

RequestId ChannelImpl::request(std::string_view event, std::string_view msgpack_args,
                               std::chrono::milliseconds timeout, ResponseHandler on_response) {
    const RequestId id = pending_->next_id();
    pending_->add(id, link_id, std::move(on_response), timeout);
    NativeFrame frame;
    frame.kind = FrameKind::request;
    frame.id = id;
    frame.name = event;
    frame.data = msgpack_args;
    frame.timeout_ms = static_cast<std::uint64_t>(timeout.count());
    std::string detail;
    if (const std::error_code ec = send_frame(frame, &detail)) {
        pending_->complete_later(id, failure(ec, "request '" + std::string(event) + "' not sent: " +
                                                     (detail.empty() ? ec.message() : detail)));
    }
    return id;
}

void ChannelImpl::cancel(RequestId id) { pending_->cancel_later(id); }

void ChannelImpl::disconnect() {
    if (disconnecting_.exchange(true)) return;
    queue_.end_input();
    connected_.store(false, std::memory_order_release);
    asio::post(strand_, [self = shared_from_this()] {
        if (!self->started_.load()) return self->end({}, "");
        self->finish_if_done();
    });
}

void ChannelImpl::destroy() {
    events_.registry().close();
    // After close(): no callback runs on the strand any more, and none of them runs now.
    pending_->fail_all_here(make_error_code(errc::not_connected), "channel destroyed before the response arrived");
    disconnecting_.store(true);
    connected_.store(false, std::memory_order_release);
    // Only the strand frees queued messages: a write there may be using their bytes right now.
    destroyed_.store(true, std::memory_order_release);
    queue_.end_input();
    asio::post(strand_, [self = shared_from_this()] { self->end({}, ""); });
}

void ChannelImpl::schedule_pump() {
    if (!started_.load(std::memory_order_acquire) || pump_scheduled_.exchange(true)) return;
    asio::post(strand_, [self = shared_from_this()] {
        self->pump_scheduled_.store(false);
        self->pump();
    });
}

// Writing, on the strand.

long ChannelImpl::write_some(const char* data, std::size_t size, int fd) {
    if (!socket_link_) return channel_impl::write_without_sigpipe(writer_->native_handle(), data, size);
    iovec iov{const_cast<char*>(data), size};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (fd >= 0) {
        std::memset(control, 0, sizeof control);
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    return ::sendmsg(reader_->native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void ChannelImpl::pump() {
    if (ended_ || !started_.load() || write_waiting_) return;
    asio::posix::stream_descriptor* out = socket_link_ ? reader_.get() : writer_.get();
    for (int round = 0; round < channel_impl::writes_per_turn; ++round) {
        if (destroyed_.load(std::memory_order_acquire)) return;  // what is left is dropped by end()
        SendQueue::Entry* entry = queue_.next();
        const bool control = !control_.empty() && !(entry && entry->written > 0);
        if (!control && !entry) return finish_if_done();
        if (!out) return end(make_error_code(errc::not_connected), "the channel has no descriptor to write to");
        const std::string& bytes = control ? control_.front() : entry->bytes;
        const std::size_t offset = control ? control_written_ : entry->written;
        const long n = write_some(bytes.data() + offset, bytes.size() - offset,
                                  !control && offset == 0 ? entry->fd : -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                write_waiting_ = true;
                out->async_wait(asio::posix::stream_descriptor::wait_write,
                                asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec) {
                                    self->write_waiting_ = false;
                                    if (ec) return;
                                    self->pump();
                                }));
                return;
            }
            // The peer is gone: the end of the channel, as a read of EOF is; end() counts what is lost.
            if (errno == EPIPE || errno == ECONNRESET) return end({}, "");
            return end(make_error_code(errc::connection_lost), channel_impl::errno_text("write to the channel", errno));
        }
        if (control) {
            control_written_ += static_cast<std::size_t>(n);
            if (control_written_ == bytes.size()) {
                control_.pop_front();
                control_written_ = 0;
            }
        } else if (queue_.wrote(static_cast<std::size_t>(n)).drained) {
            events_.publish("drain");
        }
    }
    schedule_pump();  // let other work on the thread run between long runs of writes
}

void ChannelImpl::finish_if_done() {
    if (!(disconnecting_.load() || input_ended_) || ended_ || !control_.empty()) return;
    if (queue_.idle()) return end({}, "");
    if (queue_.awaiting_answer()) wait_for_handle_ack();
}

void ChannelImpl::wait_for_handle_ack() {
    if (handle_ack_timer_) return;
    handle_ack_timer_ = std::make_unique<asio::steady_timer>(io_, options_.handle_ack_timeout);
    handle_ack_timer_->async_wait(asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec) {
        if (ec || self->ended_ || !self->queue_.awaiting_answer()) return;
        self->handle_ack_timed_out_ = true;
        self->end({}, "");
    }));
}

// Reading, on the strand.

void ChannelImpl::wait_readable() {
    reader_->async_wait(asio::posix::stream_descriptor::wait_read,
                        asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec) {
                            if (ec || self->ended_) return;
                            self->on_readable();
                        }));
}

void ChannelImpl::on_readable() {
    for (int i = 0; i < channel_impl::reads_per_turn; ++i) {
        if (!read_once() || ended_) return;
    }
    asio::post(strand_, [self = shared_from_this()] {
        if (!self->ended_) self->on_readable();
    });
}

bool ChannelImpl::read_once() {
    const ChannelFraming::Span span = framing_->prepare(channel_impl::read_size);
    long n = 0;
    if (socket_link_) {
        iovec iov{span.data, span.size};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        alignas(cmsghdr) char control[channel_impl::control_space];
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        n = ::recvmsg(reader_->native_handle(), &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n >= 0) {
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
                const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (std::size_t k = 0; k < count; ++k) {
                    int fd;
                    std::memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
                    received_fds_.push_back(fd);
                }
            }
        }
    } else {
        n = ::read(reader_->native_handle(), span.data, span.size);
    }
    if (n < 0) {
        if (errno == EINTR) return true;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            wait_readable();
            return false;
        }
        // A peer killed with unread input resets the connection; Node ends the channel on any read
        // error, as on EOF. Other errors are also reported.
        if (errno != ECONNRESET) {
            report(make_error_code(errc::connection_lost), channel_impl::errno_text("read from the channel", errno));
        }
    }
    if (n <= 0) {
        if (const std::error_code ec = framing_->finish()) report(ec, framing_->error_detail());
        if (n == 0 && writer_ && !ended_) {
            end_of_input();
        } else {
            end({}, "");
        }
        return false;
    }
    framing_->commit(static_cast<std::size_t>(n));
    take_values();
    return true;
}

void ChannelImpl::end_of_input() {
    // Two descriptors: only the input ended. Answers to what was read are still written (sends stay
    // accepted until the queue is out), then the channel ends as after disconnect().
    std::error_code ignored;
    reader_->close(ignored);
    input_ended_ = true;
    finish_if_done();
}

void ChannelImpl::take_values() {
    for (;;) {
        if (ended_) return;
        std::string_view value;
        std::error_code ec;
        if (framing_->next(value, ec)) {
            handle_value(value);
        } else if (ec) {
            bad_input(ec, framing_->error_detail());
        } else {
            return;
        }
    }
}

void ChannelImpl::bad_input(std::error_code ec, const std::string& detail) {
    report(ec, "bad input on the channel: " + detail);
    if (options_.close_on_bad_input) end({}, "");  // reported just above: one error event
}

void ChannelImpl::handle_value(std::string_view msgpack) {
    const Payload message = Payload::from_msgpack(msgpack);
    const msgpack::object& value = message.object();
    switch (classify_message(value)) {
        case MessageKind::handle: return handle_descriptor_message(message, value);
        case MessageKind::handle_ack:
            queue_.acknowledged();
            handle_ack_timer_.reset();  // a later descriptor gets a full wait of its own
            return pump();
        case MessageKind::handle_nack:
            if (!queue_.refused()) {
                report(make_error_code(errc::undelivered),
                       "the peer refused a descriptor " + std::to_string(SendQueue::max_retransmissions + 1) +
                           " times (NODE_HANDLE_NACK); the message was dropped",
                       1);
            }
            return pump();
        case MessageKind::internal: {
            std::shared_ptr<std::function<void(const Payload&)>> handler;
            {
                std::lock_guard<std::mutex> lock(handlers_mutex_);
                handler = on_internal_;
            }
            if (handler) events_.run_guarded("internalMessage", [&] { (*handler)(message); });
            return;
        }
        case MessageKind::user: break;
    }
    std::string_view type;
    const msgpack::object* data = nullptr;
    const bool envelope = event_envelope(value, type, data);
    if (envelope && handle_protocol(type, data)) return;
    deliver_message(message, envelope ? type : std::string_view(), data);
}

void ChannelImpl::handle_descriptor_message(const Payload& whole, const msgpack::object& value) {
    const msgpack::object* msg = member(value, "msg");
    const Payload message = msg ? Payload::from_msgpack(pack_object(*msg)) : Payload();
    if (received_fds_.empty()) {
        queue_control("NODE_HANDLE_NACK");
        report(make_error_code(errc::handle_missing),
               "a NODE_HANDLE message arrived without a descriptor; NODE_HANDLE_NACK sent: " + whole.to_json());
        return;
    }
    const int fd = received_fds_.front();
    received_fds_.pop_front();
    queue_control("NODE_HANDLE_ACK");
    std::shared_ptr<std::function<void(const Payload&, int)>> handler;
    {
        std::lock_guard<std::mutex> lock(handlers_mutex_);
        handler = on_handle_;
    }
    if (handler) {
        events_.run_guarded("handle", [&] { (*handler)(message, fd); });
        return;
    }
    ::close(fd);
    std::string_view type;
    const msgpack::object* data = nullptr;
    const bool envelope = msg && event_envelope(*msg, type, data);
    deliver_message(message, envelope ? type : std::string_view(), data);
}

bool ChannelImpl::handle_protocol(std::string_view type, const msgpack::object* data) {
    if (type != request_event && type != response_event && type != cancel_event) return false;
    const std::string packed = data ? pack_object(*data) : std::string();
    NativeFrame frame;
    std::string detail;
    if (type == request_event) {
        if (const std::error_code ec = parse_json_request(packed, frame, &detail)) {
            bad_input(ec, "bad ipcxx.request: " + detail);
            return true;
        }
        ReceivedRequest received{frame.id,
                                 link_id,
                                 std::string(frame.name),
                                 frame.data.empty() ? Payload() : Payload::from_msgpack(frame.data),
                                 Socket(),
                                 frame.timeout_ms};
        serve_request(request_handlers_, active_, shared_from_this(), std::move(received), strand_, false);
    } else if (type == response_event) {
        if (const std::error_code ec = parse_json_response(packed, frame, &detail)) {
            bad_input(ec, "bad ipcxx.response: " + detail);
            return true;
        }
        pending_->complete(frame.id, response_from(frame));
    } else {
        if (const std::error_code ec = parse_json_cancel(packed, frame, &detail)) {
            bad_input(ec, "bad ipcxx.cancel: " + detail);
            return true;
        }
        if (auto state = active_.take(link_id, frame.id)) state->cancel(make_error_code(errc::request_cancelled));
    }
    return true;
}

void ChannelImpl::deliver_message(const Payload& message, std::string_view type, const msgpack::object* data) {
    std::shared_ptr<std::function<void(const Payload&)>> handler;
    {
        std::lock_guard<std::mutex> lock(handlers_mutex_);
        handler = on_message_;
    }
    if (handler) events_.run_guarded("message", [&] { (*handler)(message); });
    if (type.empty()) return;
    const Payload event_data = data ? Payload::from_msgpack(pack_object(*data)) : Payload();
    events_.publish_message(type, event_data, nullptr);
}

// The end.

void ChannelImpl::end(std::error_code reason, const std::string& detail) {
    if (ended_) return;
    ended_ = true;
    connected_.store(false, std::memory_order_release);
    disconnecting_.store(true);
    queue_.end_input();
    std::error_code ignored;
    if (reader_) reader_->close(ignored);
    if (writer_) writer_->close(ignored);
    handle_ack_timer_.reset();
    for (int fd : received_fds_) ::close(fd);
    received_fds_.clear();
    control_.clear();
    if (reason) report(reason, detail);
    if (const std::size_t undelivered = queue_.close()) {
        const std::string why = handle_ack_timed_out_
                                    ? "the peer sent no NODE_HANDLE_ACK for a descriptor within " +
                                          std::to_string(options_.handle_ack_timeout.count()) + " ms"
                                    : std::string("the channel closed");
        report(make_error_code(errc::undelivered),
               std::to_string(undelivered) + " message(s) not delivered: " + why, undelivered);
    }
    for (const auto& state : active_.take_link(link_id)) state->cancel(make_error_code(errc::connection_lost));
    pending_->fail_where([](std::uint64_t, std::uint64_t) { return true; }, make_error_code(errc::connection_lost),
                         "the channel closed before the response arrived");
    events_.publish("disconnect");
    if (on_end_) on_end_();
}

void ChannelImpl::report(std::error_code ec, std::string message, std::size_t undelivered) {
    ErrorEvent error;
    error.code = ec;
    error.message = std::move(message);
    error.undelivered = undelivered;
    events_.publish_error(std::move(error));
}

// RequestOwner.

std::error_code ChannelImpl::send_reply(std::uint64_t, const NativeFrame& response) {
    if (!connected()) return make_error_code(errc::not_connected);
    return send_frame(response);
}

void ChannelImpl::reply_undelivered(const ReceivedRequest& request, std::error_code ec) {
    asio::post(strand_, [self = shared_from_this(), error = undelivered_reply(request, ec)]() mutable {
        self->events_.publish_error(std::move(error));
    });
}

void ChannelImpl::reply_dropped(const ReceivedRequest&) {}

void ChannelImpl::forget(std::uint64_t link, RequestId id) { active_.forget(link, id); }

void ChannelImpl::run_handler(std::uint64_t, std::function<void()> f) {
    asio::post(strand_, [self = shared_from_this(), f = std::move(f)] { self->events_.run_guarded("handler", f); });
}

}  // namespace ipcxx::detail
