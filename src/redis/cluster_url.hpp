// `redis+cluster://` URLs (socket-free): the seed nodes of a Redis Cluster, each as a redis:// URL.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ipcxx::detail {

inline constexpr std::string_view cluster_url_scheme = "redis+cluster://";
// The same with TLS to every node (rediss:// seeds and nodes).
inline constexpr std::string_view tls_cluster_url_scheme = "rediss+cluster://";

bool is_cluster_url(const std::string& url) noexcept;

// `redis+cluster://[[user]:password@]host:port[,host:port...]` → one `redis://[credentials@]host:port`
// per seed, in order (`rediss+cluster://` → `rediss://`); empty when the text has no seed or a seed
// without a port (the caller then reports errc::redis_bad_url through a connection that refuses it).
std::vector<std::string> cluster_seed_urls(const std::string& url);

// "redis://[credentials@]host:port" for a node the cluster names, with the seed's scheme (redis://
// or rediss://) and credentials.
std::string cluster_node_url(const std::string& seed_url, const std::string& host, unsigned port);

}  // namespace ipcxx::detail
