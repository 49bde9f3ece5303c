#include "support/redis_cluster.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <unistd.h>

namespace test {
namespace redis_cluster_fixture {

using Clock = std::chrono::steady_clock;

std::string find_redis_cli() {
    if (const char* own = std::getenv("IPCXX_REDIS_CLI"); own && *own) return own;
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::string candidate = dir + "/redis-cli";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    throw std::runtime_error("redis-cli not found on PATH (the redis-tools package): the cluster tests need it");
}

std::string quote(const std::string& word) {
    std::string out = "'";
    for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Runs a command line under `timeout` (coreutils), returning its output.
std::string run(const std::vector<std::string>& words, int seconds) {
    std::string line = "timeout " + std::to_string(seconds);
    for (const auto& word : words) line += " " + quote(word);
    line += " 2>&1";
    FILE* pipe = ::popen(line.c_str(), "r");
    if (!pipe) throw std::runtime_error("popen failed for: " + line);
    std::string out;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    ::pclose(pipe);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

}  // namespace redis_cluster_fixture

using namespace redis_cluster_fixture;

RedisCluster::RedisCluster(std::size_t masters, std::chrono::milliseconds timeout)
    : RedisCluster(RedisClusterOptions{masters, 0, {}, timeout}) {}

RedisCluster::RedisCluster(const RedisClusterOptions& cluster) {
    const bool tls = !cluster.tls_config.empty();
    for (std::size_t i = 0; i < cluster.masters * (1 + cluster.replicas); ++i) {
        RedisServerOptions options;
        options.tcp = true;
        options.tls = tls;
        // The bus port defaults to port + 10000, which can be past 65535: give it a free one.
        options.config = {"cluster-enabled yes", "cluster-config-file nodes.conf",
                          "cluster-port " + std::to_string(redis_server_fixture::free_port()),
                          "cluster-node-timeout 1000",
                          // The other masters keep serving their slots while one is down.
                          "cluster-require-full-coverage no"};
        if (tls) {
            options.config.insert(options.config.end(), cluster.tls_config.begin(), cluster.tls_config.end());
            options.config.insert(options.config.end(), {"tls-cluster yes", "tls-replication yes", "tls-auth-clients no"});
        }
        nodes_.push_back(std::make_unique<RedisServer>(options));
    }
    std::vector<std::string> create{find_redis_cli(), "--cluster", "create"};
    for (const auto& node : nodes_) create.push_back("127.0.0.1:" + std::to_string(node->port()));
    create.insert(create.end(), {"--cluster-replicas", std::to_string(cluster.replicas), "--cluster-yes"});
    const std::string output = run(create, 30);
    if (!wait_ok(cluster.timeout)) throw std::runtime_error("the cluster did not reach cluster_state:ok: " + output);
}

RedisCluster::~RedisCluster() = default;

std::string RedisCluster::url() const {
    std::string out = "redis+cluster://";
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        out += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(nodes_[i]->port());
    }
    return out;
}

std::string RedisCluster::url_of_first() const { return "redis+cluster://127.0.0.1:" + std::to_string(nodes_.front()->port()); }

std::string RedisCluster::tls_url_of_first() const {
    return "rediss+cluster://127.0.0.1:" + std::to_string(nodes_.front()->tls_port());
}

std::string RedisCluster::cli(std::size_t index, const std::vector<std::string>& args) const {
    std::vector<std::string> words{find_redis_cli(), "-p", std::to_string(nodes_.at(index)->port())};
    words.insert(words.end(), args.begin(), args.end());
    return run(words, 10);
}

std::string RedisCluster::id(std::size_t index) const { return cli(index, {"CLUSTER", "MYID"}); }

std::size_t RedisCluster::owner(std::uint16_t slot) const {
    // `--cluster check`-free: ask node 0 which port serves the slot, by CLUSTER SLOTS's flat output
    // (first, last, host, port, id, ... per range, one value a line).
    std::stringstream lines(cli(0, {"CLUSTER", "SLOTS"}));
    std::vector<std::string> values;
    for (std::string line; std::getline(lines, line);) values.push_back(line);
    for (std::size_t i = 0; i + 3 < values.size(); ++i) {
        if (values[i + 2] != "127.0.0.1") continue;
        const long first = std::strtol(values[i].c_str(), nullptr, 10);
        const long last = std::strtol(values[i + 1].c_str(), nullptr, 10);
        const long port = std::strtol(values[i + 3].c_str(), nullptr, 10);
        if (slot < first || slot > last) continue;
        for (std::size_t n = 0; n < nodes_.size(); ++n) {
            if (nodes_[n]->port() == port) return n;
        }
    }
    throw std::runtime_error("no master serves slot " + std::to_string(slot));
}

bool RedisCluster::wait_ok(std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        bool ok = true;
        for (std::size_t i = 0; i < nodes_.size() && ok; ++i) {
            if (!nodes_[i]->running()) continue;
            ok = cli(i, {"CLUSTER", "INFO"}).find("cluster_state:ok") != std::string::npos;
        }
        if (ok) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polled again, within the deadline
    }
    return false;
}

std::size_t RedisCluster::replica_of(std::size_t index) const {
    const std::string port = std::to_string(nodes_.at(index)->port());
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        if (n == index || !nodes_[n]->running()) continue;
        // A replica's ROLE: "slave", the master's host, its port, the link state, the offset.
        std::stringstream lines(cli(n, {"ROLE"}));
        std::vector<std::string> role;
        for (std::string line; std::getline(lines, line);) role.push_back(line);
        if (role.size() >= 3 && role[0] == "slave" && role[2] == port) return n;
    }
    throw std::runtime_error("master " + std::to_string(index) + " has no replica");
}

bool RedisCluster::wait_replicated(std::size_t index, std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        std::stringstream lines(cli(index, {"ROLE"}));
        std::vector<std::string> role;
        for (std::string line; std::getline(lines, line);) role.push_back(line);
        if (role.size() >= 5 && role[0] == "slave" && role[3] == "connected") {
            for (std::size_t n = 0; n < nodes_.size(); ++n) {
                if (std::to_string(nodes_[n]->port()) != role[2]) continue;
                // A master's ROLE: "master", its offset, then its replicas.
                std::stringstream master_lines(cli(n, {"ROLE"}));
                std::string kind, offset;
                std::getline(master_lines, kind);
                std::getline(master_lines, offset);
                if (kind == "master" && offset == role[4]) return true;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polled again, within the deadline
    }
    return false;
}

}  // namespace test
