// Batching in ipcxx::Rsmq against a real redis-server: operations that wait on one queue go out as
// one call (a script, or a transaction of rsmq's commands), and every caller still gets its own result, as rsmq would give it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ipcxx/error.hpp"
#include "ipcxx/rsmq.hpp"
#include "redis/redis_test_support.hpp"
#include "rsmq/rsmq_batch.hpp"
#include "rsmq/rsmq_batch_support.hpp"
#include "rsmq/rsmq_rules.hpp"
#include "support/redis_server.hpp"

namespace test_rsmq_batch {

using namespace std::chrono_literals;
using ipcxx::errc;
using ipcxx::RsmqMessage;

// An Rsmq and a plain client (for INFO commandstats) on a fresh server.
struct Setup {
    Setup() : rsmq(options(server)), stats(test::redis_options(server.unix_url())) {}

    static ipcxx::RedisOptions options(const test::RedisServer& server) {
        auto redis = test::redis_options(server.unix_url());
        redis.command_timeout = 60s;  // not a test of timeouts: sanitizers on a loaded machine are slow
        return redis;
    }

    test::RedisServer server;
    ipcxx::Rsmq rsmq;
    ipcxx::RedisClient stats;
};

TEST_CASE("rsmq batch: concurrent sends, receives and deletes each get their own result in few calls", "[rsmq]") {
    Setup s;
    s.rsmq.create_queue({"q"}).get();
    constexpr std::size_t n = 40;

    test::reset_stats(s.stats);
    test::Outcomes<std::string> sent(n);
    test::together(s.rsmq, [&] {
        for (std::size_t i = 0; i < n; ++i) s.rsmq.send_message("q", "m" + std::to_string(i), std::nullopt, sent.slot(i));
    });
    std::vector<std::string> ids;
    for (auto& [error, id] : sent.wait()) {
        INFO(error.message);
        REQUIRE_FALSE(error);
        REQUIRE(id.size() == 32);
        ids.push_back(id);
    }
    // The first went alone, the others as one batch: ids in the order sent, each its own.
    CHECK(test::script_calls(s.stats) <= 3);
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == n);
    for (std::size_t i = 2; i < n; ++i) CHECK(ids[i - 1].substr(0, 10) < ids[i].substr(0, 10));
    auto attributes = s.rsmq.get_queue_attributes("q").get();
    CHECK(attributes.totalsent == static_cast<long long>(n));
    CHECK(attributes.msgs == static_cast<long long>(n));

    test::reset_stats(s.stats);
    test::Outcomes<std::optional<RsmqMessage>> received(n + 1);  // one more than there are
    test::together(s.rsmq, [&] {
        for (std::size_t i = 0; i <= n; ++i) s.rsmq.receive_message("q", std::nullopt, received.slot(i));
    });
    std::vector<std::string> got;
    std::size_t empty = 0;
    for (auto& [error, message] : received.wait()) {
        REQUIRE_FALSE(error);
        if (!message) {
            ++empty;
            continue;
        }
        const auto at = std::find(ids.begin(), ids.end(), message->id);
        REQUIRE(at != ids.end());
        CHECK(message->message == "m" + std::to_string(at - ids.begin()));
        CHECK(message->rc == 1);
        CHECK(message->fr > 0);
        CHECK(message->sent == ipcxx::detail::rsmq::sent_from_id(message->id));
        got.push_back(message->id);
    }
    CHECK(empty == 1);
    CHECK(std::set<std::string>(got.begin(), got.end()) == std::set<std::string>(ids.begin(), ids.end()));
    // At most two calls (what waits while Redis idles is split in two), each loading the script with
    // EVAL after NOSCRIPT on this fresh server.
    CHECK(test::script_calls(s.stats) <= 4);

    test::reset_stats(s.stats);
    test::Outcomes<bool> deleted(n + 1);  // the first id twice: found once
    test::together(s.rsmq, [&] {
        for (std::size_t i = 0; i < n; ++i) s.rsmq.delete_message("q", got[i], deleted.slot(i));
        s.rsmq.delete_message("q", got[0], deleted.slot(n));
    });
    auto deletes = deleted.wait();
    for (std::size_t i = 0; i <= n; ++i) {
        REQUIRE_FALSE(deletes[i].first);
        CHECK(deletes[i].second == (i < n));
    }
    CHECK(test::script_calls(s.stats) == 0);
    // One ZREM and one HDEL per call, at most two calls (a split).
    CHECK(test::command_calls(s.stats, "zrem") <= 2);
    CHECK(test::command_calls(s.stats, "hdel") <= 2);
    attributes = s.rsmq.get_queue_attributes("q").get();
    CHECK(attributes.msgs == 0);
    CHECK(attributes.totalrecv == static_cast<long long>(n));
}

