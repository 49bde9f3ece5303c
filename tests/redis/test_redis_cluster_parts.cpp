// The socket-free parts of the cluster client: key slots (Redis's documented vectors), which
// argument is the key, the slot map from CLUSTER SLOTS, MOVED/ASK parsing and the redirect decision,
// and redis+cluster:// URLs.
#include <catch2/catch.hpp>

#include "ipcxx/error.hpp"
#include "ipcxx/redis.hpp"
#include "redis/cluster_map.hpp"
#include "redis/cluster_script.hpp"
#include "redis/cluster_slots.hpp"
#include "redis/cluster_url.hpp"
#include "support/redis_replies.hpp"

namespace redis_cluster_parts_tests {

using namespace ipcxx::detail;
using ipcxx::RedisReply;
using namespace test::replies;

RedisReply range(long long first, long long last, const std::string& host, long long port) {
    return array({integer(first), integer(last), array({bulk(host), integer(port), bulk("id")})});
}

TEST_CASE("CRC16 and key slots match Redis's documented values", "[redis_cluster]") {
    // The cluster specification's check value for its CRC16 (XModem).
    CHECK(cluster_crc16("123456789") == 0x31C3);
    // CLUSTER KEYSLOT's documented examples.
    CHECK(cluster_key_slot("somekey") == 11058);
    CHECK(cluster_key_slot("foo{hash_tag}") == 2515);
    CHECK(cluster_key_slot("bar{hash_tag}") == 2515);
}

TEST_CASE("hash tags follow the specification's rules", "[redis_cluster]") {
    CHECK(cluster_key_slot("{user1000}.following") == cluster_key_slot("{user1000}.followers"));
    CHECK(cluster_key_slot("{user1000}.following") == cluster_key_slot("user1000"));
    // An empty tag: the whole key.
    CHECK(cluster_key_slot("foo{}{bar}") == cluster_crc16("foo{}{bar}") % 16384);
    // The first '{' and the next '}'.
    CHECK(cluster_key_slot("foo{{bar}}zap") == cluster_key_slot("{bar"));
    CHECK(cluster_key_slot("foo{bar}{zap}") == cluster_key_slot("bar"));
    // No closing brace: the whole key.
    CHECK(cluster_key_slot("foo{bar") == cluster_crc16("foo{bar") % 16384);
}

TEST_CASE("a command's slot is its first key's", "[redis_cluster]") {
    CHECK(cluster_command_slot({"SET", "k", "v"}) == cluster_key_slot("k"));
    CHECK(cluster_command_slot({"get", "{t}a"}) == cluster_key_slot("t"));
    CHECK(cluster_command_slot({"EVALSHA", "abc", "2", "q1", "q2", "arg"}) == cluster_key_slot("q1"));
    CHECK_FALSE(cluster_command_slot({"EVAL", "return 1", "0", "arg"}));
    CHECK(cluster_command_slot({"XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "BLOCK", "0", "streams", "s", ">"}) ==
          cluster_key_slot("s"));
    CHECK(cluster_command_slot({"XGROUP", "CREATE", "s", "g", "$"}) == cluster_key_slot("s"));
    CHECK_FALSE(cluster_command_slot({"PING"}));
    CHECK_FALSE(cluster_command_slot({"TIME"}));
    CHECK_FALSE(cluster_command_slot({"SCRIPT", "LOAD", "return 1"}));
    CHECK_FALSE(cluster_command_slot({"PUBLISH", "channel", "message"}));
}

TEST_CASE("the slot map from a CLUSTER SLOTS reply", "[redis_cluster]") {
    ClusterSlotMap map;
    CHECK_FALSE(map.node_of(0));
    const auto reply = array({range(0, 5460, "10.0.0.1", 7000), range(5461, 10922, "", 7001),
                              range(10923, 16383, "10.0.0.1", 7002)});
    REQUIRE_FALSE(map.assign(reply, "10.0.0.9"));
    CHECK(map.nodes().size() == 3);
    CHECK(map.node_of(0)->name() == "10.0.0.1:7000");
    CHECK(map.node_of(5460)->name() == "10.0.0.1:7000");
    CHECK(map.node_of(5461)->name() == "10.0.0.9:7001");  // an empty host: the node that answered
    CHECK(map.node_of(16383)->name() == "10.0.0.1:7002");

    map.set(100, ClusterNode{"10.0.0.1", 7002});
    CHECK(map.node_of(100)->port == 7002);
    CHECK(map.node_of(101)->port == 7000);

    // Slots nobody serves have no node.
    REQUIRE_FALSE(map.assign(array({range(0, 10, "h", 1)}), "x"));
    CHECK(map.node_of(11) == std::nullopt);
}

TEST_CASE("a CLUSTER SLOTS reply of another shape is refused and the map kept", "[redis_cluster]") {
    ClusterSlotMap map;
    REQUIRE_FALSE(map.assign(array({range(0, 16383, "h", 1)}), "x"));
    const auto bad = ipcxx::make_error_code(ipcxx::errc::redis_protocol_error);
    CHECK(map.assign(bulk("no"), "x") == bad);
    CHECK(map.assign(array({range(10, 5, "h", 1)}), "x") == bad);
    CHECK(map.assign(array({range(0, 16384, "h", 1)}), "x") == bad);
    CHECK(map.assign(array({range(0, 1, "h", 0)}), "x") == bad);
    CHECK(map.assign(array({array({integer(0), integer(1)})}), "x") == bad);
    CHECK(map.node_of(16383)->name() == "h:1");
}

TEST_CASE("MOVED and ASK replies are parsed, other errors are not redirects", "[redis_cluster]") {
    auto moved = parse_cluster_redirect("MOVED 3999 127.0.0.1:6381");
    REQUIRE(moved);
    CHECK_FALSE(moved->ask);
    CHECK(moved->slot == 3999);
    CHECK(moved->node.name() == "127.0.0.1:6381");
    auto ask = parse_cluster_redirect("ASK 12 ::1:7000");
    REQUIRE(ask);
    CHECK(ask->ask);
    CHECK(ask->node.host == "::1");
    CHECK(ask->node.port == 7000);
    CHECK_FALSE(parse_cluster_redirect("ERR unknown command"));
    CHECK_FALSE(parse_cluster_redirect("MOVED 16384 h:1"));
    CHECK_FALSE(parse_cluster_redirect("MOVED 1 h:"));
    CHECK_FALSE(parse_cluster_redirect("MOVED 1 h:70000"));
    CHECK_FALSE(parse_cluster_redirect("MOVED x h:1"));
    CHECK_FALSE(parse_cluster_redirect("MOVED 1"));
}

TEST_CASE("a redirect is followed until the limit, then given up", "[redis_cluster]") {
    const auto error_reply = ipcxx::make_error_code(ipcxx::errc::redis_error_reply);
    using Action = ClusterDecision::Action;
    CHECK(decide_cluster_reply({}, bulk("v"), 0, 5).action == Action::deliver);
    CHECK(decide_cluster_reply(error_reply, error("ERR wrong"), 0, 5).action == Action::deliver);
    CHECK(decide_cluster_reply(ipcxx::make_error_code(ipcxx::errc::connection_lost), RedisReply{}, 0, 5).action ==
          Action::deliver);
    const auto moved = decide_cluster_reply(error_reply, error("MOVED 5 127.0.0.1:7001"), 4, 5);
    CHECK(moved.action == Action::redirect);
    CHECK(moved.redirect.node.port == 7001);
    CHECK(decide_cluster_reply(error_reply, error("ASK 5 127.0.0.1:7001"), 5, 5).action == Action::give_up);
    CHECK(decide_cluster_reply(error_reply, error("MOVED 5 127.0.0.1:7001"), 0, 0).action == Action::give_up);
}

TEST_CASE("redis+cluster:// URLs give one redis:// URL per seed", "[redis_cluster]") {
    CHECK(is_cluster_url("redis+cluster://h:1"));
    CHECK_FALSE(is_cluster_url("redis://h:1"));
    CHECK(cluster_seed_urls("redis+cluster://127.0.0.1:7000,127.0.0.1:7001") ==
          std::vector<std::string>{"redis://127.0.0.1:7000", "redis://127.0.0.1:7001"});
    CHECK(cluster_seed_urls("redis+cluster://u:p%40ss@h:1,[::1]:2") ==
          std::vector<std::string>{"redis://u:p%40ss@h:1", "redis://u:p%40ss@[::1]:2"});
    CHECK(cluster_seed_urls("redis+cluster://").empty());
    CHECK(cluster_seed_urls("redis+cluster://h").empty());
    CHECK(cluster_seed_urls("redis+cluster://h:1,").empty());
    CHECK(cluster_seed_urls("redis+cluster://h:1/0").empty());
    CHECK(cluster_node_url("redis://u:p@h:1", "10.0.0.2", 7002) == "redis://u:p@10.0.0.2:7002");
    CHECK(cluster_node_url("redis://h:1", "::1", 7002) == "redis://[::1]:7002");
}

TEST_CASE("rediss+cluster:// URLs give rediss:// seeds, and the nodes they name keep TLS", "[redis_cluster]") {
    CHECK(is_cluster_url("rediss+cluster://h:1"));
    CHECK_FALSE(is_cluster_url("rediss://h:1"));
    CHECK(cluster_seed_urls("rediss+cluster://u:p@h:1,10.0.0.2:2") ==
          std::vector<std::string>{"rediss://u:p@h:1", "rediss://u:p@10.0.0.2:2"});
    CHECK(cluster_seed_urls("rediss+cluster://").empty());
    CHECK(cluster_node_url("rediss://u:p@h:1", "10.0.0.3", 7003) == "rediss://u:p@10.0.0.3:7003");
    CHECK(cluster_node_url("rediss://h:1", "::1", 7003) == "rediss://[::1]:7003");
}

TEST_CASE("a script's values passed in KEYS move to ARGV for a cluster", "[redis_cluster]") {
    // rsmq 0.12.4's changeMessageVisibility script, as it passes its id and time in KEYS.
    const std::string visibility = "local msg = redis.call(\"ZSCORE\", KEYS[1], KEYS[2])\n"
                                   "\t\t\tif not msg then\n\t\t\t\treturn 0\n\t\t\tend\n"
                                   "\t\t\tredis.call(\"ZADD\", KEYS[1], KEYS[3], KEYS[2])\n\t\t\treturn 1";
    CHECK(cluster_script_variant(visibility, 1) ==
          "local msg = redis.call(\"ZSCORE\", KEYS[1], ARGV[1])\n"
          "\t\t\tif not msg then\n\t\t\t\treturn 0\n\t\t\tend\n"
          "\t\t\tredis.call(\"ZADD\", KEYS[1], ARGV[2], ARGV[1])\n\t\t\treturn 1");
    CHECK(cluster_script_variant("return {KEYS[1], KEYS[12], KEYS[x], KEYS[}", 1) ==
          "return {KEYS[1], ARGV[11], KEYS[x], KEYS[}");
    CHECK(cluster_script_variant("return KEYS[1]", 1).empty());             // nothing to move
    CHECK(cluster_script_variant("return {KEYS[2], ARGV[1]}", 1).empty());  // ARGV already used

    std::vector<std::string> keys{"{q}:messages", "id", "123"};
    std::vector<std::string> args{"extra"};
    move_keys_to_args(keys, args, 1);
    CHECK(keys == std::vector<std::string>{"{q}:messages"});
    CHECK(args == std::vector<std::string>{"id", "123", "extra"});
}

}  // namespace redis_cluster_parts_tests
