// `redis+cluster://` URLs (socket-free): the seed nodes of a Redis Cluster, each as a redis:// URL.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ipcxx::detail {

inline constexpr std::string_view cluster_url_scheme = "redis+cluster://";

bool is_cluster_url(const std::string& url) noexcept;

// `redis+cluster://[[user]:password@]host:port[,host:port...]` → one `redis://[credentials@]host:port`
// per seed, in order; empty when the text has no seed or a seed without a port (the caller then
// reports errc::redis_bad_url through a connection that refuses the text).
std::vector<std::string> cluster_seed_urls(const std::string& url);

// "redis://[credentials@]host:port" for a node the cluster names, with the seeds' credentials.
std::string cluster_node_url(const std::string& seed_url, const std::string& host, unsigned port);

}  // namespace ipcxx::detail
