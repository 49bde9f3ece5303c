#include "server/udp_link.hpp"

#include "connection/raw_write.hpp"
#include "connection/shared_pack.hpp"
#include "ipcxx/error.hpp"
#include "server/socket_link.hpp"
#include "server/udp_peers.hpp"
#include "server/udp_server.hpp"

namespace ipcxx::detail {
namespace {

using Peer = SocketLink::Peer;

UdpPeer& sender(const Peer& peer) { return *static_cast<UdpPeer*>(peer.get()); }
// The endpoint of a sender, while it exists: a Socket kept after its server is gone reaches nothing.
std::shared_ptr<UdpServer> endpoint_of(const Peer& peer) { return sender(peer).server.lock(); }

class UdpLink final : public SocketLink {
public:
    std::uint64_t serial(const Peer& peer) const noexcept override { return sender(peer).serial; }
    std::string remote_address(const Peer& peer) const override { return sender(peer).remote; }
    std::string id(const Peer&) const override { return {}; }
    PeerIdentity identity(const Peer&) const override { return {}; }
    bool native(const Peer&) const noexcept override { return false; }

    bool connected(const Peer& peer) const noexcept override {
        const auto server = endpoint_of(peer);
        return server && server->running();
    }

    std::size_t pending_messages(const Peer& peer) const override { return sender(peer).pending.load(); }

    std::error_code emit(const Peer& peer, std::string_view event, std::string_view msgpack_data,
                         const PackTail* tail) const override {
        const auto server = endpoint_of(peer);
        if (!server) return make_error_code(errc::not_connected);
        const auto to = shared(peer);
        // One datagram holds the whole frame: a tail is copied in.
        return tail ? server->emit(to, event, joined(msgpack_data, *tail)) : server->emit(to, event, msgpack_data);
    }

    std::error_code emit_raw(const Peer& peer, std::string_view bytes) const override {
        const auto server = endpoint_of(peer);
        return server ? server->emit_raw(shared(peer), bytes) : make_error_code(errc::not_connected);
    }

    std::error_code emit_raw_text(const Peer& peer, std::string_view text) const override {
        const auto server = endpoint_of(peer);
        if (!server) return make_error_code(errc::not_connected);
        std::string bytes;
        if (auto ec = raw_text_bytes(text, server->config(), bytes)) return ec;
        return server->emit_raw(shared(peer), bytes);
    }

    void disconnect(const Peer& peer) const override {
        if (const auto server = endpoint_of(peer)) server->forget(sender(peer));
    }

    Socket make(std::shared_ptr<UdpPeer> peer) const { return handle(std::move(peer)); }

private:
    static std::shared_ptr<UdpPeer> shared(const Peer& peer) { return std::static_pointer_cast<UdpPeer>(peer); }
};

const UdpLink udp_link_instance{};

}  // namespace

Socket udp_socket(std::shared_ptr<UdpPeer> peer) { return udp_link_instance.make(std::move(peer)); }

}  // namespace ipcxx::detail