TEST_CASE("rsmq batch: sends that keep their lane busy go without a script, in the order sent", "[rsmq]") {
    // A lane splits what waits over two calls in flight at once, whose ids still come in the order
    // sent: halves of 8 at window 16, of 64 at window 128.
    const std::size_t window = GENERATE(std::size_t{16}, std::size_t{128});
    const std::size_t n = 10 * window;
    INFO("window " << window);
    Setup s;
    s.rsmq.create_queue({"q"}).get();

    test::reset_stats(s.stats);
    std::mutex mutex;
    std::vector<std::string> ids(n);
    std::size_t started = 0;
    std::size_t ended = 0;
    std::promise<void> all_sent;
    auto sent = all_sent.get_future();
    // Each send's callback starts the next, on the I/O thread: the lane is never idle until the end.
    std::function<void()> start_next = [&] {
        std::size_t i = 0;
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (started == n) return;
            i = started++;
        }
        s.rsmq.send_message("q", "m" + std::to_string(i), std::nullopt,
                            [&, i](const ipcxx::RsmqError& error, std::string id) {
                                bool last = false;
                                {
                                    std::lock_guard<std::mutex> lock(mutex);
                                    ids[i] = error ? "failed: " + error.message : std::move(id);
                                    last = ++ended == n;
                                }
                                if (last) all_sent.set_value();
                                start_next();
                            });
    };
    test::together(s.rsmq, [&] {
        for (std::size_t i = 0; i < window; ++i) start_next();
    });
    REQUIRE(sent.wait_for(60s) == std::future_status::ready);
    // The first batch by the script (EVALSHA, then EVAL on this fresh server), every later one by a
    // transaction with the lookup of an earlier one; split in two when Redis would idle.
    CHECK(test::command_calls(s.stats, "evalsha") == 1);
    const std::size_t per_call = window >= 2 * ipcxx::detail::rsmq::min_split ? window / 2 : window;
    CHECK(test::command_calls(s.stats, "exec") >= static_cast<long long>((n - window) / per_call));
    for (std::size_t i = 0; i < n; ++i) {
        INFO(i << ": " << ids[i]);
        REQUIRE(ids[i].size() == 32);
        if (i > 0) CHECK(ids[i - 1].substr(0, 10) < ids[i].substr(0, 10));
    }
    for (std::size_t i = 0; i < n; ++i) {
        auto message = s.rsmq.receive_message("q").get();
        REQUIRE(message);
        CHECK(message->id == ids[i]);
        CHECK(message->message == "m" + std::to_string(i));
        CHECK(message->sent == ipcxx::detail::rsmq::sent_from_id(message->id));
    }
    auto attributes = s.rsmq.get_queue_attributes("q").get();
    CHECK(attributes.totalsent == static_cast<long long>(n));
    CHECK(attributes.hiddenmsgs == static_cast<long long>(n));
}

TEST_CASE("rsmq batch: a message too long gets rsmq's error and the others of its batch their ids", "[rsmq]") {
    Setup s;
    s.rsmq.create_queue({"q", 30, 0, 1024}).get();
    std::string accented;
    for (int i = 0; i < 1024; ++i) accented += "\xC3\xA9";  // 1024 UTF-16 units: fits
    const std::vector<std::string> bodies{"alone", "a", std::string(1025, 'x'), accented, "b"};
    test::reset_stats(s.stats);
    test::Outcomes<std::string> sent(bodies.size());
    test::together(s.rsmq, [&] {
        for (std::size_t i = 0; i < bodies.size(); ++i) s.rsmq.send_message("q", bodies[i], std::nullopt, sent.slot(i));
    });
    auto results = sent.wait();
    CHECK(test::script_calls(s.stats) <= 3);
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        INFO(i);
        if (i == 2) {
            CHECK(results[i].first.code == errc::rsmq_message_too_long);
            CHECK(results[i].first.message == "Message too long");
            CHECK(results[i].second.empty());
        } else {
            CHECK_FALSE(results[i].first);
            CHECK(results[i].second.size() == 32);
        }
    }
    auto attributes = s.rsmq.get_queue_attributes("q").get();
    CHECK(attributes.totalsent == 4);
    CHECK(attributes.msgs == 4);
    for (std::size_t i : {0, 1, 3, 4}) {
        auto message = s.rsmq.receive_message("q").get();
        REQUIRE(message);
        CHECK(message->id == results[i].second);
        CHECK(message->message == bodies[i]);
    }
}

