#include "ipcxx/socket.hpp"

#include "connection/connection.hpp"
#include "connection/raw_write.hpp"
#include "connection/shared_pack.hpp"
#include "server/udp_server.hpp"

namespace ipcxx {
namespace {

// The endpoint of a UDP sender, while it exists.
std::shared_ptr<detail::UdpServer> endpoint_of(const std::shared_ptr<detail::UdpPeer>& peer) {
    return peer ? peer->server.lock() : nullptr;
}

}  // namespace

std::uint64_t Socket::serial() const noexcept {
    if (udp_) return udp_->serial;
    return conn_ ? conn_->serial() : 0;
}

std::string Socket::remote_address() const {
    if (udp_) return udp_->remote;
    return conn_ ? conn_->remote() : std::string();
}

std::string Socket::id() const { return conn_ ? conn_->peer_id() : std::string(); }

std::optional<PeerCredentials> Socket::credentials() const {
    return conn_ ? conn_->peer().credentials : std::nullopt;
}

std::optional<CertificateIdentity> Socket::certificate() const {
    return conn_ ? conn_->peer().certificate : std::nullopt;
}

bool Socket::native() const noexcept { return conn_ && conn_->native(); }

bool Socket::connected() const noexcept {
    if (udp_) {
        const auto endpoint = endpoint_of(udp_);
        return endpoint && endpoint->running();
    }
    return conn_ && conn_->open();
}

std::size_t Socket::pending_messages() const {
    if (udp_) return udp_->pending.load();
    return conn_ ? conn_->outbox().pending_messages() : 0;
}

std::error_code Socket::emit_packed(std::string_view event, std::string_view msgpack_data) const {
    const auto tail = detail::take_pack_tail(msgpack_data);
    if (udp_) {
        const auto endpoint = endpoint_of(udp_);
        if (!endpoint) return make_error_code(errc::not_connected);
        return tail ? endpoint->emit(udp_, event, detail::joined(msgpack_data, *tail))
                    : endpoint->emit(udp_, event, msgpack_data);
    }
    if (!conn_) return make_error_code(errc::not_connected);
    if (conn_->raw()) return make_error_code(errc::invalid_argument);  // no frames: emit_raw()
    return tail ? conn_->emit_with_tail(event, msgpack_data, *tail) : conn_->emit(event, msgpack_data);
}

std::error_code Socket::emit_raw(std::string_view bytes) const {
    if (udp_) {
        const auto endpoint = endpoint_of(udp_);
        return endpoint ? endpoint->emit_raw(udp_, bytes) : make_error_code(errc::not_connected);
    }
    if (!conn_) return make_error_code(errc::not_connected);
    if (auto ec = detail::check_raw_write(bytes, conn_->config())) return ec;
    return conn_->push_frame(bytes);
}

std::error_code Socket::emit_raw_text(std::string_view text) const {
    const auto endpoint = endpoint_of(udp_);
    if (!conn_ && !endpoint) return make_error_code(errc::not_connected);
    std::string bytes;
    if (auto ec = detail::raw_text_bytes(text, endpoint ? endpoint->config() : conn_->config(), bytes)) return ec;
    return emit_raw(bytes);
}

void Socket::disconnect() const {
    if (const auto endpoint = endpoint_of(udp_)) endpoint->forget(*udp_);
    if (conn_) conn_->close();
}

}  // namespace ipcxx
