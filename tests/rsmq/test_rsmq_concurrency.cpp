// One Rsmq used from several threads and from its own callbacks at once: every transaction stays
// whole (no command of one operation falls inside another's MULTI ... EXEC), every message is
// received once. And Rsmq objects sharing one client on the caller's io_context.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "ipcxx/error.hpp"
#include "ipcxx/rsmq.hpp"
#include "redis/redis_test_support.hpp"
#include "support/redis_server.hpp"

namespace test_rsmq_concurrency {

using namespace std::chrono_literals;

TEST_CASE("rsmq: operations from several threads and from callbacks never mix their transactions", "[rsmq]") {
    test::RedisServer server;
    // Not a test of timeouts: under the sanitizers on a loaded machine a reply may take seconds, and
    // a timed-out receive would leave its message hidden for the visibility timeout.
    auto options = test::redis_options(server.unix_url());
    options.command_timeout = 60s;
    ipcxx::Rsmq rsmq(options);
    rsmq.create_queue({"q"}).get();
    constexpr int threads = 4;
    constexpr int per_thread = 300;

    std::atomic<int> failures{0};
    std::vector<std::thread> senders;
    for (int t = 0; t < threads; ++t) {
        senders.emplace_back([&, t] {
            std::vector<std::future<std::string>> sent;
            for (int i = 0; i < per_thread; ++i) {
                sent.push_back(rsmq.send_message("q", std::to_string(t) + "-" + std::to_string(i)));
            }
            for (auto& f : sent) {
                try {
                    if (f.wait_for(30s) != std::future_status::ready || f.get().size() != 32) ++failures;
                } catch (const ipcxx::Error&) {
                    ++failures;
                }
            }
        });
    }
    for (auto& t : senders) t.join();
    REQUIRE(failures == 0);

    // Receivers on several threads, each deleting from inside its receive callback (the I/O thread)
    // while the others still call in.
    std::mutex mutex;
    std::set<std::string> bodies;
    std::string first_failure;  // what went wrong first, for the report
    auto note_failure = [&](const std::string& what) {
        std::lock_guard<std::mutex> lock(mutex);
        if (first_failure.empty()) first_failure = what;
    };
    std::vector<std::thread> receivers;
    for (int t = 0; t < threads; ++t) {
        receivers.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                auto done = std::make_shared<std::promise<bool>>();
                auto result = done->get_future();
                rsmq.receive_message("q", std::nullopt,
                                     [&, done](const ipcxx::RsmqError& e, std::optional<ipcxx::RsmqMessage> m) {
                                         if (e || !m) {
                                             note_failure(e ? "receive: " + e.message : std::string("receive: no message"));
                                             return done->set_value(false);
                                         }
                                         {
                                             std::lock_guard<std::mutex> lock(mutex);
                                             bodies.insert(m->message);
                                         }
                                         auto deleted = [done, note_failure](const ipcxx::RsmqError& e2, bool found) {
                                             if (e2 || !found) note_failure("delete: " + (e2 ? e2.message : std::string("not found")));
                                             done->set_value(!e2 && found);
                                         };
                                         rsmq.delete_message("q", m->id, deleted);
                                     });
                if (result.wait_for(30s) != std::future_status::ready || !result.get()) ++failures;
            }
        });
    }
    for (auto& t : receivers) t.join();
    INFO(first_failure);
    CHECK(failures == 0);
    CHECK(bodies.size() == threads * per_thread);
    CHECK(rsmq.get_queue_attributes("q").get().msgs == 0);
}

}  // namespace test_rsmq_concurrency

namespace test_rsmq_concurrency {

// Whether `channel` has one subscriber within 10 s (asked with a client of the test's own).
bool subscribed(const test::RedisServer& server, const std::string& channel) {
    ipcxx::RedisClient probe(test::redis_options(server.unix_url()));
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto numsub = test::redis_run(probe, {"PUBSUB", "NUMSUB", channel});
        if (numsub.reply.elements.size() == 2 && numsub.reply.elements[1].integer == 1) return true;
    }
    return false;
}

TEST_CASE("rsmq: on a shared client and the caller's io_context, with waits woken by notifications", "[rsmq]") {
    test::RedisServer server;
    asio::io_context io;
    auto guard = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    {
        auto client = std::make_shared<ipcxx::RedisClient>(io, test::redis_options(server.unix_url()));
        ipcxx::Rsmq rsmq(io, client);
        ipcxx::RsmqOptions other_ns;
        other_ns.ns = "other";
        ipcxx::Rsmq second(io, client, other_ns);
        rsmq.create_queue({"q"}).get();
        const std::string id = rsmq.send_message("q", "shared").get();
        CHECK(rsmq.receive_message("q").get()->id == id);
        // The same client, another namespace: its own queues.
        CHECK(second.list_queues().get().empty());
        // The client stays usable by its other users.
        auto reply = test::redis_run(*client, {"HGET", "rsmq:q:Q", id});
        CHECK(reply.reply.text == "shared");

        // A waiting receive on the shared client has a subscriber (made from the client's options):
        // with long pauses, only a realtime notification ends it within the test's few seconds.
        ipcxx::RsmqOptions realtime;
        realtime.realtime = true;
        ipcxx::Rsmq sender(io, client, realtime);
        ipcxx::RsmqWaitOptions wait;
        wait.timeout = 30s;
        wait.idle_check = 30s;
        auto received = std::make_shared<std::promise<std::string>>();
        auto result = received->get_future();
        rsmq.receive_message_wait("q", wait, [received](const ipcxx::RsmqError& e, std::optional<ipcxx::RsmqMessage> m) {
            received->set_value(e ? "error: " + e.code.message() : m ? m->message : "nothing");
        });
        // CHECK, not REQUIRE, here: the I/O thread must be joined whatever happens.
        CHECK(subscribed(server, "rsmq:rt:q"));
        sender.send_message("q", "wake").get();
        const bool woken = result.wait_for(5s) == std::future_status::ready;
        CHECK(woken);
        if (woken) CHECK(result.get() == "wake");
    }
    guard.reset();
    runner.join();
}

}  // namespace test_rsmq_concurrency

namespace test_rsmq_concurrency {

TEST_CASE("rsmq: the destructor ends a waiting receive with not_connected", "[rsmq]") {
    test::RedisServer server;
    std::atomic<int> calls{0};
    std::error_code seen;
    {
        ipcxx::Rsmq rsmq(test::redis_options(server.unix_url()));
        rsmq.create_queue({"q"}).get();
        ipcxx::RsmqWaitOptions wait;
        wait.timeout = 60s;
        wait.idle_check = 60s;
        rsmq.receive_message_wait("q", wait, [&](const ipcxx::RsmqError& e, std::optional<ipcxx::RsmqMessage>) {
            seen = e.code;
            ++calls;
        });
        // Its subscriber is up once the wait has begun; the wait then soon sits in its pause. Either
        // way (pause or lookup) the destructor must end it.
        REQUIRE(subscribed(server, "rsmq:rt:q"));
        CHECK(calls == 0);
    }
    CHECK(calls == 1);
    CHECK(seen == ipcxx::errc::not_connected);
}

}  // namespace test_rsmq_concurrency
