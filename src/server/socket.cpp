#include "ipcxx/socket.hpp"

#include "connection/connection.hpp"

namespace ipcxx {

std::uint64_t Socket::serial() const noexcept { return conn_ ? conn_->serial() : 0; }

std::string Socket::remote_address() const { return conn_ ? conn_->remote() : std::string(); }

std::string Socket::id() const { return conn_ ? conn_->peer_id() : std::string(); }

std::optional<PeerCredentials> Socket::credentials() const {
    return conn_ ? conn_->peer().credentials : std::nullopt;
}

bool Socket::native() const noexcept { return conn_ && conn_->native(); }

bool Socket::connected() const noexcept { return conn_ && conn_->open(); }

std::size_t Socket::pending_messages() const { return conn_ ? conn_->outbox().pending_messages() : 0; }

std::error_code Socket::emit_packed(std::string_view event, std::string_view msgpack_data) const {
    if (!conn_) return make_error_code(errc::not_connected);
    return conn_->emit(event, msgpack_data);
}

void Socket::disconnect() const {
    if (conn_) conn_->close();
}

}  // namespace ipcxx
