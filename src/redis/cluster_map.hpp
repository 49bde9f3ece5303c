// Redis Cluster routing decisions (socket-free): the slot map read from CLUSTER SLOTS, the MOVED and
// ASK error replies, and what to do with a reply given how many redirects a command has had.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "ipcxx/redis.hpp"
#include "redis/cluster_slots.hpp"

namespace ipcxx::detail {

// A master node: "host:port" as the cluster names it.
struct ClusterNode {
    std::string host;
    std::uint16_t port = 0;
    std::string name() const { return host + ":" + std::to_string(port); }
    bool operator==(const ClusterNode& other) const { return host == other.host && port == other.port; }
};

// Which master serves each slot. Slots nobody serves (a map not read yet, a slot not assigned) have
// no node.
class ClusterSlotMap {
public:
    // The masters of a CLUSTER SLOTS reply: `[[first, last, [host, port, id...], replicas...]...]`.
    // An empty host means the node that answered (`answered_by`). errc::redis_protocol_error for a
    // reply of another shape, and then the map is left as it was.
    std::error_code assign(const RedisReply& slots_reply, const std::string& answered_by_host);
    // One slot now served by `node` (after MOVED, before the whole map is read again).
    void set(std::uint16_t slot, const ClusterNode& node);
    std::optional<ClusterNode> node_of(std::uint16_t slot) const;
    // Every master the map names, each once.
    std::vector<ClusterNode> nodes() const { return nodes_; }
    bool empty() const noexcept { return nodes_.empty(); }

private:
    std::size_t index_of(const ClusterNode& node);
    static constexpr std::uint16_t none = 0xffff;
    std::vector<ClusterNode> nodes_;
    std::array<std::uint16_t, cluster_slot_count> slots_{};  // index into nodes_, or none
    bool filled_ = false;
};

// `MOVED 3999 127.0.0.1:6381` or `ASK 3999 127.0.0.1:6381`.
struct ClusterRedirect {
    bool ask = false;  // ASK: this command only, after ASKING; MOVED: the slot moved for good
    std::uint16_t slot = 0;
    ClusterNode node;
};

// The redirect an error reply's text asks for, if it is one.
std::optional<ClusterRedirect> parse_cluster_redirect(const std::string& error_text);

// What to do with a command's reply.
struct ClusterDecision {
    enum class Action {
        deliver,   // the reply (or error) is the command's own: hand it over
        redirect,  // send it again to `redirect.node` (after ASKING for ASK)
        give_up,   // a redirect past the limit: end with errc::redis_redirect_limit
    };
    Action action = Action::deliver;
    ClusterRedirect redirect;
};

// `redirects` is how many times the command was already sent elsewhere; `limit` how many it may be.
ClusterDecision decide_cluster_reply(std::error_code ec, const RedisReply& reply, std::size_t redirects,
                                     std::size_t limit);

}  // namespace ipcxx::detail
