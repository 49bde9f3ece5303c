// Channel: Node.js's IPC channel (process.send / process.on('message')) in both roles, and the
// same message stream over any pair of descriptors (JSON lines over stdin/stdout).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <string_view>
#include <system_error>

#include "ipcxx/channel_serialization.hpp"
#include "ipcxx/detail/pack_buffer.hpp"
#include "ipcxx/export.hpp"
#include "ipcxx/handlers.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/request.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

namespace detail {
class ChannelImpl;
struct ChannelFactory;
}  // namespace detail

/// The bytes under a channel: one connected AF_UNIX stream socket (Node's channel: both ways, with
/// descriptor passing), or two descriptors (read from one, write to the other; no descriptors can
/// be passed). The channel takes ownership of the descriptors given and closes them at its end;
/// pass duplicates (dup()) to keep your own.
class IPCXX_API ChannelLink {
public:
    /// A connected AF_UNIX SOCK_STREAM socket, read and written (Node's IPC channel).
    static ChannelLink socket(int fd) noexcept { return ChannelLink(fd, fd); }
    /// Reads from `read_fd`, writes to `write_fd` (pipes, ttys, sockets); -1 for a direction not
    /// used. No descriptor passing.
    static ChannelLink descriptors(int read_fd, int write_fd) noexcept { return ChannelLink(read_fd, write_fd); }

    /// The descriptor read from, or -1.
    int read_fd() const noexcept { return read_fd_; }
    /// The descriptor written to, or -1.
    int write_fd() const noexcept { return write_fd_; }
    /// True for a single socket read and written (socket()).
    bool is_socket() const noexcept { return read_fd_ >= 0 && read_fd_ == write_fd_; }

private:
    ChannelLink(int read_fd, int write_fd) noexcept : read_fd_(read_fd), write_fd_(write_fd) {}
    int read_fd_;
    int write_fd_;
};

/// Limits and framing of a channel.
struct ChannelOptions {
    /// The framing: Node's 'json' or 'advanced'. parent_channel() takes the one that
    /// NODE_CHANNEL_SERIALIZATION_MODE names instead, and a ChildProcess's channel the one of
    /// SpawnOptions::serialization.
    ChannelSerialization serialization = ChannelSerialization::json;
    /// Largest message accepted or sent, in bytes of its encoding (0: no limit). A longer incoming
    /// line is an `error` event (frame_too_large) and is skipped without being held in memory.
    std::size_t max_message_size = 64u << 20;
    /// Bytes send() may hold, written or not, before it refuses with queue_full.
    std::size_t max_pending_bytes = 64u << 20;
    /// Queued bytes above which SendStatus::keep_sending is false (Node's send() return value:
    /// 128 KiB); `drain` follows when the queue is written out.
    std::size_t high_water_mark = 128u * 1024;
    /// Bad input from the peer (invalid JSON, an over-long or partial line, a NODE_HANDLE without a
    /// descriptor) is always an `error` event; with this set the channel is also closed.
    bool close_on_bad_input = false;
    /// Deadline of requests made without one.
    std::chrono::milliseconds request_timeout{30000};
    /// How long the end of the channel (disconnect(), or EOF on a two-descriptor link's input)
    /// waits for the peer's NODE_HANDLE_ACK of a descriptor sent: past it the link is closed anyway
    /// and that message and the ones queued after it are reported undelivered.
    std::chrono::milliseconds handle_ack_timeout{5000};
};

/// What send() answers: whether the message was accepted, and Node's send() return value.
struct SendStatus {
    /// Empty when the message was accepted (it is then written, or reported undelivered).
    /// Otherwise: not_connected (after disconnect() or the end of the link), queue_full,
    /// frame_too_large, unsupported_value / invalid_utf8 (a value JSON cannot carry),
    /// invalid_argument (a NODE_ internal message, no value, or a descriptor on a link that cannot
    /// pass one).
    std::error_code error;
    /// False once more than ChannelOptions::high_water_mark bytes are queued: wait for `drain`.
    bool keep_sending = true;

    /// True when the message was accepted.
    bool accepted() const noexcept { return !error; }
};

