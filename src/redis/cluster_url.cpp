#include "redis/cluster_url.hpp"

namespace ipcxx::detail {
namespace cluster_url_parts {

// "redis://" or "rediss://": the scheme a node URL starts with, up to and with its "//".
std::string scheme_of(const std::string& node_url) {
    const auto end = node_url.find("://");
    return end == std::string::npos ? std::string() : node_url.substr(0, end + 3);
}

// The "user:password@" part of a seed URL, with its '@', or nothing.
std::string credentials_of(const std::string& node_url) {
    const auto at = node_url.rfind('@');
    if (at == std::string::npos) return {};
    const std::size_t start = scheme_of(node_url).size();
    return node_url.substr(start, at + 1 - start);
}

bool starts_with(const std::string& text, std::string_view prefix) noexcept {
    return text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace cluster_url_parts

bool is_cluster_url(const std::string& url) noexcept {
    return cluster_url_parts::starts_with(url, cluster_url_scheme) ||
           cluster_url_parts::starts_with(url, tls_cluster_url_scheme);
}

std::vector<std::string> cluster_seed_urls(const std::string& url) {
    if (!is_cluster_url(url)) return {};
    const bool tls = cluster_url_parts::starts_with(url, tls_cluster_url_scheme);
    const std::string node_scheme = tls ? "rediss://" : "redis://";
    std::string rest = url.substr((tls ? tls_cluster_url_scheme : cluster_url_scheme).size());
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
        seeds.push_back(node_scheme + credentials + address);
        start = comma + 1;
    }
    return seeds;
}

std::string cluster_node_url(const std::string& seed_url, const std::string& host, unsigned port) {
    const bool ipv6 = host.find(':') != std::string::npos;
    return cluster_url_parts::scheme_of(seed_url) + cluster_url_parts::credentials_of(seed_url) +
           (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace ipcxx::detail
