// What a Server serves through: a stream server (Unix socket or TCP, server/server_impl.hpp) or a
// UDP endpoint (server/udp_server.hpp). The public Server forwards to the one in use
// (server/listener_slot.hpp) and never asks which kind it is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ipcxx/broadcast_result.hpp"
#include "ipcxx/socket.hpp"

namespace ipcxx::detail {

class Listener {
public:
    // Serves again where it served last, after stop() (Server::start).
    virtual std::error_code restart(std::string& detail) = 0;
    // Stops serving; what was queued and not sent is reported undelivered.
    virtual void stop() = 0;
    virtual bool running() const noexcept = 0;
    // Where it serves, for messages: "unix:/path", "tcp:host:port", "UDP 127.0.0.1:7000".
    virtual std::string describe() const = 0;
    virtual std::string path() const = 0;
    virtual std::uint16_t port() const = 0;
    virtual BroadcastResult broadcast(std::string_view event, std::string_view msgpack_data) = 0;
    virtual BroadcastResult broadcast_raw(std::string_view bytes) = 0;
    virtual std::vector<Socket> sockets() = 0;
    // A handle on any address, to emit to a peer that has sent nothing yet (UDP only).
    virtual std::error_code peer_at(const std::string& host, std::uint16_t port, Socket& out, std::string& detail) = 0;

protected:
    ~Listener() = default;
};

}  // namespace ipcxx::detail
