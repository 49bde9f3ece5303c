// UDP endpoints (node-ipc's serveNet(host, port, 'udp4'|'udp6')): resolution and binding.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>

#include <asio/ip/udp.hpp>

namespace ipcxx::detail {

// The largest UDP payload over IPv4 (65535 - IP and UDP headers); IPv6 allows a little more.
constexpr std::size_t max_udp_payload = 65507;

// Resolves `host` to an address of the family (IPv6 when `v6`). As node-ipc, udp4 with host "::1"
// means 127.0.0.1. errc::resolve_failed when the host has no address of that family.
std::error_code resolve_udp(const std::string& host, std::uint16_t port, bool v6, asio::ip::udp::endpoint& out,
                            std::string& detail);

// Opens and binds (close-on-exec); errc::address_in_use when the port is taken.
std::error_code bind_udp(asio::ip::udp::socket& socket, const asio::ip::udp::endpoint& at, std::string& detail);

// "127.0.0.1:40312", "[::1]:40312".
std::string describe_udp(const asio::ip::udp::endpoint& endpoint);

}  // namespace ipcxx::detail
