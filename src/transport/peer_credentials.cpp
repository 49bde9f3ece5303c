#include "transport/peer_credentials.hpp"

#include <sys/socket.h>

namespace ipcxx::detail {

std::optional<PeerCredentials> peer_credentials(int fd) noexcept {
#ifdef SO_PEERCRED
    ucred cred{};
    socklen_t size = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0 || size != sizeof(cred)) return std::nullopt;
    return PeerCredentials{static_cast<std::int32_t>(cred.pid), static_cast<std::uint32_t>(cred.uid),
                           static_cast<std::uint32_t>(cred.gid)};
#else
    (void)fd;
    return std::nullopt;
#endif
}

}  // namespace ipcxx::detail