TEST_CASE("rsmq batch: each message of a batch is hidden for its own delay, or the queue's", "[rsmq]") {
    Setup s;
    s.rsmq.create_queue({"q", 30, 2, -1}).get();
    const std::string longer(1100, 'x');  // long enough to travel with its length, on an unlimited queue
    const std::optional<long long> delays[] = {std::nullopt, 0, 7, std::nullopt, 3};
    const std::string bodies[] = {"alone", "a", "b", longer, longer};
    test::Outcomes<std::string> sent(5);
    test::together(s.rsmq, [&] {
        for (std::size_t i = 0; i < 5; ++i) s.rsmq.send_message("q", bodies[i], delays[i], sent.slot(i));
    });
    auto outcomes = sent.wait();
    for (std::size_t i = 0; i < 5; ++i) {
        INFO(i);
        REQUIRE_FALSE(outcomes[i].first);
        const std::string& id = outcomes[i].second;
        auto score = test::redis_run(s.stats, {"ZSCORE", "rsmq:q", id});
        REQUIRE(score.ended);
        const auto sent_ms = static_cast<long long>(ipcxx::detail::rsmq::sent_from_id(id));
        CHECK(std::stoll(score.reply.text) == sent_ms + delays[i].value_or(2) * 1000);
        auto body = test::redis_run(s.stats, {"HGET", "rsmq:q:Q", id});
        REQUIRE(body.ended);
        CHECK(body.reply.text == bodies[i]);
    }
}

TEST_CASE("rsmq batch: every caller of a batch on a missing queue gets queueNotFound", "[rsmq]") {
    Setup s;
    constexpr std::size_t n = 3;
    test::Outcomes<std::string> sent(n);
    test::Outcomes<std::optional<RsmqMessage>> received(n);
    test::together(s.rsmq, [&] {
        for (std::size_t i = 0; i < n; ++i) {
            s.rsmq.send_message("missing", "m", std::nullopt, sent.slot(i));
            s.rsmq.receive_message("missing", 5, received.slot(i));
        }
    });
    for (auto& outcome : sent.wait()) CHECK(outcome.first.code == errc::rsmq_queue_not_found);
    for (auto& outcome : received.wait()) {
        CHECK(outcome.first.code == errc::rsmq_queue_not_found);
        CHECK(outcome.first.message == "Queue not found");
    }
}

TEST_CASE("rsmq batch: receives with different visibility timeouts go in calls of their own", "[rsmq]") {
    Setup s;
    s.rsmq.create_queue({"q", 30}).get();
    for (int i = 0; i < 4; ++i) s.rsmq.send_message("q", "m").get();
    test::Outcomes<std::optional<RsmqMessage>> received(4);
    test::together(s.rsmq, [&] {
        s.rsmq.receive_message("q", 100, received.slot(0));
        s.rsmq.receive_message("q", 100, received.slot(1));
        s.rsmq.receive_message("q", 200, received.slot(2));
        s.rsmq.receive_message("q", std::nullopt, received.slot(3));
    });
    auto outcomes = received.wait();
    for (auto& outcome : outcomes) REQUIRE(outcome.second);
    // Each hidden for its own vt after its receive.
    auto score = [&](const std::string& id) {
        auto reply = test::redis_run(s.stats, {"ZSCORE", "rsmq:q", id});
        REQUIRE(reply.ended);
        return std::stoll(reply.reply.text);
    };
    const long long vts[] = {100, 100, 200, 30};
    for (std::size_t i = 0; i < 4; ++i) {
        INFO(i);
        const long long hidden_for = score(outcomes[i].second->id) - outcomes[i].second->fr;
        CHECK(hidden_for == vts[i] * 1000);
    }
}

