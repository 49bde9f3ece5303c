// A Redis Cluster of the test's own: three (or more) masters, each a RedisServer with
// `cluster-enabled yes` on free loopback ports in its own temporary directory, joined by
// `redis-cli --cluster create ... --cluster-replicas N`, waited for (`cluster_state:ok` on every
// node, with a deadline) and removed with everything when the object goes. redis-cli is found next
// to redis-server on PATH (or as $IPCXX_REDIS_CLI). Optionally with replicas, and with TLS for
// clients, the cluster bus and replication (the plain port stays open for the fixture's own checks).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/redis_server.hpp"

namespace test {

struct RedisClusterOptions {
    std::size_t masters = 3;
    std::size_t replicas = 0;  // per master: nodes masters .. masters*(1+replicas)-1 are replicas
    // Lines of redis.conf for TLS (tls-cert-file, tls-key-file, tls-ca-cert-file): every node then
    // also listens with TLS, with `tls-cluster yes` and `tls-replication yes`. Empty: no TLS.
    std::vector<std::string> tls_config;
    std::chrono::milliseconds timeout{30000};
};

class RedisCluster {
public:
    explicit RedisCluster(const RedisClusterOptions& options);
    // Starts the masters and makes the cluster; throws std::runtime_error (with redis-cli's output)
    // when it is not ready within `timeout`.
    explicit RedisCluster(std::size_t masters = 3, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    ~RedisCluster();
    RedisCluster(const RedisCluster&) = delete;
    RedisCluster& operator=(const RedisCluster&) = delete;

    // redis+cluster://127.0.0.1:<port>,... with every master as a seed.
    std::string url() const;
    // Only the first master as the seed: the others are found through its slot map.
    std::string url_of_first() const;
    // rediss+cluster://127.0.0.1:<TLS port of the first master> (with tls_config).
    std::string tls_url_of_first() const;
    std::size_t size() const { return nodes_.size(); }
    RedisServer& node(std::size_t index) { return *nodes_.at(index); }

    // `redis-cli -p <port of node index> args...`, blocking with a deadline: its whole output,
    // without the last newline (for a test's own setup and checks, independent of the client under test).
    std::string cli(std::size_t index, const std::vector<std::string>& args) const;
    // The node's id (CLUSTER MYID).
    std::string id(std::size_t index) const;
    // The index of the master serving `slot` (by CLUSTER SLOTS on node 0).
    std::size_t owner(std::uint16_t slot) const;
    // Waits until every running node reports cluster_state:ok; false after `timeout`.
    bool wait_ok(std::chrono::milliseconds timeout) const;
    // The index of the node replicating master `index` (by ROLE); throws when it has none.
    std::size_t replica_of(std::size_t index) const;
    // Waits until the replica `index` has everything its master wrote (ROLE's offsets); false after
    // `timeout`.
    bool wait_replicated(std::size_t index, std::chrono::milliseconds timeout) const;

private:
    std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace test
