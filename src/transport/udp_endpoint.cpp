#include "transport/udp_endpoint.hpp"

#include <vector>

#include "ipcxx/error.hpp"
#include "transport/endpoint.hpp"

namespace ipcxx::detail {

std::error_code resolve_udp(const std::string& host, std::uint16_t port, bool v6, asio::ip::udp::endpoint& out,
                            std::string& detail) {
    const std::string name = !v6 && (host == "::1" || host == "[::1]") ? "127.0.0.1" : host;
    std::vector<GenericEndpoint> candidates;
    if (auto ec = resolve_tcp(name, port, candidates, detail)) return ec;
    for (const auto& candidate : candidates) {
        const auto ip = ip_endpoint(candidate);
        if (ip.address().is_v6() == v6) {
            out = asio::ip::udp::endpoint(ip.address(), ip.port());
            return {};
        }
    }
    detail = "host '" + host + "' has no " + (v6 ? "IPv6" : "IPv4") + " address for " + (v6 ? "udp6" : "udp4");
    return make_error_code(errc::resolve_failed);
}

std::error_code bind_udp(asio::ip::udp::socket& socket, const asio::ip::udp::endpoint& at, std::string& detail) {
    std::error_code ec;
    socket.open(at.protocol(), ec);
    if (!ec) set_close_on_exec(socket.native_handle());
    if (!ec) socket.bind(at, ec);
    if (!ec) return {};
    std::error_code ignored;
    socket.close(ignored);
    detail = "cannot bind UDP " + describe_udp(at) + ": " + ec.message();
    return ec == asio::error::address_in_use ? make_error_code(errc::address_in_use) : ec;
}

std::string describe_udp(const asio::ip::udp::endpoint& endpoint) {
    return describe_ip(endpoint.address(), endpoint.port());
}

}  // namespace ipcxx::detail
