// Who is at the other end of a Unix socket, as the kernel saw it when the peer connected.
#pragma once

#include <optional>

#include "ipcxx/peer.hpp"

namespace ipcxx::detail {

// SO_PEERCRED of a connected Unix socket; nothing elsewhere (TCP, or a platform without it).
std::optional<PeerCredentials> peer_credentials(int fd) noexcept;

}  // namespace ipcxx::detail