/// One end of a message channel: Node's IPC channel with a parent or a child (see
/// parent_channel() and StdioSlot::ipc()), or a JSON-lines stream over two descriptors.
///
/// Every message is one JSON value. Two layers use the same stream:
/// - raw messages: send() / send_json() and on_message(); Node's internal messages (objects whose
///   `cmd` is a string longer than 5 starting with "NODE_") go to on_internal_message() instead,
///   and may not be sent;
/// - events and requests as the rest of ipcxx carries them on the JSON wire: emit(event, data) is
///   the message `{"type":event,"data":data}`; on(event) handlers receive such messages (they also
///   reach on_message); request() / handle() use `{"type":"ipcxx.request",...}` and
///   `"ipcxx.response"` (protocol/PROTOCOL.md), which are consumed and reach neither. So one
///   handler set serves a socket peer (Server, Client) and a channel peer.
///
/// Events of on() (no connect: a channel is open from the start):
/// @verbatim
///   "disconnect"  ()                     the link ended (EOF, an error, or disconnect()); the last event
///                                        (two descriptors: EOF on the read one is followed by the
///                                        writing out of the queue, then this event)
///   "drain"       ()                     the queue emptied after keep_sending was false
///   "error"       (const ErrorEvent&)    bad input from the peer, undelivered messages, handler exceptions
///   any other     (const Payload&)       a message {"type":event,"data":...} arrived
///   "*"           (std::string_view event, const Payload&)
/// @endverbatim
///
/// Descriptors (socket links only): send(message, fd) sends Node's NODE_HANDLE (type
/// "net.Native") with the descriptor in SCM_RIGHTS; later messages wait, as Node's do, until the
/// peer's NODE_HANDLE_ACK. A NODE_HANDLE received is acknowledged automatically and offered to
/// on_handle() with its descriptor; one without a descriptor is answered with NODE_HANDLE_NACK and
/// reported (errc::handle_missing).
///
/// End of input: on a socket link EOF ends the channel, as in Node (what is not written yet is
/// reported undelivered). On a two-descriptor link EOF ends only the input: sends stay accepted
/// until the queue is written out, then the write descriptor is closed as by disconnect() and
/// `disconnect` follows.
///
/// disconnect() writes everything accepted before it, then closes (Node's disconnect() drops
/// queued writes and reports them as sent; this one does not). Messages that could not be written
/// (the peer closed first) are reported in one `error` event, errc::undelivered, with their count.
///
/// Threading: handlers run on the I/O thread (the library's process thread, or the caller's
/// io_context), one at a time for a channel, never inside a call of this class. Nothing is read
/// before start() (ChildProcess::spawn starts its channel), so handlers set before it see every
/// message. send, emit, request, cancel, disconnect, the handler setters and the destructor are
/// safe from any thread, including from inside a handler. Exceptions thrown by handlers become
/// `error` events (errc::handler_exception).
class IPCXX_API Channel final : public EventSource {
public:
    /// A channel over `link`, run on the library's process I/O thread.
    explicit Channel(ChannelLink link, ChannelOptions options = {});
    /// The same on the caller's io_context, which must outlive this object and be run.
    Channel(asio::io_context& io, ChannelLink link, ChannelOptions options = {});
    /// Stops writing at once and closes the link (on the I/O thread, right after), dropping what is
    /// not written yet (call disconnect() first to have it written); no handler or response
    /// callback runs after this returns (one running on another thread is waited for). Requests
    /// still open end here, on the calling thread, with errc::not_connected.
    ~Channel();
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    /// Starts reading. Messages sent before are queued and written from now on.
    void start();

    /// Handler of every message but internal ones and requests/responses.
    void on_message(std::function<void(const Payload& message)> handler);
    /// Handler of Node's internal messages (`cmd` "NODE_..."), except the handle protocol's own.
    void on_internal_message(std::function<void(const Payload& message)> handler);
    /// Handler of a message that came with a descriptor: `message` is the user part (Node's `msg`),
    /// `fd` is close-on-exec and belongs to the handler (wrap it in a socket or close it). Without
    /// this handler the descriptor is closed and the message goes to on_message().
    void on_handle(std::function<void(const Payload& message, int fd)> handler);

    /// Sends one message (any JSON value).
    SendStatus send(const Payload& message);
    /// Sends one message given as JSON text; invalid_json / invalid_utf8 for bad text.
    SendStatus send_json(std::string_view json);
    /// Sends `message` with a duplicate of `fd` (the caller keeps its own): Node's
    /// send(message, handle). invalid_argument on a link that is not a socket.
    SendStatus send(const Payload& message, int fd);

