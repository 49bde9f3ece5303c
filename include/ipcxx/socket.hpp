// Socket: a server's handle on one client connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "ipcxx/detail/moved_body.hpp"
#include "ipcxx/export.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/peer.hpp"

namespace ipcxx {

namespace detail {
class SocketLink;
}

/// A copyable handle on one accepted connection, or on a UDP endpoint's sender (serve_net with
/// NetProtocol::udp4/udp6): emit sends it a datagram, disconnect drops it from the broadcast list,
/// connected is true while the endpoint runs. Handlers receive it; keep a copy to reply later.
/// Thread safety: every member is safe from any thread. Emitting on a closed socket returns
/// errc::not_connected.
class IPCXX_API Socket {
public:
    Socket() = default;

    /// Unique within its server, in accept order, starting at 1; 0 for an empty handle.
    std::uint64_t serial() const noexcept;
    /// "127.0.0.1:40312", "[::1]:40312", or "unix:" followed by the server's path.
    std::string remote_address() const;
    /// The client's id, from its hello (ipcxx clients); empty for node-ipc clients.
    std::string id() const;
    /// The client process's pid, uid and gid: Unix sockets on Linux; nothing over TCP.
    std::optional<PeerCredentials> credentials() const;
    /// The client's TLS certificate: mutual TLS (tls.require_client_cert); nothing otherwise.
    std::optional<CertificateIdentity> certificate() const;
    /// True once this connection speaks the native wire.
    bool native() const noexcept;
    /// True while the connection is open (a UDP sender: while the endpoint runs).
    bool connected() const noexcept;
    /// Messages accepted by emit/broadcast for this socket and not yet written to it.
    std::size_t pending_messages() const;

    /// Emits `event` with `data` packed by msgpack-c; not_connected when closed.
    template <class T>
    std::error_code emit(std::string_view event, const T& data) const {
        return emit_pack(event, detail::pack_for_emit(data));
    }
    /// Emits a value moved in: a std::string, or a std::tuple / std::pair ending in one (or a tuple
    /// ending in a std::string&&, from std::forward_as_tuple(n, std::move(text))). A body of 64 KiB
    /// or more is taken over and queued by reference (no copy; as a SharedBytes text body), a
    /// smaller one is copied; the wire is the same as for a `const T&`. When the message is
    /// refused, the string is left where it was, as it was.
    template <class T, std::enable_if_t<detail::takes_body_v<T>, int> = 0>
    std::error_code emit(std::string_view event, T&& data) const {
        return detail::emit_taking_body(data, [&](const auto& value) { return emit_pack(event, detail::pack_for_emit(value)); });
    }
    /// Emits `event` with an already packed Payload.
    std::error_code emit(std::string_view event, const Payload& data) const {
        return emit_packed(event, data.msgpack());
    }
    /// Emits `event` with no data.
    std::error_code emit(std::string_view event) const { return emit_packed(event, {}); }
    /// config.raw_buffer: bytes exactly as given, or text in config.encoding (see Client::emit_raw).
    std::error_code emit_raw(std::string_view bytes) const;
    /// config.raw_buffer: `text` in config.encoding.
    std::error_code emit_raw_text(std::string_view text) const;

    /// Closes this connection; socket.disconnected follows on the server, never inside this call.
    void disconnect() const;

    /// False for an empty handle.
    explicit operator bool() const noexcept { return peer_ != nullptr; }
    /// The same connection (or UDP sender).
    friend bool operator==(const Socket& a, const Socket& b) noexcept { return a.peer_ == b.peer_; }
    /// Not operator==.
    friend bool operator!=(const Socket& a, const Socket& b) noexcept { return !(a == b); }

    /// msgpack bytes of one value (empty = no data).
    std::error_code emit_packed(std::string_view event, std::string_view msgpack_data) const;

private:
    // emit()'s value, with the by-reference tail it may carry.
    std::error_code emit_pack(std::string_view event, detail::PackedForEmit packed) const;

    friend class detail::SocketLink;
    Socket(std::shared_ptr<void> peer, const detail::SocketLink& link) : peer_(std::move(peer)), link_(&link) {}
    // What this handle names (a connection, a UDP sender), reached through the link of its kind.
    std::shared_ptr<void> peer_;
    const detail::SocketLink* link_ = nullptr;
};

/// What the `error` event carries.
struct ErrorEvent {
    /// What went wrong, an ipcxx::errc or a system error.
    std::error_code code;
    std::string message;         ///< one line naming what went wrong
    std::string event;           ///< the event concerned, if any
    std::size_t undelivered = 0; ///< messages this error reports as not delivered
    Socket socket;               ///< server: the connection concerned, if any
};

}  // namespace ipcxx
