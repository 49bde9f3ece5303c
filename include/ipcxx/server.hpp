// Server: accepts clients on a Unix socket or TCP and exchanges named events with them.
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ipcxx/broadcast_result.hpp"
#include "ipcxx/config.hpp"
#include "ipcxx/export.hpp"
#include "ipcxx/handlers.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/socket.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

class Ipc;

/// serve_net's protocol: node-ipc's serveNet(host, port, 'udp4' | 'udp6').
enum class NetProtocol { tcp, udp4, udp6 };

namespace detail {
class ServerImpl;
class ListenerSlot;
class IoThread;
struct SharedIo;
}  // namespace detail

/// Accepts clients on a Unix socket, TCP or UDP and exchanges named events with them.
///
/// Events:
/// @verbatim
///   "start"                ()                      listening
///   "connect"              (Socket&)               a client is known: its hello arrived (id() and
///                                                  native() are set, emit_to reaches it), or its
///                                                  first frame, or handshake_timeout passed in
///                                                  silence; at once on a json or raw_buffer server.
///                                                  Broadcasts reach a client before it.
///   "socket.disconnected"  (Socket&)               a client connection that had its `connect` closed
///   "data"                 (const Payload&, Socket&)  config.raw_buffer: bytes as read (a msgpack bin)
///   "error"                (const ErrorEvent&)     bad input, socket errors, undelivered messages,
///                                                  max_connections refusals, handler exceptions
///   any other name         (const Payload&, Socket&) or (const Payload&): a message arrived
///   "*"                    (std::string_view event, const Payload&, Socket&): every message
/// @endverbatim
///
/// Thread safety: handlers run on the library's I/O thread(s), one strand per connection, so the
/// handlers of one connection never run concurrently and see its messages in order. With
/// config.io_threads = N > 1 the connections are spread over N I/O threads (each stays on one), so
/// handlers of different connections, server-wide ones such as `connect`, `socket.disconnected` and
/// `error` included, may run at the same time on different threads even with handler_threads = 0:
/// state those handlers share needs its own lock. on/off, emit,
/// broadcast, stop and the destructor are safe from any thread, including from inside a handler,
/// and never run a handler inside themselves (socket.disconnected follows once the caller returns).
/// An exception thrown by a handler becomes an `error` event (errc::handler_exception); it never
/// escapes into the I/O loop. After the destructor returns no handler of this server runs, except
/// when the destructor is called from inside one of its own handlers (that handler finishes).
class IPCXX_API Server : public EventSource {
public:
    /// Runs on I/O threads of its own: config.io_threads of them.
    explicit Server(Config config = {});
    /// Runs on the caller's io_context, which must outlive this object and be run by the caller.
    /// config.io_threads must be 1 here (else errc::invalid_argument is thrown).
    Server(asio::io_context& io, Config config = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Removes every handler of `event`.
    void off(std::string_view event) override;
    /// Removes the handler `id` (returned by on / once).
    void off(HandlerId id) override;
    /// Removes the request handler of `event`.
    void unhandle(std::string_view event) override;

    /// Listens on a Unix socket: config.socket_path(config.id), or `path` verbatim.
    void serve();
    /// serve() reporting a failure in `ec` instead of throwing ipcxx::Error.
    void serve(std::error_code& ec);
    /// Listens on the Unix socket at `path`, verbatim.
    void serve(const std::string& path);
    /// The same, reporting a failure in `ec`.
    void serve(const std::string& path, std::error_code& ec);
    /// Listens on TCP (IPv4 or IPv6); port 0 picks a free port (see port()).
    void serve_net();
    /// Listens on TCP at `host`:`port`.
    void serve_net(const std::string& host, std::uint16_t port);
    /// The same, reporting a failure in `ec`.
    void serve_net(const std::string& host, std::uint16_t port, std::error_code& ec);
    /// UDP (node-ipc's 'udp4'/'udp6'): one socket for every peer, no connections. Each datagram holds
    /// one or more JSON-wire frames (or raw_buffer bytes); a sender's partial frame is kept until its
    /// next datagram; handlers get the sender as their Socket (emit replies to its address). broadcast
    /// reaches every sender heard from within config.udp_peer_expiry. A datagram over
    /// max_message_size, or bad input, is reported and dropped with that sender's partial frame.
    /// UDP may lose, duplicate and reorder datagrams: nothing here makes it reliable.
    void serve_net(const std::string& host, std::uint16_t port, NetProtocol protocol);
    /// The same, reporting a failure in `ec`.
    void serve_net(const std::string& host, std::uint16_t port, NetProtocol protocol, std::error_code& ec);
    /// UDP: a Socket for any address, to emit to a peer that has sent nothing yet.
    Socket udp_peer(const std::string& host, std::uint16_t port);
    /// The same, reporting a failure in `ec` (then the Socket is empty).
    Socket udp_peer(const std::string& host, std::uint16_t port, std::error_code& ec);
    /// Listens again on the last endpoint after stop().
    void start();
    /// The same, reporting a failure in `ec`.
    void start(std::error_code& ec);
    /// Closes the listener and every connection; unwritten messages are reported undelivered.
    /// The Unix socket file is removed.
    void stop();
    /// True while listening (after serve / start, until stop).
    bool running() const;

    std::string path() const;     ///< Unix socket path while serving one
    std::uint16_t port() const;   ///< bound TCP port while serving TCP

    /// Emits `event` with `data` to `to` (Socket::emit).
    template <class T>
    std::error_code emit(const Socket& to, std::string_view event, const T& data) {
        return to.emit(event, data);
    }
    /// Emits `event` with no data to `to` (Socket::emit).
    std::error_code emit(const Socket& to, std::string_view event) { return to.emit(event); }
    /// Encodes once and queues the frame on every connection, under each subscriber's
    /// Config::slow_subscriber policy. The result counts subscribers that queued, dropped and refused
    /// it; it converts to the first error, if any (docs/fanout.md).
    template <class T>
    BroadcastResult broadcast(std::string_view event, const T& data) {
        return broadcast_packed(event, detail::pack_thread_local(data));
    }
    /// Broadcasts an already packed Payload.
    BroadcastResult broadcast(std::string_view event, const Payload& data) {
        return broadcast_packed(event, data.msgpack());
    }
    /// Broadcasts `event` with no data.
    BroadcastResult broadcast(std::string_view event) { return broadcast_packed(event, {}); }
    /// Broadcasts the msgpack bytes of one value (empty: no data).
    BroadcastResult broadcast_packed(std::string_view event, std::string_view msgpack_data);

    /// config.raw_buffer: bytes exactly as given, or text in config.encoding (see Client::emit_raw).
    std::error_code emit_raw(const Socket& to, std::string_view bytes) { return to.emit_raw(bytes); }
    /// config.raw_buffer: `text` in config.encoding, to `to` (Socket::emit_raw_text).
    std::error_code emit_raw_text(const Socket& to, std::string_view text) { return to.emit_raw_text(text); }
    /// config.raw_buffer: `bytes` exactly as given, to every connection.
    BroadcastResult broadcast_raw(std::string_view bytes);
    /// config.raw_buffer: `text` in config.encoding, to every connection.
    BroadcastResult broadcast_raw_text(std::string_view text);

    /// Emits to the client whose hello gave this id (ipcxx clients). not_connected if none.
    template <class T>
    std::error_code emit_to(std::string_view client_id, std::string_view event, const T& data) {
        return emit_to_packed(client_id, event, detail::pack_thread_local(data));
    }
    /// emit_to with the msgpack bytes of one value (empty: no data).
    std::error_code emit_to_packed(std::string_view client_id, std::string_view event, std::string_view msgpack_data);

    /// Requests `event` from one client; as Client::request, except that a request whose connection
    /// closes always fails (connection_lost), as there is no reconnect on this side.
    template <class T>
    RequestId request(const Socket& to, std::string_view event, const T& args, std::chrono::milliseconds timeout,
                      ResponseHandler on_response) {
        return request_packed(to, event, detail::pack_thread_local(args), timeout, std::move(on_response));
    }
    /// The std::future form (see Client::request).
    template <class T>
    std::future<Payload> request(const Socket& to, std::string_view event, const T& args,
                                 std::chrono::milliseconds timeout) {
        return request_future_packed(to, event, detail::pack_thread_local(args), timeout);
    }
    /// request() with the arguments already packed as one msgpack value.
    RequestId request_packed(const Socket& to, std::string_view event, std::string_view msgpack_args,
                             std::chrono::milliseconds timeout, ResponseHandler on_response);
    /// Fails at once with errc::would_deadlock on the server's own I/O thread (see Client::request).
    std::future<Payload> request_future_packed(const Socket& to, std::string_view event, std::string_view msgpack_args,
                                               std::chrono::milliseconds timeout);
    /// Work distribution (a job farm's dispatcher): sends the request to ONE of the clients that
    /// handle `event` (their hello listed a request handler for it, or for "*"): the one with the
    /// fewest distributed requests in flight, the longest idle among equals. If that client's
    /// connection drops before it answers, the request goes to another one, up to `attempts` sends
    /// in all. With no such client connected, it waits for one until the deadline. `on_response`
    /// runs once, on the I/O thread: the answer (Response::answered_by names the client), the
    /// client's error response, request_timeout, connection_lost (every attempt's connection
    /// dropped), or no_worker (no client handling `event` appeared before the deadline).
    /// The returned id is for cancel(), which also tells the client working on it.
    template <class T>
    RequestId distribute(std::string_view event, const T& args, std::chrono::milliseconds timeout,
                         ResponseHandler on_response, unsigned attempts = 3) {
        return distribute_packed(event, detail::pack_thread_local(args), timeout, std::move(on_response), attempts);
    }
    /// distribute() with the arguments already packed as one msgpack value.
    RequestId distribute_packed(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                                ResponseHandler on_response, unsigned attempts = 3);

    /// Ends a request with errc::request_cancelled (unless it has already ended) and tells the client.
    void cancel(RequestId id);
    /// Answers this server's Responders gave after their request had been cancelled: dropped, not sent.
    std::uint64_t dropped_replies() const noexcept;

    std::vector<Socket> sockets() const;  ///< the open connections; Socket::id() names ipcxx clients
    /// This server's configuration.
    const Config& config() const noexcept;

private:
    friend class Ipc;
    // On an I/O thread shared with other objects (ipcxx::Ipc's), which `keepalive` keeps running.
    Server(detail::SharedIo io, Config config);
    HandlerId add_handler(std::string_view event, detail::Handler handler, bool once) override;
    void add_request_handler(std::string_view event, detail::RequestHandler handler) override;
    std::shared_ptr<detail::IoThread> thread_;
    std::shared_ptr<detail::ServerImpl> impl_;  // the stream server: events, handlers, requests
    std::unique_ptr<detail::ListenerSlot> listeners_;  // serves through impl_ or a UDP endpoint
};

}  // namespace ipcxx
