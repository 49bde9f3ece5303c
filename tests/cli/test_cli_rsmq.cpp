// `ipcxx rsmq ...` end to end: the tool as a child process against a redis-server of the test's own.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ipcxx/exec.hpp"
#include "support/redis_server.hpp"

namespace test_cli_rsmq {

using namespace std::chrono_literals;

struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

Run tool(std::vector<std::string> args, std::string input = "") {
    ipcxx::ExecOptions options;
    options.input = std::move(input);
    options.timeout = 20s;
    auto result = ipcxx::spawn_sync(IPCXX_CLI_PATH, args, options);
    INFO(result.message << " " << result.err);
    REQUIRE_FALSE(result.status.timed_out);
    REQUIRE(result.status.code);
    return {*result.status.code, result.out, result.err};
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
        out.push_back(text.substr(start, nl - start));
    }
    return out;
}

TEST_CASE("cli rsmq: create, send, receive, delete, pop, attrs, list", "[rsmq]") {
    test::RedisServer server;
    const std::string url = server.unix_url();
    auto rsmq = [&](std::vector<std::string> args, std::string input = "") {
        args.insert(args.begin(), {"rsmq"});
        args.insert(args.begin() + 2, {"--redis", url, "--queue", "jobs"});
        return tool(std::move(args), std::move(input));
    };
    auto created = rsmq({"create", "--vt", "60"});
    CHECK(created.code == 0);
    CHECK(created.out == "{\"created\":\"jobs\"}\n");
    auto again = rsmq({"create"});
    CHECK(again.code == 1);
    CHECK(again.err == "ipcxx: rsmq create: rsmq_queue_exists: Queue exists\n");

    auto one = rsmq({"send", "first message"});
    CHECK(one.code == 0);
    REQUIRE(lines(one.out).size() == 1);
    const std::string first_id = lines(one.out)[0].substr(7, 32);
    auto kept = rsmq({"receive", "--keep", "--vt", "0"});
    CHECK(kept.code == 0);
    CHECK(kept.out.rfind("{\"id\":\"" + first_id + "\",\"message\":\"first message\",\"rc\":1,\"fr\":", 0) == 0);
    CHECK(kept.out.find(",\"sent\":") != std::string::npos);
    auto taken = rsmq({"receive"});  // visible again (vt 0): received a second time, then deleted
    CHECK(taken.out.find("\"rc\":2") != std::string::npos);
    CHECK(rsmq({"delete", first_id}).out == "{\"deleted\":false}\n");

    auto piped = rsmq({"send"}, "second\nthird\n");
    CHECK(piped.code == 0);
    CHECK(lines(piped.out).size() == 2);
    auto attrs = rsmq({"attrs"});
    CHECK(attrs.out.rfind("{\"vt\":60,\"delay\":0,\"maxsize\":65536,\"totalrecv\":2,\"totalsent\":3,", 0) == 0);
    CHECK(attrs.out.find("\"msgs\":2,") != std::string::npos);
    CHECK(rsmq({"attrs", "--delay", "7"}).out.find("\"delay\":7,") != std::string::npos);
    CHECK(tool({"rsmq", "list", "--redis", url}).out == "{\"queues\":[\"jobs\"]}\n");

    CHECK(rsmq({"pop"}).out.find("\"message\":\"second\"") != std::string::npos);
    auto third = rsmq({"receive", "--keep"});
    const std::string third_id = third.out.substr(7, 32);
    CHECK(rsmq({"delete", third_id}).out == "{\"deleted\":true}\n");

    auto empty = rsmq({"receive"});
    CHECK(empty.code == 0);
    CHECK(empty.out.empty());
    CHECK(empty.err.empty());
    CHECK(rsmq({"pop"}).out.empty());

    CHECK(rsmq({"delete", "--drop-queue"}).out == "{\"deleted\":\"jobs\"}\n");
    CHECK(tool({"rsmq", "list", "--redis", url}).out == "{\"queues\":[]}\n");
}

TEST_CASE("cli rsmq: errors exit 1 naming the error, usage errors exit 2", "[rsmq]") {
    test::RedisServer server;
    const std::string url = server.unix_url();
    auto missing = tool({"rsmq", "receive", "--redis", url, "--queue", "nothing"});
    CHECK(missing.code == 1);
    CHECK(missing.err == "ipcxx: rsmq receive: rsmq_queue_not_found: Queue not found\n");
    auto bad_name = tool({"rsmq", "create", "--redis", url, "--queue", "a.b"});
    CHECK(bad_name.code == 1);
    CHECK(bad_name.err == "ipcxx: rsmq create: rsmq_invalid_format: Invalid qname format\n");
    auto bad_vt = tool({"rsmq", "create", "--redis", url, "--queue", "q", "--vt", "10000000"});
    CHECK(bad_vt.err == "ipcxx: rsmq create: rsmq_invalid_value: vt must be between 0 and 9999999\n");
    REQUIRE(tool({"rsmq", "create", "--redis", url, "--queue", "small", "--maxsize", "1024"}).code == 0);
    // One line too long among good ones: reported, the others still sent.
    auto mixed = tool({"rsmq", "send", "--redis", url, "--queue", "small"}, "ok\n" + std::string(1025, 'x') + "\nok\n");
    CHECK(mixed.code == 1);
    CHECK(lines(mixed.out).size() == 2);
    CHECK(mixed.err == "ipcxx: rsmq send: rsmq_message_too_long: Message too long\n");
    auto bad_id = tool({"rsmq", "delete", "--redis", url, "--queue", "small", "short"});
    CHECK(bad_id.err == "ipcxx: rsmq delete: rsmq_invalid_format: Invalid id format\n");
    auto bad_url = tool({"rsmq", "list", "--redis", "http://x"});
    CHECK(bad_url.code == 1);
    CHECK(bad_url.err.rfind("ipcxx: rsmq list: redis_bad_url", 0) == 0);

    auto usage = tool({"rsmq", "receive", "--redis", url});
    CHECK(usage.code == 2);
    CHECK(usage.err.rfind("ipcxx: rsmq receive needs --queue Q\n", 0) == 0);
}

TEST_CASE("cli rsmq: an unreachable server ends with an error, not a hang", "[rsmq]") {
    test::RedisServer server;
    const std::string url = server.unix_url();
    server.stop();
    auto down = tool({"rsmq", "list", "--redis", url});
    CHECK(down.code == 1);
    CHECK(down.err.rfind("ipcxx: rsmq list: ", 0) == 0);
}

}  // namespace test_cli_rsmq