TEST_CASE("rsmq batch: a message received again in a batch counts rc up and keeps its first receive", "[rsmq]") {
    Setup s;
    s.rsmq.create_queue({"q", 0}).get();  // vt 0: visible again at once
    s.rsmq.send_message("q", "x").get();
    s.rsmq.send_message("q", "y").get();
    std::vector<RsmqMessage> first;
    for (long long rc = 1; rc <= 2; ++rc) {
        test::Outcomes<std::optional<RsmqMessage>> received(2);
        test::together(s.rsmq, [&] {
            for (std::size_t i = 0; i < 2; ++i) s.rsmq.receive_message("q", std::nullopt, received.slot(i));
        });
        auto outcomes = received.wait();
        for (std::size_t i = 0; i < 2; ++i) {
            REQUIRE(outcomes[i].second);
            const auto& message = *outcomes[i].second;
            CHECK(message.rc == rc);
            if (rc == 1) first.push_back(message);
            REQUIRE(first.size() > i);
            CHECK(message.id == first[i].id);
            CHECK(message.fr == first[i].fr);
        }
    }
    CHECK(s.rsmq.get_queue_attributes("q").get().totalrecv == 4);
}

TEST_CASE("rsmq batch: deletes find a message never received, and not an unknown id", "[rsmq]") {
    Setup s;
    s.rsmq.create_queue({"q"}).get();
    const std::string received = s.rsmq.send_message("q", "x").get();
    REQUIRE(s.rsmq.receive_message("q").get()->id == received);
    const std::string never_received = s.rsmq.send_message("q", "y").get();
    const std::string unknown(32, 'a');
    test::Outcomes<bool> deleted(3);
    test::together(s.rsmq, [&] {
        s.rsmq.delete_message("q", unknown, deleted.slot(0));
        s.rsmq.delete_message("q", never_received, deleted.slot(1));
        s.rsmq.delete_message("q", received, deleted.slot(2));
    });
    auto outcomes = deleted.wait();
    CHECK(outcomes[0].second == false);
    CHECK(outcomes[1].second == true);
    CHECK(outcomes[2].second == true);
    auto left = test::redis_run(s.stats, {"HLEN", "rsmq:q:Q"});
    REQUIRE(left.ended);
    CHECK(left.reply.integer == 7);  // vt, delay, maxsize, created, modified, totalsent, totalrecv: no message fields
    auto members = test::redis_run(s.stats, {"ZCARD", "rsmq:q"});
    REQUIRE(members.ended);
    CHECK(members.reply.integer == 0);  // the unknown id's mark is gone too
}

// rsmq's own delete (ZREM and HDEL per id) answers 0 for an id whose fields were removed by hand;
// the batch asks only the sorted set, which is what receives take messages from.
TEST_CASE("rsmq batch: a delete finds an id when the queue's sorted set holds it, fields or not", "[rsmq]") {
    Setup s;
    s.rsmq.create_queue({"q"}).get();
    const std::string complete = s.rsmq.send_message("q", "x").get();
    const std::string fields_gone = s.rsmq.send_message("q", "y").get();
    const std::string not_queued = s.rsmq.send_message("q", "z").get();
    REQUIRE(test::redis_run(s.stats, {"HDEL", "rsmq:q:Q", fields_gone}).ended);
    REQUIRE(test::redis_run(s.stats, {"ZREM", "rsmq:q", not_queued}).ended);
    test::Outcomes<bool> deleted(4);
    test::together(s.rsmq, [&] {
        s.rsmq.delete_message("q", fields_gone, deleted.slot(0));
        s.rsmq.delete_message("q", complete, deleted.slot(1));
        s.rsmq.delete_message("q", not_queued, deleted.slot(2));
        s.rsmq.delete_message("q", complete, deleted.slot(3));
    });
    auto outcomes = deleted.wait();
    for (auto& outcome : outcomes) REQUIRE_FALSE(outcome.first);
    CHECK(outcomes[0].second == true);
    CHECK(outcomes[1].second == true);
    CHECK(outcomes[2].second == false);
    CHECK(outcomes[3].second == false);  // deleted already, by the same batch
    auto members = test::redis_run(s.stats, {"ZCARD", "rsmq:q"});
    REQUIRE(members.ended);
    CHECK(members.reply.integer == 0);
    auto fields = test::redis_run(s.stats, {"HLEN", "rsmq:q:Q"});
    REQUIRE(fields.ended);
    CHECK(fields.reply.integer == 6);  // vt, delay, maxsize, created, modified, totalsent (nothing received)
}

}  // namespace test_rsmq_batch
