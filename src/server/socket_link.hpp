// How a Socket reaches what it names. A Socket holds its peer (a stream connection, or a UDP
// sender) and the link of that kind; the link is stateless, one per kind, and does the work for
// every Socket of its kind, so Socket itself never asks which kind it holds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "connection/shared_pack.hpp"
#include "ipcxx/peer.hpp"
#include "ipcxx/socket.hpp"
#include "transport/peer_identity.hpp"

namespace ipcxx::detail {

// `peer` is always the object the Socket holds, of the type its link was made for.
class SocketLink {
public:
    using Peer = std::shared_ptr<void>;
    virtual std::uint64_t serial(const Peer& peer) const noexcept = 0;
    virtual std::string remote_address(const Peer& peer) const = 0;
    virtual std::string id(const Peer& peer) const = 0;
    virtual PeerIdentity identity(const Peer& peer) const = 0;
    virtual bool native(const Peer& peer) const noexcept = 0;
    virtual bool connected(const Peer& peer) const noexcept = 0;
    virtual std::size_t pending_messages(const Peer& peer) const = 0;
    // `tail`: the rest of the value after `msgpack_data`, kept by reference (see shared_pack.hpp).
    virtual std::error_code emit(const Peer& peer, std::string_view event, std::string_view msgpack_data,
                                 const PackTail* tail) const = 0;
    virtual std::error_code emit_raw(const Peer& peer, std::string_view bytes) const = 0;
    virtual std::error_code emit_raw_text(const Peer& peer, std::string_view text) const = 0;
    virtual void disconnect(const Peer& peer) const = 0;

protected:
    SocketLink() = default;
    ~SocketLink() = default;
    // A handle on `peer` through this link.
    Socket handle(std::shared_ptr<void> peer) const { return Socket(std::move(peer), *this); }
    static const std::shared_ptr<void>& peer_of(const Socket& socket) noexcept { return socket.peer_; }
    static const SocketLink* link_of(const Socket& socket) noexcept { return socket.link_; }
};

}  // namespace ipcxx::detail
