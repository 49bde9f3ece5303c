#include "redis/cluster_url.hpp"

namespace ipcxx::detail {
namespace cluster_url_parts {

constexpr std::string_view node_scheme = "redis://";

// The "user:password@" part of a seed URL, with its '@', or nothing.
std::string credentials_of(const std::string& node_url) {
    const auto at = node_url.rfind('@');
    if (at == std::string::npos) return {};
    return node_url.substr(node_scheme.size(), at + 1 - node_scheme.size());
}

}  // namespace cluster_url_parts

bool is_cluster_url(const std::string& url) noexcept { return url.compare(0, cluster_url_scheme.size(), cluster_url_scheme) == 0; }

std::vector<std::string> cluster_seed_urls(const std::string& url) {
    if (!is_cluster_url(url)) return {};
    std::string rest = url.substr(cluster_url_scheme.size());
    std::string credentials;
    if (const auto at = rest.rfind('@'); at != std::string::npos) {
        credentials = rest.substr(0, at + 1);
        rest = rest.substr(at + 1);
    }
    std::vector<std::string> seeds;
    std::size_t start = 0;
    while (start <= rest.size()) {
        const auto comma = std::min(rest.find(',', start), rest.size());
        const std::string address = rest.substr(start, comma - start);
        const auto colon = address.rfind(':');
        if (address.empty() || colon == std::string::npos || colon + 1 == address.size() ||
            address.find('/') != std::string::npos) {
            return {};
        }
        seeds.push_back(std::string(cluster_url_parts::node_scheme) + credentials + address);
        start = comma + 1;
    }
    return seeds;
}

std::string cluster_node_url(const std::string& seed_url, const std::string& host, unsigned port) {
    const bool ipv6 = host.find(':') != std::string::npos;
    return std::string(cluster_url_parts::node_scheme) + cluster_url_parts::credentials_of(seed_url) +
           (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace ipcxx::detail
