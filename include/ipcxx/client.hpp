// Client: one connection to a server, with node-ipc's reconnect rules and a queue that keeps
// messages emitted while disconnected.
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ipcxx/config.hpp"
#include "ipcxx/detail/lent_body.hpp"
#include "ipcxx/detail/moved_body.hpp"
#include "ipcxx/export.hpp"
#include "ipcxx/handlers.hpp"
#include "ipcxx/payload.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

class Ipc;

namespace detail {
class ClientImpl;
class IoThread;
struct SharedIo;
}  // namespace detail

/// One connection to a server, with node-ipc's reconnect rules and a queue that keeps messages
/// emitted while disconnected.
///
/// Events:
/// @verbatim
///   "connect"     ()                     connected (again, after each reconnect); with wire = native,
///                                        once the server's welcome arrived
///   "disconnect"  ()                     the connection or a connection attempt closed
///   "destroy"     ()                     no more attempts will be made (after the last disconnect),
///                                        until connect_to is called again
///   "data"        (const Payload&)       config.raw_buffer: bytes as read (a msgpack bin: as<std::string>())
///   "error"       (const ErrorEvent&)    failed attempts (ECONNREFUSED, ENOENT, ...), bad input,
///                                        undelivered messages, handler exceptions
///   any other     (const Payload&)       a message arrived
///   "*"           (std::string_view event, const Payload&)
/// @endverbatim
///
/// Delivery: emit() accepts a message or refuses it with an error code (nothing is queued then).
/// An accepted message is written to the server's socket, or reported in an `error` event with
/// errc::undelivered and a count. While disconnected, accepted messages wait in order (up to
/// config.max_pending_bytes) and are written on the next connect.
///
/// config.sync (node-ipc's sync mode): after one message is written, the next waits until a message
/// is received; each received message releases one (node-ipc 14's rule). Waiting messages count in
/// pending_messages(), are bounded by max_pending_bytes (queue_full past it), and are reported
/// undelivered if the client gives up.
///
/// Thread safety: handlers run on the library's I/O thread, never two at once for one client.
/// on/off, emit, connect_to, disconnect and the destructor are safe from any thread, including from
/// inside a handler. Handler exceptions become `error` events.
///
/// A Client is movable: the handlers, the queue and the connection go with it. A moved-from Client
/// may only be destroyed or assigned to.
class IPCXX_API Client : public EventSource {
public:
    /// Runs on an I/O thread of its own.
    explicit Client(Config config = {});
    /// Runs on the caller's io_context, which must outlive this object and be run by the caller.
    Client(asio::io_context& io, Config config = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    /// Takes `other`'s handlers, queue and connection.
    Client(Client&& other) noexcept;
    /// Shuts this client down as its destructor does, then takes `other`'s place.
    Client& operator=(Client&& other) noexcept;

    /// Removes every handler of `event`.
    void off(std::string_view event) override;
    /// Removes the handler `id` (returned by on / once).
    void off(HandlerId id) override;
    /// Removes the request handler of `event`.
    void unhandle(std::string_view event) override;

    /// Connects to the server `server_id` over its Unix socket: config.socket_path(server_id), or `path`.
    /// The client may start before its server exists: it retries per config. Again after
    /// `destroy` (disconnect(), or retries given up), it starts afresh with the same handlers;
    /// called while a disconnect() is still closing, it starts after that one's `destroy` (what is
    /// emitted until then belongs to the closing connection). Throws ipcxx::Error
    /// (invalid_argument) while connected or retrying.
    void connect_to(std::string server_id);
    /// The same over the Unix socket at `path`.
    void connect_to(std::string server_id, std::string path);
    /// Connects over TCP (config.network_host / network_port when not given).
    void connect_to_net(std::string server_id);
    /// The same over TCP to `host`:`port`.
    void connect_to_net(std::string server_id, std::string host, std::uint16_t port);

    /// Emits `event` with `data` packed by msgpack-c. Returns an error code when the message is
    /// refused (nothing is queued then); an accepted one is delivered or reported (see above).
    /// A std::string or std::string_view body of 64 KiB or more (alone, or last in a std::tuple or
    /// std::pair) is lent rather than copied when the client has an I/O thread of the library's
    /// and emit is called from another thread: emit waits while the body is written straight from
    /// the caller's memory (a few milliseconds at most; then what is left is copied), so the caller
    /// may change it as soon as emit returns. On a caller's io_context it is copied.
    template <class T>
    std::error_code emit(std::string_view event, const T& data) {
        if constexpr (detail::lends_body_v<T>) {
            return detail::emit_lending_body(data, [&](const auto& value) { return emit_pack(event, detail::pack_for_emit(value)); });
        } else {
            return emit_pack(event, detail::pack_for_emit(data));
        }
    }
    /// Emits a value moved in: a std::string, or a std::tuple / std::pair ending in one (or a tuple
    /// ending in a std::string&&, from std::forward_as_tuple(n, std::move(text))). A body of 64 KiB
    /// or more is taken over and queued by reference (no copy; as a SharedBytes text body), a
    /// smaller one is copied; the wire is the same as for a `const T&`. When the message is
    /// refused, the string is left where it was, as it was.
    template <class T, std::enable_if_t<detail::takes_body_v<T>, int> = 0>
    std::error_code emit(std::string_view event, T&& data) {
        return detail::emit_taking_body(data, [&](const auto& value) { return emit_pack(event, detail::pack_for_emit(value)); });
    }
    /// Emits `event` with an already packed Payload.
    std::error_code emit(std::string_view event, const Payload& data) { return emit_packed(event, data.msgpack()); }
    /// Emits `event` with no data.
    std::error_code emit(std::string_view event) { return emit_packed(event, {}); }
    /// Emits `event` with the msgpack bytes of one value (empty: no data).
    std::error_code emit_packed(std::string_view event, std::string_view msgpack_data);

    /// config.raw_buffer: writes `bytes` exactly as given (node-ipc's emit(buffer)); emit() is refused
    /// with invalid_argument in that mode, and emit_raw outside it. frame_too_large past
    /// max_message_size; an empty write is invalid_argument.
    std::error_code emit_raw(std::string_view bytes);
    /// The same for text turned into bytes by config.encoding (node-ipc's emit(string)).
    std::error_code emit_raw_text(std::string_view text);

    /// Requests `event` from the server: `on_response` runs once, on the I/O thread, with the result
    /// or the error (request_timeout after `timeout`, connection_lost if the request had been
    /// written when the connection dropped, remote_error / no_handler from the server, ...). A
    /// request not yet written when the connection dropped waits for the next one, under its
    /// deadline. Returns an id for cancel().
    template <class T>
    RequestId request(std::string_view event, const T& args, std::chrono::milliseconds timeout,
                      ResponseHandler on_response) {
        return request_packed(event, detail::pack_thread_local(args), timeout, std::move(on_response));
    }
    /// The std::future form: get() returns the result's data or throws ipcxx::Error. Made on the
    /// client's own I/O thread (inside a handler, without handler_threads), where get() could only
    /// wait for ever, it fails at once with errc::would_deadlock: use the callback form there.
    template <class T>
    std::future<Payload> request(std::string_view event, const T& args, std::chrono::milliseconds timeout) {
        return request_future_packed(event, detail::pack_thread_local(args), timeout);
    }
    /// The std::future form with config().request_timeout.
    template <class T>
    std::future<Payload> request(std::string_view event, const T& args) {
        return request(event, args, config().request_timeout);
    }
    /// request() with the arguments already packed as one msgpack value.
    RequestId request_packed(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                             ResponseHandler on_response);
    /// The std::future form of request_packed (see request()).
    std::future<Payload> request_future_packed(std::string_view event, std::string_view msgpack_args,
                                               std::chrono::milliseconds timeout);
    /// Ends a request with errc::request_cancelled (unless it has already ended) and tells the
    /// server, whose Responder for it sees the cancellation.
    void cancel(RequestId id);
    /// Answers this client's Responders gave after their request had been cancelled: dropped, not sent.
    std::uint64_t dropped_replies() const noexcept;

    /// Closes the connection for good: no more attempts; queued messages are reported undelivered,
    /// then `disconnect` (if a connection or attempt was live) and `destroy` follow.
    void disconnect();

    /// Subscribes to the broadcasts whose event name starts with `prefix` ("ticks." or a whole name
    /// such as "news"; "" is every name). Until the first subscription (here or Config::topics) every
    /// broadcast reaches this client, as with node-ipc; after it, only those of its topics, even when
    /// it unsubscribes from all. The server filters, so it needs an ipcxx server and a hello (not
    /// wire = json); a node-ipc server sends everything. Topics never filter an emit to this client.
    /// Sent at once when connected, else in the next hello. Errors: event_name_too_long,
    /// invalid_argument (more than 4096 topics), queue_full. Any thread.
    std::error_code subscribe(std::string_view prefix);
    /// Removes the subscription `prefix` (no effect if there is none); see subscribe.
    std::error_code unsubscribe(std::string_view prefix);
    /// The current subscriptions, in the order made; empty before the first.
    std::vector<std::string> topics() const;

    /// True while connected (from `connect` to `disconnect`).
    bool connected() const noexcept;
    /// True while the connection speaks the native wire (after the server's welcome).
    bool native() const noexcept;
    /// Messages accepted by emit and not yet written to the socket (queued or being written).
    std::size_t pending_messages() const;
    /// The id of the server given to connect_to / connect_to_net.
    std::string server_id() const;
    /// This client's configuration.
    const Config& config() const noexcept;

private:
    friend class Ipc;
    // On an I/O thread shared with other objects (ipcxx::Ipc's), which `keepalive` keeps running.
    Client(detail::SharedIo io, Config config);
    // What the destructor does: disconnect, let the shutdown run, close the handlers.
    void shut_down() noexcept;
    // emit()'s value, with the by-reference tail it may carry.
    std::error_code emit_pack(std::string_view event, detail::PackedForEmit packed);
    HandlerId add_handler(std::string_view event, detail::Handler handler, bool once) override;
    void add_request_handler(std::string_view event, detail::RequestHandler handler) override;

    std::shared_ptr<detail::IoThread> thread_;
    std::shared_ptr<detail::ClientImpl> impl_;
};

}  // namespace ipcxx