    /// Sends `{"type":event,"data":data}` with `data` packed by msgpack-c.
    template <class T>
    std::error_code emit(std::string_view event, const T& data) {
        return emit_packed(event, detail::pack_thread_local(data));
    }
    /// The same with an already packed Payload.
    std::error_code emit(std::string_view event, const Payload& data) { return emit_packed(event, data.msgpack()); }
    /// `{"type":event,"data":{}}` (what node-ipc sends for no data).
    std::error_code emit(std::string_view event) { return emit_packed(event, {}); }
    /// emit() with the msgpack bytes of one value (empty: no data).
    std::error_code emit_packed(std::string_view event, std::string_view msgpack_data);

    /// Requests `event` from the peer: `on_response` runs once on the I/O thread with the result or
    /// the error (request_timeout, connection_lost, remote_error, no_handler, ...). Returns an id
    /// for cancel().
    template <class T>
    RequestId request(std::string_view event, const T& args, std::chrono::milliseconds timeout,
                      ResponseHandler on_response) {
        return request_packed(event, detail::pack_thread_local(args), timeout, std::move(on_response));
    }
    /// request() with the arguments already packed as one msgpack value.
    RequestId request_packed(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                             ResponseHandler on_response);
    /// The std::future form; fails at once with errc::would_deadlock on the channel's own I/O
    /// thread, where get() could only wait for ever.
    template <class T>
    std::future<Payload> request(std::string_view event, const T& args, std::chrono::milliseconds timeout) {
        return request_future_packed(event, detail::pack_thread_local(args), timeout);
    }
    /// The std::future form of request_packed.
    std::future<Payload> request_future_packed(std::string_view event, std::string_view msgpack_args,
                                               std::chrono::milliseconds timeout);
    /// Ends a request with errc::request_cancelled (unless it has ended) and tells the peer.
    void cancel(RequestId id);

    /// Removes every handler of `event`.
    void off(std::string_view event) override;
    /// Removes the handler `id`.
    void off(HandlerId id) override;
    /// Removes the request handler of `event`.
    void unhandle(std::string_view event) override;

    /// Writes what was accepted, then closes the link; `disconnect` follows. No effect after the end.
    void disconnect();
    /// True while the channel has its link (from construction; for ChildProcess::channel(), from
    /// spawn()) until the link ends or disconnect() is called.
    bool connected() const noexcept;
    /// Bytes accepted and not yet written.
    std::size_t pending_bytes() const noexcept;

private:
    friend struct detail::ChannelFactory;
    explicit Channel(std::shared_ptr<detail::ChannelImpl> impl);
    HandlerId add_handler(std::string_view event, detail::Handler handler, bool once) override;
    void add_request_handler(std::string_view event, detail::RequestHandler handler) override;

    std::shared_ptr<detail::ChannelImpl> impl_;
};

/// This process's channel to the parent that started it with Node's IPC channel (fork(), or
/// spawn() with an 'ipc' stdio entry; or a ChildProcess with StdioSlot::ipc()), from
/// NODE_CHANNEL_FD: validated (errc::no_channel when unset or empty, bad_channel_fd when not a
/// non-negative decimal number, channel_fd_closed when not open, channel_not_socket when not a
/// connected AF_UNIX stream socket), made close-on-exec and non-blocking, and NODE_CHANNEL_FD and
/// NODE_CHANNEL_SERIALIZATION_MODE removed from the environment so that this process's own
/// children do not see them. The framing is the one NODE_CHANNEL_SERIALIZATION_MODE names ("json"
/// or unset: json, "advanced": advanced); anything else is errc::invalid_argument. The channel runs on the library's process I/O thread; call start()
/// once its handlers are set. Null on error.
IPCXX_API std::unique_ptr<Channel> parent_channel(std::error_code& ec, ChannelOptions options = {});
/// The same, throwing ipcxx::Error.
IPCXX_API std::unique_ptr<Channel> parent_channel(ChannelOptions options = {});
/// parent_channel() run on the caller's io_context, which must outlive the channel and be run.
IPCXX_API std::unique_ptr<Channel> parent_channel(asio::io_context& io, std::error_code& ec, ChannelOptions options = {});

}  // namespace ipcxx
