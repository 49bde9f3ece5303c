// The transport layer (endpoints, byte streams, TLS): where it sits among the layers and its threading are in docs/ARCHITECTURE.md.
#include "transport/tcp_keepalive.hpp"

#include <algorithm>
#include <limits>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace ipcxx::detail {
namespace tcp_keepalive_options {

// The kernel's bounds (Linux: MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT).
constexpr long long max_idle_seconds = 32767;
constexpr long long max_probes = 127;

void set_int(int fd, int level, int name, int value) noexcept {
    ::setsockopt(fd, level, name, &value, sizeof(value));
}

}  // namespace tcp_keepalive_options

TcpKeepalive tcp_keepalive(const Config& config) noexcept {
    using namespace tcp_keepalive_options;
    TcpKeepalive out;
    if (config.heartbeat == HeartbeatMode::off) return out;
    out.enabled = true;
    const long long interval_ms = config.heartbeat_interval.count();
    const long long timeout_ms = config.heartbeat_timeout.count();
    if (interval_ms > 0) {
        const long long seconds = std::clamp<long long>(interval_ms / 1000, 1, max_idle_seconds);
        out.idle_seconds = static_cast<int>(seconds);
        out.interval_seconds = static_cast<int>(seconds);
        if (timeout_ms > 0) {
            // The probes after the first idle period that fit in the timeout, rounded up.
            const long long after_idle = std::max<long long>(0, timeout_ms - seconds * 1000);
            const long long probes = (after_idle + seconds * 1000 - 1) / (seconds * 1000);
            out.probes = static_cast<int>(std::clamp<long long>(probes, 1, max_probes));
        }
    }
    if (config.heartbeat == HeartbeatMode::automatic && timeout_ms > 0) {
        out.user_timeout_ms = static_cast<unsigned>(std::min<long long>(timeout_ms, std::numeric_limits<int>::max()));
    }
    return out;
}

void apply_tcp_keepalive(int fd, const TcpKeepalive& keepalive) noexcept {
    using tcp_keepalive_options::set_int;
    if (!keepalive.enabled) return;
    set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
    if (keepalive.idle_seconds > 0) set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, keepalive.idle_seconds);
    if (keepalive.interval_seconds > 0) set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, keepalive.interval_seconds);
    if (keepalive.probes > 0) set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, keepalive.probes);
    if (keepalive.user_timeout_ms > 0) {
        const unsigned value = keepalive.user_timeout_ms;
        ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &value, sizeof(value));
    }
}

}  // namespace ipcxx::detail
