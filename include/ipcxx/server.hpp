// Server: accepts clients on a Unix socket or TCP and exchanges named events with them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ipcxx/config.hpp"
#include "ipcxx/handlers.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/socket.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

namespace detail {
class ServerImpl;
class IoThread;
}  // namespace detail

// Events:
//   "start"                ()                      listening
//   "connect"              (Socket&)               a client was accepted
//   "socket.disconnected"  (Socket&)               a client connection closed
//   "error"                (const ErrorEvent&)     bad input, socket errors, undelivered messages,
//                                                  max_connections refusals, handler exceptions
//   any other name         (const Payload&, Socket&) or (const Payload&): a message arrived
//   "*"                    (std::string_view event, const Payload&, Socket&): every message
//
// Thread safety: handlers run on the library's I/O thread(s), one strand per connection, so the
// handlers of one connection never run concurrently and see its messages in order. on/off, emit,
// broadcast, stop and the destructor are safe from any thread, including from inside a handler.
// An exception thrown by a handler becomes an `error` event (errc::handler_exception); it never
// escapes into the I/O loop. After the destructor returns no handler of this server runs, except
// when the destructor is called from inside one of its own handlers (that handler finishes).
class Server : public EventSource {
public:
    // Runs on an I/O thread of its own.
    explicit Server(Config config = {});
    // Runs on the caller's io_context, which must outlive this object and be run by the caller.
    Server(asio::io_context& io, Config config = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    void off(std::string_view event) override;
    void off(HandlerId id) override;

    // Listens on a Unix socket: config.socket_path(config.id), or `path` verbatim.
    void serve();
    void serve(std::error_code& ec);
    void serve(const std::string& path);
    void serve(const std::string& path, std::error_code& ec);
    // Listens on TCP (IPv4 or IPv6); port 0 picks a free port (see port()).
    void serve_net();
    void serve_net(const std::string& host, std::uint16_t port);
    void serve_net(const std::string& host, std::uint16_t port, std::error_code& ec);
    // Listens again on the last endpoint after stop().
    void start();
    void start(std::error_code& ec);
    // Closes the listener and every connection; unwritten messages are reported undelivered.
    // The Unix socket file is removed.
    void stop();
    bool running() const;

    std::string path() const;     // Unix socket path while serving one
    std::uint16_t port() const;   // bound TCP port while serving TCP

    template <class T>
    std::error_code emit(const Socket& to, std::string_view event, const T& data) {
        return to.emit(event, data);
    }
    std::error_code emit(const Socket& to, std::string_view event) { return to.emit(event); }
    // Encodes once and queues the frame on every connection. Returns the first error, if any.
    template <class T>
    std::error_code broadcast(std::string_view event, const T& data) {
        return broadcast_packed(event, detail::pack_thread_local(data));
    }
    std::error_code broadcast(std::string_view event, const Payload& data) {
        return broadcast_packed(event, data.msgpack());
    }
    std::error_code broadcast(std::string_view event) { return broadcast_packed(event, {}); }
    std::error_code broadcast_packed(std::string_view event, std::string_view msgpack_data);

    std::vector<Socket> sockets() const;  // the open connections
    const Config& config() const noexcept;

private:
    HandlerId add_handler(std::string_view event, detail::Handler handler, bool once) override;

    std::shared_ptr<detail::IoThread> thread_;
    std::shared_ptr<detail::ServerImpl> impl_;
};

}  // namespace ipcxx
