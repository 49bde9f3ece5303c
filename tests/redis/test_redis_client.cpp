// RedisClient against a real redis-server of the test's own: URLs, pipelining, binary values,
// error replies and scripts.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>
#include <mutex>

#include "ipcxx/error.hpp"
#include "ipcxx/redis.hpp"
#include "redis/redis_test_support.hpp"
#include "support/fixtures.hpp"
#include "support/redis_server.hpp"

namespace redis_client_tests {

using namespace std::chrono_literals;
using ipcxx::RedisReply;

TEST_CASE("a client over unix:// and redis:// runs SET and GET", "[redis]") {
    test::RedisServer server({/*tcp=*/true});
    for (const std::string& url : {server.unix_url(), server.tcp_url()}) {
        ipcxx::RedisClient client(test::redis_options(url));
        const auto set = test::redis_run(client, {"SET", "greeting", "hello " + url});
        REQUIRE(set.ended);
        REQUIRE_FALSE(set.ec);
        CHECK(set.reply.kind == RedisReply::Kind::status);
        CHECK(set.reply.text == "OK");
        const auto get = test::redis_run(client, {"GET", "greeting"});
        REQUIRE(get.ended);
        CHECK(get.reply.kind == RedisReply::Kind::bulk);
        CHECK(get.reply.text == "hello " + url);
        CHECK(client.connected());
    }
}

TEST_CASE("a client connects at its first command or connect(), so handlers set after construction see it", "[redis]") {
    test::RedisServer server;
    std::atomic<int> connects{0};
    SECTION("the first command") {
        ipcxx::RedisClient client(test::redis_options(server.unix_url()));
        client.on_connect([&] { ++connects; });
        int connects_at_reply = -1;
        std::promise<void> replied;
        client.command({"PING"}, [&](std::error_code, RedisReply) {
            connects_at_reply = connects.load();
            replied.set_value();
        });
        REQUIRE(replied.get_future().wait_for(10s) == std::future_status::ready);
        CHECK(connects_at_reply == 1);
    }
    SECTION("connect()") {
        ipcxx::RedisClient client(test::redis_options(server.unix_url()));
        client.on_connect([&] { ++connects; });
        client.connect();
        client.connect();
        REQUIRE(test::eventually([&] { return connects.load() == 1 && client.connected(); }));
    }
}

TEST_CASE("thousands of pipelined commands get their own replies, in order", "[redis]") {
    test::RedisServer server;
    constexpr int count = 5000;
    std::mutex mutex;
    std::vector<long long> seen;
    std::promise<void> all;
    ipcxx::RedisClient client(test::redis_options(server.unix_url()));
    for (int i = 0; i < count; ++i) {
        client.command({"INCR", "counter"}, [&, i](std::error_code ec, RedisReply reply) {
            std::lock_guard<std::mutex> lock(mutex);
            seen.push_back(ec ? -1 : reply.integer);
            // The i-th INCR answers i+1: each reply went to its own command.
            if (reply.integer != i + 1) seen.back() = -2;
            if (seen.size() == count) all.set_value();
        });
    }
    REQUIRE(all.get_future().wait_for(30s) == std::future_status::ready);
    for (int i = 0; i < count; ++i) REQUIRE(seen[i] == i + 1);
}

TEST_CASE("binary values with NUL and CRLF round-trip", "[redis]") {
    test::RedisServer server;
    ipcxx::RedisClient client(test::redis_options(server.unix_url()));
    const std::string value("a\0b\r\nc\r\n\0", 9);
    const std::string key("k\r\n\0y", 5);
    REQUIRE_FALSE(test::redis_run(client, {"SET", key, value}).ec);
    const auto get = test::redis_run(client, {"GET", key});
    CHECK(get.reply.text == value);
    const auto list = test::redis_run(client, {"RPUSH", "l", value, "", value});
    CHECK(list.reply.integer == 3);
    const auto range = test::redis_run(client, {"LRANGE", "l", "0", "-1"});
    REQUIRE(range.reply.kind == RedisReply::Kind::array);
    REQUIRE(range.reply.elements.size() == 3);
    CHECK(range.reply.elements[0].text == value);
    CHECK(range.reply.elements[1].text.empty());
    CHECK(range.reply.elements[1].kind == RedisReply::Kind::bulk);
    const auto missing = test::redis_run(client, {"GET", "nothing here"});
    CHECK(missing.reply.is_nil());
}

TEST_CASE("an error reply ends its command with redis_error_reply and its text, and the next runs", "[redis]") {
    test::RedisServer server;
    ipcxx::RedisClient client(test::redis_options(server.unix_url()));
    auto bad = test::redis_outcome(client, {"NOSUCHCOMMAND", "x"});
    auto wrong_type_set = test::redis_outcome(client, {"SET", "s", "v"});
    auto wrong_type = test::redis_outcome(client, {"LPUSH", "s", "v"});
    auto fine = test::redis_outcome(client, {"PING"});
    const auto b = test::wait_outcome(bad);
    CHECK(b.ec == ipcxx::errc::redis_error_reply);
    CHECK(b.reply.kind == RedisReply::Kind::error);
    CHECK(b.reply.text.find("unknown command") != std::string::npos);
    CHECK_FALSE(test::wait_outcome(wrong_type_set).ec);
    const auto w = test::wait_outcome(wrong_type);
    CHECK(w.ec == ipcxx::errc::redis_error_reply);
    CHECK(w.reply.text.rfind("WRONGTYPE", 0) == 0);
    CHECK(test::wait_outcome(fine).reply.text == "PONG");
    // The future form throws the reply's text. get() comes after a later reply, when the I/O thread
    // has let go of the promise: the exception is then freed on this thread alone (ThreadSanitizer
    // does not see libstdc++'s exception_ptr reference counts).
    auto failing = client.command({"INCR", "s"});
    REQUIRE(test::redis_run(client, {"PING"}).reply.text == "PONG");
    try {
        failing.get();
        FAIL("no exception");
    } catch (const ipcxx::Error& e) {
        CHECK(e.code() == ipcxx::errc::redis_error_reply);
        CHECK(std::string(e.what()).find("not an integer") != std::string::npos);
    }
}

TEST_CASE("an empty command ends with invalid_argument, after command() returned", "[redis]") {
    test::RedisServer server;
    std::atomic<bool> returned{false};
    std::atomic<bool> ran_inside{false};
    std::promise<std::error_code> ended;
    ipcxx::RedisClient client(test::redis_options(server.unix_url()));
    // Inside the call means on this thread before command() returned; the I/O thread may run the
    // callback before `returned` is stored, and that is not inside.
    const auto caller = std::this_thread::get_id();
    client.command({}, [&](std::error_code ec, RedisReply) {
        if (!returned && std::this_thread::get_id() == caller) ran_inside = true;
        ended.set_value(ec);
    });
    returned = true;
    auto future = ended.get_future();
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    CHECK(future.get() == ipcxx::errc::invalid_argument);
    CHECK_FALSE(ran_inside);
}

TEST_CASE("eval runs by EVALSHA, and loads the script by EVAL when the server answers NOSCRIPT", "[redis]") {
    test::RedisServer server;
    ipcxx::RedisClient client(test::redis_options(server.unix_url()));
    const ipcxx::RedisScript script("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}");
    CHECK(server.command({"SCRIPT", "EXISTS", script.sha1}) == "*1");
    auto run = [&] {
        auto promise = std::make_shared<std::promise<test::RedisOutcome>>();
        client.eval(script, {"n"}, {"arg"}, [promise](std::error_code ec, RedisReply reply) {
            promise->set_value({ec, std::move(reply), true});
        });
        auto future = promise->get_future();
        return test::wait_outcome(future);
    };
    for (long long expected = 1; expected <= 3; ++expected) {
        const auto outcome = run();
        REQUIRE(outcome.ended);
        REQUIRE_FALSE(outcome.ec);
        REQUIRE(outcome.reply.elements.size() == 3);
        CHECK(outcome.reply.elements[0].text == "n");
        CHECK(outcome.reply.elements[1].text == "arg");
        CHECK(outcome.reply.elements[2].integer == expected);
        if (expected == 2) REQUIRE(server.command({"SCRIPT", "FLUSH"}) == "+OK");
    }
    // Loaded by the EVAL fallback under the SHA1 computed here.
    const auto exists = test::redis_run(client, {"SCRIPT", "EXISTS", script.sha1});
    REQUIRE(exists.reply.elements.size() == 1);
    CHECK(exists.reply.elements[0].integer == 1);
    // A script error is an error reply, not a NOSCRIPT loop.
    const ipcxx::RedisScript broken("return redis.call('NOSUCH')");
    std::promise<std::error_code> failed;
    client.eval(broken, {}, {}, [&](std::error_code ec, RedisReply) { failed.set_value(ec); });
    auto f = failed.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK(f.get() == ipcxx::errc::redis_error_reply);
}

}  // namespace redis_client_tests
