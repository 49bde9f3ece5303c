// The socket-free parts of the Redis connection: URLs, SHA1 of scripts, the command queue and the
// connection's decisions (what ends with which error, when to reconnect and give up).
#include <catch2/catch.hpp>

#include "ipcxx/error.hpp"
#include "ipcxx/redis.hpp"
#include "redis/redis_commands.hpp"
#include "redis/redis_handshake.hpp"
#include "redis/redis_link_fsm.hpp"
#include "redis/redis_subscriptions.hpp"
#include "redis/redis_url.hpp"
#include "redis/sha1.hpp"
#include "support/redis_replies.hpp"

namespace redis_parts_tests {

using ipcxx::detail::RedisUrl;

RedisUrl parsed(const std::string& text) {
    RedisUrl url;
    std::string detail;
    const auto ec = ipcxx::detail::parse_redis_url(text, url, detail);
    INFO(text << ": " << detail);
    REQUIRE_FALSE(ec);
    return url;
}

TEST_CASE("every form of Redis URL", "[redis_url]") {
    auto url = parsed("redis://127.0.0.1");
    CHECK(url.scheme == RedisUrl::Scheme::redis);
    CHECK(url.host == "127.0.0.1");
    CHECK(url.port == 6379);
    CHECK(url.database == 0);
    CHECK_FALSE(url.has_password);

    url = parsed("redis://cache.example:6380/3");
    CHECK(url.host == "cache.example");
    CHECK(url.port == 6380);
    CHECK(url.database == 3);

    url = parsed("redis://:s3cret@localhost");
    CHECK(url.has_password);
    CHECK(url.user.empty());
    CHECK(url.password == "s3cret");

    url = parsed("redis://alice:p%40ss%2Fw@[::1]:7000/");
    CHECK(url.user == "alice");
    CHECK(url.password == "p@ss/w");
    CHECK(url.host == "::1");
    CHECK(url.port == 7000);
    CHECK(url.describe() == "redis://[::1]:7000/0");

    url = parsed("redis://bob:p@ss@host/1");  // an unencoded '@' in the password: the last one ends it
    CHECK(url.password == "p@ss");
    CHECK(url.host == "host");

    url = parsed("rediss://h:1/2");
    CHECK(url.scheme == RedisUrl::Scheme::rediss);

    url = parsed("unix:///tmp/r.sock");
    CHECK(url.scheme == RedisUrl::Scheme::unix_socket);
    CHECK(url.path == "/tmp/r.sock");

    url = parsed("unix://alice:pw@/run/redis/redis.sock?db=5");
    CHECK(url.user == "alice");
    CHECK(url.password == "pw");
    CHECK(url.path == "/run/redis/redis.sock");
    CHECK(url.database == 5);

    url = parsed("unix://:pw@/s");
    CHECK(url.password == "pw");
    CHECK(url.user.empty());
}

TEST_CASE("every bad Redis URL ends with redis_bad_url and says what is wrong", "[redis_url]") {
    struct Case {
        std::string url;
        std::string says;
    };
    for (const Case& bad : std::vector<Case>{
             {"", "no scheme"},
             {"127.0.0.1:6379", "no scheme"},
             {"http://host", "scheme 'http'"},
             {"redis://", "no host"},
             {"redis://:6379", "no host"},
             {"redis://host:", "empty port"},
             {"redis://host:0", "port '0'"},
             {"redis://host:65536", "port '65536'"},
             {"redis://host:6x", "port '6x'"},
             {"redis://host/-1", "database '-1'"},
             {"redis://host/abc", "database 'abc'"},
             {"redis://[::1", "closing ']'"},
             {"redis://[::1]x", "after the IPv6 host"},
             {"redis://user@host", "need a ':'"},
             {"redis://u:%zz@host", "two hex digits"},
             {"redis://u:%4@host", "two hex digits"},
             {"unix://", "absolute"},
             {"unix://relative.sock", "absolute"},
             {"unix:///s?database=1", "db=N"},
             {"unix:///s?db=x", "database 'x'"},
         }) {
        INFO(bad.url);
        RedisUrl url;
        std::string detail;
        CHECK(ipcxx::detail::parse_redis_url(bad.url, url, detail) == ipcxx::errc::redis_bad_url);
        CHECK(detail.find(bad.says) != std::string::npos);
    }
}

TEST_CASE("the handshake: AUTH with a password or a user, SELECT, and how refusals end", "[redis_url]") {
    using ipcxx::detail::redis_handshake_commands;
    CHECK(redis_handshake_commands(parsed("redis://h")) == std::vector<std::vector<std::string>>{{"PING"}});
    CHECK(redis_handshake_commands(parsed("redis://:pw@h/2")) ==
          std::vector<std::vector<std::string>>{{"AUTH", "pw"}, {"SELECT", "2"}});
    CHECK(redis_handshake_commands(parsed("redis://u:@h")) == std::vector<std::vector<std::string>>{{"AUTH", "u", ""}});
    ipcxx::RedisReply refused;
    refused.kind = ipcxx::RedisReply::Kind::error;
    refused.text = "WRONGPASS invalid username-password pair";
    std::string detail;
    CHECK(ipcxx::detail::check_handshake_reply({"AUTH", "pw"}, refused, detail) == ipcxx::errc::redis_auth_failed);
    CHECK(detail.find("WRONGPASS") != std::string::npos);
    refused.text = "ERR DB index is out of range";
    CHECK(ipcxx::detail::check_handshake_reply({"SELECT", "99"}, refused, detail) == ipcxx::errc::redis_bad_url);
    CHECK(detail.find("SELECT 99") != std::string::npos);
    ipcxx::RedisReply ok;
    ok.kind = ipcxx::RedisReply::Kind::status;
    CHECK_FALSE(ipcxx::detail::check_handshake_reply({"AUTH", "pw"}, ok, detail));
    refused.text = "NOAUTH Authentication required.";
    CHECK_FALSE(ipcxx::detail::check_handshake_reply({"PING"}, refused, detail));
}

TEST_CASE("SHA1 of known vectors, as Redis names scripts", "[sha1]") {
    using ipcxx::detail::sha1_hex;
    CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    CHECK(sha1_hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    // 55, 56 and 64 bytes: the padding's edge cases.
    CHECK(sha1_hex(std::string(55, 'a')) == "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    CHECK(sha1_hex(std::string(56, 'a')) == "c2db330f6083854c99d4b5bfb6e8f29f201be699");
    CHECK(sha1_hex(std::string(64, 'a')) == "0098ba824b5c16427bd7a1122a5a442a25ec644d");
    // What `redis-cli SCRIPT LOAD "return 1"` answers.
    CHECK(ipcxx::RedisScript("return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST_CASE("the command queue: byte bound, batches, replies in order, what a break ends", "[redis_commands]") {
    using ipcxx::detail::RedisCommand;
    ipcxx::detail::RedisCommands commands(10);
    auto make = [](std::string bytes) {
        RedisCommand command;
        command.bytes = std::move(bytes);
        return command;
    };
    auto a = make("aaaa");
    auto b = make("bbbb");
    auto c = make("ccc");
    CHECK_FALSE(commands.push(a));
    CHECK_FALSE(commands.push(b));
    CHECK(commands.push(c) == ipcxx::errc::queue_full);
    CHECK(c.bytes == "ccc");  // refused: left as it was
    CHECK(commands.unwritten_bytes() == 8);
    const auto now = std::chrono::steady_clock::now();
    CHECK(commands.take_batch(now) == "aaaabbbb");
    CHECK(commands.in_flight_count() == 2);
    CHECK_FALSE(commands.has_unwritten());
    auto d = make("dd");
    CHECK_FALSE(commands.push(d));
    const auto first = commands.oldest_in_flight()->sequence;
    CHECK(commands.pop_in_flight().sequence == first);
    // A break ends what was written; what was not waits for the next connection.
    const auto broken = commands.take_in_flight();
    CHECK(broken.size() == 1);
    CHECK(commands.has_unwritten());
    auto e = make("e");
    commands.push_front(std::move(e));
    CHECK(commands.take_batch(now) == "edd");
    CHECK(commands.take_all().size() == 2);

    // Two pipelined scripts both missed the cache: their fallbacks go first, in the order sent.
    auto f = make("f");
    CHECK_FALSE(commands.push(f));
    commands.push_retry(make("A"));
    commands.push_retry(make("B"));
    CHECK(commands.take_batch(now) == "ABf");
    commands.push_retry(make("C"));  // a new write: the next fallback leads again
    auto g = make("g");
    CHECK_FALSE(commands.push(g));
    commands.push_retry(make("D"));
    CHECK(commands.take_batch(now) == "CDg");
    // A reconnect's own command stays ahead of a fallback queued after it.
    auto h = make("h");
    CHECK_FALSE(commands.push(h));
    commands.push_front(make("E"));
    commands.push_retry(make("F"));
    CHECK(commands.take_batch(now) == "EFh");
}

TEST_CASE("the connection's decisions: reconnect, backoff, give up, close", "[redis_link_fsm]") {
    using ipcxx::detail::RedisLinkFsm;
    using namespace std::chrono_literals;
    ipcxx::detail::BackoffSettings backoff{100ms, 400ms, 0.0};

    SECTION("failed attempts back off, then give up after max_retries with retries_exhausted") {
        RedisLinkFsm fsm(backoff, 3, 1);
        auto step = fsm.on_attempt_failed(ipcxx::errc::not_connected);
        CHECK(step.reconnect);
        CHECK(step.delay == 100ms);
        CHECK_FALSE(step.publish_disconnect);
        CHECK(fsm.on_timer());
        step = fsm.on_attempt_failed(ipcxx::errc::connect_timeout);
        CHECK(step.delay == 200ms);
        CHECK(fsm.on_timer());
        step = fsm.on_attempt_failed(ipcxx::errc::not_connected);
        CHECK_FALSE(step.reconnect);
        CHECK(step.end_everything == ipcxx::errc::retries_exhausted);
        CHECK(fsm.refusal() == ipcxx::errc::retries_exhausted);
    }
    SECTION("a connection that worked is re-made at once, and the backoff starts over") {
        RedisLinkFsm fsm(backoff, 0, 1);
        fsm.on_attempt_failed(ipcxx::errc::not_connected);
        fsm.on_timer();
        fsm.on_attempt_failed(ipcxx::errc::not_connected);
        fsm.on_timer();
        fsm.on_connected();
        CHECK(fsm.state() == RedisLinkFsm::State::ready);
        auto step = fsm.on_lost();
        CHECK(step.publish_disconnect);
        CHECK(step.reconnect);
        CHECK(step.delay == 0ms);
        CHECK_FALSE(step.end_everything);
        CHECK_FALSE(fsm.refusal());
        CHECK(fsm.on_timer());
        CHECK(fsm.on_attempt_failed(ipcxx::errc::not_connected).delay == 100ms);
    }
    SECTION("a failure retrying cannot help ends everything with it") {
        for (auto ec : {ipcxx::errc::redis_auth_failed, ipcxx::errc::redis_bad_url, ipcxx::errc::tls_configuration,
                        ipcxx::errc::tls_unknown_ca}) {
            RedisLinkFsm fsm(backoff, 0, 1);
            auto step = fsm.on_attempt_failed(ec);
            CHECK_FALSE(step.reconnect);
            CHECK(step.end_everything == ec);
            CHECK(fsm.refusal() == ec);
        }
    }
    SECTION("close ends everything with not_connected, once; a disconnect only if it was ready") {
        RedisLinkFsm fsm(backoff, 0, 1);
        fsm.on_connected();
        auto step = fsm.on_close();
        CHECK(step.publish_disconnect);
        CHECK(step.end_everything == ipcxx::errc::not_connected);
        CHECK_FALSE(fsm.on_close().end_everything);
        CHECK_FALSE(fsm.on_timer());
        CHECK(fsm.refusal() == ipcxx::errc::not_connected);
        RedisLinkFsm waiting(backoff, 0, 1);
        waiting.on_attempt_failed(ipcxx::errc::not_connected);
        CHECK_FALSE(waiting.on_close().publish_disconnect);
    }
    SECTION("a lost connection does not count toward max_retries") {
        RedisLinkFsm fsm(backoff, 2, 1);
        for (int i = 0; i < 5; ++i) {
            fsm.on_connected();
            CHECK(fsm.on_lost().reconnect);
            CHECK(fsm.on_timer());
        }
        CHECK(fsm.on_attempt_failed(ipcxx::errc::not_connected).reconnect);
    }
}

using test::replies::array;
using test::replies::bulk;

TEST_CASE("subscriptions: what is re-subscribed after a reconnect, and pushes to events", "[redis_subscriptions]") {
    ipcxx::detail::RedisSubscriptions subscriptions;
    CHECK(subscriptions.resubscribe_commands().empty());
    CHECK(subscriptions.change("SUBSCRIBE", "a"));
    CHECK_FALSE(subscriptions.change("SUBSCRIBE", "a"));
    CHECK(subscriptions.change("SUBSCRIBE", "b"));
    CHECK(subscriptions.change("PSUBSCRIBE", "p.*"));
    CHECK(subscriptions.change("UNSUBSCRIBE", "b"));
    CHECK_FALSE(subscriptions.change("PUNSUBSCRIBE", "q.*"));
    CHECK(subscriptions.resubscribe_commands() ==
          std::vector<std::string>{"*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n", "*2\r\n$10\r\nPSUBSCRIBE\r\n$3\r\np.*\r\n"});

    std::vector<std::string> seen;
    subscriptions.on_message = [&](const std::string& channel, const std::string& message, const std::string& pattern) {
        seen.push_back(channel + "|" + message + "|" + pattern);
    };
    subscriptions.on_subscribed = [&](const std::string& name, bool pattern, long long count) {
        seen.push_back((pattern ? "p:" : "c:") + name + ":" + std::to_string(count));
    };
    std::vector<std::error_code> errors;
    auto on_error = [&](std::error_code ec, const std::string&) { errors.push_back(ec); };
    const ipcxx::RedisReply count = test::replies::integer(2);
    subscriptions.dispatch(array({bulk("message"), bulk("a"), bulk("hi")}), on_error);
    subscriptions.dispatch(array({bulk("pmessage"), bulk("p.*"), bulk("p.x"), bulk("yo")}), on_error);
    subscriptions.dispatch(array({bulk("psubscribe"), bulk("p.*"), count}), on_error);
    subscriptions.dispatch(array({bulk("unsubscribe"), bulk("b"), count}), on_error);
    CHECK(seen == std::vector<std::string>{"a|hi|", "p.x|yo|p.*", "p:p.*:2"});
    CHECK(errors.empty());
    subscriptions.dispatch(array({bulk("message"), bulk("a")}), on_error);  // too short
    subscriptions.dispatch(bulk("message"), on_error);                        // not an array
    ipcxx::RedisReply refused;
    refused.kind = ipcxx::RedisReply::Kind::error;
    refused.text = "ERR only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
    subscriptions.dispatch(refused, on_error);
    CHECK(errors == std::vector<std::error_code>{ipcxx::errc::redis_protocol_error, ipcxx::errc::redis_protocol_error,
                                                 ipcxx::errc::redis_error_reply});
    CHECK(seen.size() == 3);
}

}  // namespace redis_parts_tests
