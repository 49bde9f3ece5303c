#include "ipcxx/socket.hpp"

#include "ipcxx/error.hpp"
#include "connection/shared_pack.hpp"
#include "server/socket_link.hpp"

namespace ipcxx {

std::uint64_t Socket::serial() const noexcept { return link_ ? link_->serial(peer_) : 0; }

std::string Socket::remote_address() const { return link_ ? link_->remote_address(peer_) : std::string(); }

std::string Socket::id() const { return link_ ? link_->id(peer_) : std::string(); }

std::optional<PeerCredentials> Socket::credentials() const {
    return link_ ? link_->identity(peer_).credentials : std::nullopt;
}

std::optional<CertificateIdentity> Socket::certificate() const {
    if (!link_) return std::nullopt;
    const auto certificate = link_->identity(peer_).certificate;
    return certificate ? std::optional<CertificateIdentity>(*certificate) : std::nullopt;
}

bool Socket::native() const noexcept { return link_ && link_->native(peer_); }

bool Socket::connected() const noexcept { return link_ && link_->connected(peer_); }

std::size_t Socket::pending_messages() const { return link_ ? link_->pending_messages(peer_) : 0; }

std::error_code Socket::emit_packed(std::string_view event, std::string_view msgpack_data) const {
    if (!link_) return make_error_code(errc::not_connected);
    return link_->emit(peer_, event, msgpack_data, nullptr);
}

std::error_code Socket::emit_pack(std::string_view event, detail::PackedForEmit packed) const {
    if (!link_) return make_error_code(errc::not_connected);
    return link_->emit(peer_, event, packed.head, packed.tail ? &*packed.tail : nullptr);
}

std::error_code Socket::emit_raw(std::string_view bytes) const {
    return link_ ? link_->emit_raw(peer_, bytes) : make_error_code(errc::not_connected);
}

std::error_code Socket::emit_raw_text(std::string_view text) const {
    return link_ ? link_->emit_raw_text(peer_, text) : make_error_code(errc::not_connected);
}

void Socket::disconnect() const {
    if (link_) link_->disconnect(peer_);
}

}  // namespace ipcxx
