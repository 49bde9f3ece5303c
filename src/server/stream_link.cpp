#include "server/stream_link.hpp"

#include "connection/raw_write.hpp"
#include "server/server_connection.hpp"
#include "server/socket_link.hpp"

namespace ipcxx::detail {
namespace {

using Peer = SocketLink::Peer;

ServerConnection& conn(const Peer& peer) { return *static_cast<ServerConnection*>(peer.get()); }

class StreamLink final : public SocketLink {
public:
    std::uint64_t serial(const Peer& peer) const noexcept override { return conn(peer).serial(); }
    std::string remote_address(const Peer& peer) const override { return conn(peer).remote(); }
    std::string id(const Peer& peer) const override { return conn(peer).peer_id(); }
    PeerIdentity identity(const Peer& peer) const override { return conn(peer).peer(); }
    bool native(const Peer& peer) const noexcept override { return conn(peer).native(); }
    bool connected(const Peer& peer) const noexcept override { return conn(peer).open(); }
    std::size_t pending_messages(const Peer& peer) const override { return conn(peer).outbox().pending_messages(); }

    std::error_code emit(const Peer& peer, std::string_view event, std::string_view msgpack_data,
                         const PackTail* tail) const override {
        ServerConnection& c = conn(peer);
        if (c.raw()) return make_error_code(errc::invalid_argument);  // no frames: emit_raw()
        return tail ? c.emit_with_tail(event, msgpack_data, *tail) : c.emit(event, msgpack_data);
    }

    std::error_code emit_raw(const Peer& peer, std::string_view bytes) const override {
        ServerConnection& c = conn(peer);
        if (auto ec = check_raw_write(bytes, c.config())) return ec;
        return c.push_frame(bytes);
    }

    std::error_code emit_raw_text(const Peer& peer, std::string_view text) const override {
        std::string bytes;
        if (auto ec = raw_text_bytes(text, conn(peer).config(), bytes)) return ec;
        return emit_raw(peer, bytes);
    }

    void disconnect(const Peer& peer) const override { conn(peer).close(); }

    Socket socket(std::shared_ptr<ServerConnection> conn) const { return handle(std::move(conn)); }

    bool names(const Socket& socket, const ServerConnection& conn) const noexcept {
        return link_of(socket) == this && peer_of(socket).get() == &conn;
    }

    std::shared_ptr<ServerConnection> connection(const Socket& socket) const {
        if (link_of(socket) != this) return nullptr;
        return std::static_pointer_cast<ServerConnection>(peer_of(socket));
    }
};

const StreamLink stream_link_instance{};

}  // namespace

Socket stream_socket(std::shared_ptr<ServerConnection> conn) { return stream_link_instance.socket(std::move(conn)); }

std::shared_ptr<ServerConnection> connection_of(const Socket& socket) { return stream_link_instance.connection(socket); }

bool names_connection(const Socket& socket, const ServerConnection& conn) noexcept {
    return stream_link_instance.names(socket, conn);
}

}  // namespace ipcxx::detail
