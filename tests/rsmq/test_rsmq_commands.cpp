// With RsmqOptions::rsmq_commands the Redis commands ipcxx::Rsmq issues are rsmq 0.12.4's: the same
// operations run by rsmq in node and by ipcxx, each captured with `redis-cli monitor`, give the same
// commands once ids, times and the namespace are normalised.
#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "ipcxx/rsmq.hpp"
#include "redis/redis_test_support.hpp"
#include "support/child_process.hpp"
#include "support/redis_server.hpp"

namespace test_rsmq_commands {

using namespace std::chrono_literals;
using test::PeerLine;

// The commands rsmq's operations use (the client's own handshake and rsmq's SCRIPT LOAD left out).
bool is_rsmq_command(const std::string& name) {
    static const std::vector<std::string> names = {"time", "multi", "exec", "hsetnx", "sadd", "hmget", "zadd",
                                                   "hset", "hincrby", "zcard", "publish", "evalsha", "zrem",
                                                   "hdel", "del", "srem", "zcount", "smembers"};
    for (const auto& n : names) {
        if (name == n) return true;
    }
    return false;
}

// A monitor line as `"cmd" "arg" ...` with the command name in lower case and ids, times and the
// namespace replaced; "" if it is not one of rsmq's commands (or a script's command, "lua: ...").
std::string normalised(const std::string& line, const std::string& ns) {
    static const std::regex shape(R"(^[0-9.]+ \[\d+ ([^\]]+)\] (.*)$)");
    std::smatch m;
    if (!std::regex_match(line, m, shape)) return "";
    std::string args = m[2];
    const bool from_script = m[1] == "lua";
    std::smatch first;
    static const std::regex first_arg(R"(^"([A-Za-z]+)\")");
    if (!std::regex_search(args, first, first_arg)) return "";
    std::string name = first[1];
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!from_script && !is_rsmq_command(name)) return "";
    // Redis reads command names in any case: rsmq writes them in lower case, ipcxx in upper.
    if (!from_script) args = "\"" + name + args.substr(name.size() + 1);
    args = std::regex_replace(args, std::regex("\"" + ns + ":"), "\"NS:");
    args = std::regex_replace(args, std::regex(R"([A-Za-z0-9]{32})"), "<id>");
    args = std::regex_replace(args, std::regex(R"(\b\d{10,}\b)"), "<time>");
    return (from_script ? "lua: " : "") + args;
}

struct Monitor {
    explicit Monitor(const test::RedisServer& server)
        : server_(server), cli_({IPCXX_REDIS_CLI, "-s", server.socket_path(), "monitor"}) {
        REQUIRE(cli_.wait_line([](const PeerLine& l) { return l.text() == "OK"; }, 10s));
    }
    // The normalised commands since the last call, up to a marker written now.
    std::vector<std::string> take(const std::string& ns) {
        const std::string marker = "marker-" + std::to_string(++markers_);
        server_.command({"ECHO", marker});
        std::vector<std::string> out;
        for (int i = 0; i < 100000; ++i) {
            auto line = cli_.wait_line([](const PeerLine&) { return true; }, 10s);
            REQUIRE(line);
            if (line->text().find("\"" + marker + "\"") != std::string::npos) return out;
            auto command = normalised(line->text(), ns);
            if (!command.empty()) out.push_back(command);
        }
        FAIL("no marker");
        return out;
    }

    const test::RedisServer& server_;
    test::ChildProcess cli_;
    int markers_ = 0;
};

TEST_CASE("rsmq commands: every operation issues rsmq's own commands", "[rsmq]") {
    test::RedisServer server;
    Monitor monitor(server);
    test::ChildProcess node({IPCXX_NODE_EXECUTABLE, std::string(IPCXX_RSMQ_DIR) + "/peer.js", server.socket_path(),
                             "n", "realtime"});
    auto ask = [&](const std::string& op, const std::string& args) {
        REQUIRE(node.send("{\"op\":\"" + op + "\",\"args\":" + args + "}"));
        auto line = node.wait_line([](const PeerLine& l) { return l.is("ok") || l.is("error"); }, 10s);
        REQUIRE(line);
        return *line;
    };
    REQUIRE(ask("shas", "{}").is("ok"));
    monitor.take("n");

    // The same operations on each side; ids come from each side's own receive.
    ask("createQueue", R"({"qname":"q","vt":5})");
    ask("sendMessage", R"({"qname":"q","message":"m1"})");
    ask("sendMessage", R"({"qname":"q","message":"m2","delay":100})");
    const std::string node_id = ask("receiveMessage", R"({"qname":"q","vt":7})").str("id");
    ask("changeMessageVisibility", "{\"qname\":\"q\",\"id\":\"" + node_id + "\",\"vt\":3}");
    ask("deleteMessage", "{\"qname\":\"q\",\"id\":\"" + node_id + "\"}");
    ask("popMessage", R"({"qname":"q"})");
    ask("getQueueAttributes", R"({"qname":"q"})");
    ask("setQueueAttributes", R"({"qname":"q","vt":9,"delay":2})");
    ask("listQueues", "{}");
    ask("deleteQueue", R"({"qname":"q"})");
    auto theirs = monitor.take("n");

    ipcxx::RsmqOptions options;
    options.ns = "c";
    options.realtime = true;
    options.rsmq_commands = true;
    ipcxx::Rsmq rsmq(test::redis_options(server.unix_url()), options);
    rsmq.list_queues().get();  // connected (its handshake is not one of rsmq's commands)
    monitor.take("c");
    rsmq.create_queue({"q", 5}).get();
    rsmq.send_message("q", "m1").get();
    rsmq.send_message("q", "m2", 100).get();
    const std::string our_id = rsmq.receive_message("q", 7).get()->id;
    rsmq.change_message_visibility("q", our_id, 3).get();
    rsmq.delete_message("q", our_id).get();
    rsmq.pop_message("q").get();
    rsmq.get_queue_attributes("q").get();
    ipcxx::RsmqAttributeChanges changes;
    changes.vt = 9;
    changes.delay = 2;
    rsmq.set_queue_attributes("q", changes).get();
    rsmq.list_queues().get();
    rsmq.delete_queue("q").get();
    auto ours = monitor.take("c");

    CHECK(theirs.size() > 40);
    CHECK(ours == theirs);
}

}  // namespace test_rsmq_commands
