// The kernel's watch of a TCP link (Config::heartbeat): what to ask of it, derived from the config
// without a socket, and the socket options that ask it.
#pragma once

#include "ipcxx/config.hpp"

namespace ipcxx::detail {

// 0 in a field leaves the system's value.
struct TcpKeepalive {
    bool enabled = false;          // SO_KEEPALIVE
    int idle_seconds = 0;          // TCP_KEEPIDLE: idleness before the first probe
    int interval_seconds = 0;      // TCP_KEEPINTVL: between unanswered probes
    int probes = 0;                // TCP_KEEPCNT: unanswered probes that end the link
    unsigned user_timeout_ms = 0;  // TCP_USER_TIMEOUT: data unacknowledged this long ends the link
};

// Automatic: keepalive probes after heartbeat_interval of idleness (whole seconds, at least one),
// as many as fit in heartbeat_timeout, and TCP_USER_TIMEOUT = heartbeat_timeout. Ping: the same
// probes, without the user timeout (the pings watch the link). Off: nothing.
TcpKeepalive tcp_keepalive(const Config& config) noexcept;

// Sets the options on a TCP socket. One the kernel refuses leaves its default; the others are still set.
void apply_tcp_keepalive(int fd, const TcpKeepalive& keepalive) noexcept;

}  // namespace ipcxx::detail
