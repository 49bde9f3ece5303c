// Which listener a Server serves through (server/listener.hpp): its stream server, which also owns
// the server's events, handlers and requests, or its UDP endpoint, made by the first UDP serve and
// publishing into the stream server's events. One serves at a time: serving one kind while the
// other runs is refused. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>

#include "server/listener.hpp"
#include "transport/endpoint.hpp"

namespace ipcxx::detail {

class ServerImpl;
class UdpServer;

class ListenerSlot {
public:
    explicit ListenerSlot(std::shared_ptr<ServerImpl> stream);
    ~ListenerSlot();

    // The listener last served through (the stream server until a UDP serve succeeds). It lives as
    // long as this slot.
    Listener& current() const noexcept { return *current_.load(std::memory_order_acquire); }
    std::error_code serve_stream(const Target& target, std::string& detail);
    std::error_code serve_udp(const std::string& host, std::uint16_t port, bool v6, std::string& detail);

private:
    // Serves through `next` with `serve` unless the other listener runs; `next` is current from then on.
    template <class Serve>
    std::error_code serve_through(Listener& next, std::string& detail, Serve&& serve);

    const std::shared_ptr<ServerImpl> stream_;
    std::mutex mutex_;                // serialises serves and guards udp_
    std::shared_ptr<UdpServer> udp_;  // made on the first UDP serve, kept from then on
    std::atomic<Listener*> current_;
};

}  // namespace ipcxx::detail
