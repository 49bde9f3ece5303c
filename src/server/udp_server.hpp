// A server's UDP endpoint (node-ipc's serveNet(host, port, 'udp4'|'udp6')): each datagram holds one
// or more JSON-wire frames (or raw bytes), a partial frame is kept per sender, handlers get the sender
// as their Socket, and broadcast reaches every sender heard from within config.udp_peer_expiry.
// Bad input from one sender is reported and dropped with that sender's partial frame; nothing else
// is disturbed. Only the JSON wire: no hello, no native frames, no requests.
//
// Handlers run on the endpoint's one strand. Sends are queued (bounded by max_pending_bytes) and
// written one datagram at a time; any thread may send, bind or stop (the socket is used under a lock).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/strand.hpp>

#include "codec/json_wire.hpp"
#include "dispatch/event_sink.hpp"
#include "payload_data.hpp"
#include "server/listener.hpp"
#include "server/udp_peers.hpp"

namespace ipcxx::detail {

class UdpServer final : public Listener, public std::enable_shared_from_this<UdpServer> {
public:
    // `events` lives as long as `owner` (the server, which owns this endpoint); `io_keepalive` is
    // the I/O thread, if the server has one.
    UdpServer(asio::io_context& io, std::weak_ptr<void> owner, EventSink& events, std::shared_ptr<const Config> config,
              std::shared_ptr<void> io_keepalive);

    // Refused under tls.enabled: UDP has no TLS.
    std::error_code bind(const std::string& host, std::uint16_t port, bool v6, std::string& detail);
    // Binds again where the last bind was (the same port), after stop().
    std::error_code restart(std::string& detail) override;
    // Closes the socket; queued datagrams are reported undelivered.
    void stop() override;
    bool running() const noexcept override { return running_.load(std::memory_order_acquire); }
    std::string describe() const override;
    std::string path() const override { return {}; }
    std::uint16_t port() const override;

    // A handle on any address (emit to a peer that has not sent anything); not_connected when stopped.
    std::error_code peer_at(const std::string& host, std::uint16_t port, Socket& out, std::string& detail) override;
    std::vector<Socket> sockets() override;

    std::error_code emit(const std::shared_ptr<UdpPeer>& to, std::string_view event, std::string_view msgpack_data);
    std::error_code emit_raw(const std::shared_ptr<UdpPeer>& to, std::string_view bytes);
    BroadcastResult broadcast(std::string_view event, std::string_view msgpack_data) override;
    BroadcastResult broadcast_raw(std::string_view bytes) override;
    void forget(const UdpPeer& peer) { peers_.forget(peer); }
    const Config& config() const noexcept { return config_; }

private:
    struct Datagram {
        std::shared_ptr<UdpPeer> to;
        std::string bytes;
    };
    std::error_code send(const std::shared_ptr<UdpPeer>& to, std::string_view datagram);
    BroadcastResult send_to_all(std::string_view datagram);
    void do_receive(std::uint64_t generation);
    void on_receive(std::uint64_t generation, std::error_code ec, std::size_t n);
    // Dispatches the frames a datagram completed; false after bad input (reported, partial dropped).
    bool read_frames(const std::shared_ptr<UdpPeer>& peer, std::string_view datagram);
    std::string describe_locked() const;  // with socket_mutex_ held
    void send_next();
    void on_sent(std::error_code ec);
    // Publishes on the strand while the server exists.
    template <class Publish>
    void publish(Publish&& publish);
    void report(std::error_code ec, std::string message, const std::shared_ptr<UdpPeer>& peer = {},
                std::size_t undelivered = 0);

    const std::shared_ptr<void> io_keepalive_;  // declared first: destroyed after the strand and socket
    const std::weak_ptr<void> owner_;
    EventSink& events_;  // only while owner_ can be locked
    const std::shared_ptr<const Config> config_holder_;
    const Config& config_;
    asio::strand<asio::io_context::executor_type> strand_;
    UdpPeerTable peers_;

    mutable std::mutex socket_mutex_;  // socket_, bound_, generation_
    asio::ip::udp::socket socket_;
    asio::ip::udp::endpoint bound_;
    std::uint64_t generation_ = 0;  // bumps on stop so stale completions are ignored
    std::atomic<bool> running_{false};

    // Receive side: the strand only.
    std::vector<char> receive_buffer_;
    asio::ip::udp::endpoint sender_;
    JsonFrameDecoder decoder_;
    PayloadPool payloads_;

    std::mutex send_mutex_;  // queue_, queued_bytes_, sending_
    std::deque<Datagram> queue_;
    std::size_t queued_bytes_ = 0;
    bool sending_ = false;
    Datagram in_flight_;  // the strand only
};

}  // namespace ipcxx::detail
