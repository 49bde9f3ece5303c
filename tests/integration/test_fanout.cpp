// Slow subscribers: one stuck subscriber (a raw socket that never reads) beside healthy clients,
// under each policy of Config::slow_subscriber.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/fixtures.hpp"
#include "support/raw_peer.hpp"

using namespace std::chrono_literals;

namespace fanout_test {

constexpr std::size_t healthy_count = 2;
// A round (about 12 KB) stays under half a healthy subscriber's queue limit (32 KiB): its last
// write of the round before may still be counted there when the next round starts (the client
// has the bytes before the server has seen its write complete).
constexpr std::size_t rounds = 80;
constexpr std::size_t per_round = 12;
constexpr std::size_t message_size = 1000;

// The server's drop reports and other errors, as they came.
struct Reports {
    std::mutex mutex;
    std::vector<ipcxx::ErrorEvent> errors;
    std::vector<std::chrono::steady_clock::time_point> drop_times;  // messages_dropped or queue_full

    void add(const ipcxx::ErrorEvent& e) {
        std::lock_guard<std::mutex> lock(mutex);
        errors.push_back(e);
        if (e.code == ipcxx::errc::messages_dropped || e.code == ipcxx::errc::queue_full) {
            drop_times.push_back(std::chrono::steady_clock::now());
        }
    }
    std::size_t count(ipcxx::errc code) {
        std::lock_guard<std::mutex> lock(mutex);
        std::size_t n = 0;
        for (const auto& e : errors) n += e.code == code;
        return n;
    }
    // The messages the reports of `code` count.
    std::size_t total(ipcxx::errc code) {
        std::lock_guard<std::mutex> lock(mutex);
        std::size_t n = 0;
        for (const auto& e : errors) n += e.code == code ? e.undelivered : 0;
        return n;
    }
    // At most one report per interval: the first at once, then one per interval that had any.
    void check_coalesced(std::chrono::steady_clock::duration elapsed, std::chrono::milliseconds interval) {
        std::lock_guard<std::mutex> lock(mutex);
        CHECK(drop_times.size() >= 1);
        CHECK(drop_times.size() <= 2 + static_cast<std::size_t>(elapsed / interval));
        for (std::size_t i = 1; i < drop_times.size(); ++i) CHECK(drop_times[i] - drop_times[i - 1] >= interval * 3 / 4);
    }
};

ipcxx::SlowSubscriberConfig slow_subscriber(ipcxx::SlowSubscriberPolicy policy, std::chrono::milliseconds disconnect_after,
                                            std::chrono::milliseconds report_interval) {
    ipcxx::SlowSubscriberConfig config;
    config.policy = policy;
    config.disconnect_after = disconnect_after;
    config.report_interval = report_interval;
    return config;
}

// A server, healthy clients that count what they receive, and one raw subscriber that never reads.
struct Fanout {
    // What the handlers write to is declared first: destroyed after the server and clients.
    test::TempDir dir;
    std::vector<std::unique_ptr<std::atomic<std::size_t>>> received;
    Reports reports;
    test::Log log;
    std::atomic<std::size_t> stuck_serial{0};
    std::mutex threads_mutex;
    std::map<std::string, std::thread::id> threads;  // the I/O thread of each connection, by client id ("" raw)
    std::unique_ptr<ipcxx::Server> server;
    std::vector<std::unique_ptr<ipcxx::Client>> healthy;
    std::unique_ptr<test::RawPeer> stuck;

    explicit Fanout(ipcxx::SlowSubscriberConfig policy, std::size_t io_threads = 1) {
        auto config = test::config_in(dir);
        config.io_threads = io_threads;
        config.max_message_size = 4096;
        config.max_pending_bytes = 32 * 1024;
        config.unix_send_buffer = 0;  // the system default: the stuck one fills it sooner
        config.slow_subscriber = policy;
        // The raw subscriber says nothing: its `connect` (and so its `socket.disconnected`) comes after this.
        config.handshake_timeout = 100ms;
        server = std::make_unique<ipcxx::Server>(config);
        server->on("error", [this](const ipcxx::ErrorEvent& e) { reports.add(e); });
        server->on("connect", [this](ipcxx::Socket& s) {
            {
                std::lock_guard<std::mutex> lock(threads_mutex);
                threads[s.id()] = std::this_thread::get_id();
            }
            log.add(s.id().empty() ? "connect raw" : "connect " + s.id());
        });
        server->on("socket.disconnected", [this](ipcxx::Socket& s) {
            if (s.serial() == stuck_serial.load()) log.add("stuck disconnected");
        });
        server->serve();
        for (std::size_t i = 0; i < healthy_count; ++i) {
            received.push_back(std::make_unique<std::atomic<std::size_t>>(0));
            auto client = std::make_unique<ipcxx::Client>(test::config_in(dir, "healthy" + std::to_string(i)));
            client->on("tick", [counter = received.back().get()](const ipcxx::Payload&) { ++*counter; });
            client->connect_to("world");
            REQUIRE(log.wait_for("connect healthy" + std::to_string(i)));
            healthy.push_back(std::move(client));
        }
        stuck = std::make_unique<test::RawPeer>(test::RawPeer::unix_socket(server->path()));
        REQUIRE(stuck->connected());
        REQUIRE(log.wait_for("connect raw"));
        REQUIRE(server->sockets().size() == healthy_count + 1);
        for (const auto& s : server->sockets()) {
            if (s.id().empty()) stuck_serial = s.serial();
        }
    }

    std::thread::id thread_of(const std::string& id) {
        std::lock_guard<std::mutex> lock(threads_mutex);
        return threads[id];
    }

    bool healthy_got(std::size_t n) {
        const bool ok = test::eventually([&] {
            for (const auto& r : received) {
                if (r->load() < n) return false;
            }
            return true;
        });
        return ok;
    }

    // Broadcasts rounds of messages, letting the healthy clients catch up after each round, so that
    // only the stuck subscriber falls behind. Stops early once `until` holds.
    template <class Check>
    ipcxx::BroadcastResult run(Check&& check_each, const std::function<bool()>& until = {},
                               std::size_t max_rounds = rounds) {
        ipcxx::BroadcastResult total;
        const std::string body(message_size, 'x');
        std::size_t sent = 0;
        for (std::size_t round = 0; round < max_rounds; ++round) {
            for (std::size_t i = 0; i < per_round; ++i) {
                const auto result = server->broadcast("tick", body);
                check_each(result);
                total.queued += result.queued;
                total.dropped += result.dropped;
                total.refused += result.refused;
                if (!total.error) total.error = result.error;
                ++sent;
            }
            REQUIRE(healthy_got(sent));
            if (until && until()) break;
        }
        return total;
    }
};

}  // namespace fanout_test

using fanout_test::Fanout;

TEST_CASE("drop_newest: a stuck subscriber's drops are counted and reported per interval, the others get everything",
          "[fanout]") {
    const auto policy = fanout_test::slow_subscriber(ipcxx::SlowSubscriberPolicy::drop_newest, 0ms, 200ms);
    Fanout f(policy);
    const auto start = std::chrono::steady_clock::now();
    const auto total = f.run([](const ipcxx::BroadcastResult& r) {
        REQUIRE_FALSE(r);  // never fails because of the stuck one
        CHECK(r.refused == 0);
        CHECK(r.queued + r.dropped == fanout_test::healthy_count + 1);
        CHECK(r.queued >= fanout_test::healthy_count);
    });
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(total.dropped > 0);
    CHECK(f.reports.count(ipcxx::errc::queue_full) == 0);
    f.reports.check_coalesced(elapsed, policy.report_interval);
    // What was held back is reported when the subscriber goes: the counts add up to every drop.
    f.stuck->close();
    REQUIRE(test::eventually([&] { return f.reports.total(ipcxx::errc::messages_dropped) == total.dropped; }));
}

TEST_CASE("drop_oldest: older queued messages make room, the others get everything", "[fanout]") {
    const auto policy = fanout_test::slow_subscriber(ipcxx::SlowSubscriberPolicy::drop_oldest, 0ms, 200ms);
    Fanout f(policy);
    const auto total = f.run([](const ipcxx::BroadcastResult& r) {
        REQUIRE_FALSE(r);
        CHECK(r.refused == 0);
        CHECK(r.queued + r.dropped == fanout_test::healthy_count + 1);
    });
    CHECK(total.dropped > 0);
    CHECK(f.reports.count(ipcxx::errc::messages_dropped) >= 1);
    CHECK(f.reports.count(ipcxx::errc::queue_full) == 0);
    // The stuck subscriber keeps its newest messages: its queue stays full.
    const auto sockets = f.server->sockets();
    for (const auto& s : sockets) {
        if (s.serial() == f.stuck_serial.load()) CHECK(s.pending_messages() > 0);
    }
}

TEST_CASE("refuse: the broadcast reports queue_full, refusals are reported coalesced, the others get everything",
          "[fanout]") {
    const auto policy = fanout_test::slow_subscriber(ipcxx::SlowSubscriberPolicy::refuse, 0ms, 200ms);
    Fanout f(policy);
    const auto start = std::chrono::steady_clock::now();
    const auto total = f.run([](const ipcxx::BroadcastResult& r) {
        CHECK(r.dropped == 0);
        CHECK(r.queued >= fanout_test::healthy_count);
        if (r.refused > 0) CHECK(r == ipcxx::errc::queue_full);
    });
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(total.refused > 0);
    CHECK(total == ipcxx::errc::queue_full);
    CHECK(f.reports.count(ipcxx::errc::messages_dropped) == 0);
    // Not one error event per refused message: counts, at most one report per interval.
    CHECK(f.reports.count(ipcxx::errc::queue_full) < total.refused);
    f.reports.check_coalesced(elapsed, policy.report_interval);
    f.stuck->close();
    REQUIRE(test::eventually([&] { return f.reports.total(ipcxx::errc::queue_full) == total.refused; }));
}

TEST_CASE("disconnect_after: a subscriber over its limit that long is disconnected as too slow", "[fanout]") {
    const auto policy = fanout_test::slow_subscriber(ipcxx::SlowSubscriberPolicy::drop_newest, 300ms, 100ms);
    Fanout f(policy);
    f.run([](const ipcxx::BroadcastResult& r) { REQUIRE_FALSE(r); },
          [&] { return f.log.count("stuck disconnected") > 0; }, 100 * fanout_test::rounds);
    CHECK(f.log.wait_for("stuck disconnected"));
    CHECK(test::eventually([&] { return f.reports.count(ipcxx::errc::subscriber_too_slow) == 1; }));
    CHECK(f.server->sockets().size() == fanout_test::healthy_count);
    bool closed = false;
    f.stuck->read_until_closed(10s, &closed);
    CHECK(closed);
}

TEST_CASE("broadcasts from two threads at once, connections on two I/O threads: each counted once, every drop reported",
          "[fanout]") {
    const auto policy = fanout_test::slow_subscriber(ipcxx::SlowSubscriberPolicy::drop_newest, 0ms, 50ms);
    Fanout f(policy, 2);
    const std::string body(fanout_test::message_size, 'x');
    // Half a round each, so that the healthy subscribers' queues hold a whole round as in run().
    const std::size_t per_thread = fanout_test::per_round / 2;
    std::atomic<std::size_t> dropped{0};
    std::atomic<std::size_t> miscounted{0};
    std::size_t sent = 0;
    for (std::size_t round = 0; round < fanout_test::rounds; ++round) {
        auto broadcast = [&] {
            for (std::size_t i = 0; i < per_thread; ++i) {
                const auto r = f.server->broadcast("tick", body);
                if (r || r.queued + r.dropped != fanout_test::healthy_count + 1) ++miscounted;
                dropped += r.dropped;
            }
        };
        std::thread other(broadcast);
        broadcast();
        other.join();
        sent += 2 * per_thread;
        REQUIRE(f.healthy_got(sent));
    }
    CHECK(miscounted.load() == 0);
    CHECK(dropped.load() > 0);
    // Drops judged on either thread, with or without the monitor's lock, all reach the reports.
    f.stuck->close();
    REQUIRE(test::eventually([&] { return f.reports.total(ipcxx::errc::messages_dropped) == dropped.load(); }));
}

namespace fanout_test {

// Clients that check the order of what they get: every "tick" is the next number, and a "direct"
// emit made right after broadcast t comes after tick t and before tick t + 1.
struct OrderedClients {
    test::Log log;
    std::atomic<int> wrong{0};
    std::vector<std::unique_ptr<std::atomic<int>>> next;  // per client: the tick it expects
    std::vector<std::unique_ptr<ipcxx::Client>> clients;

    OrderedClients(const test::TempDir& dir, ipcxx::Server& server, std::size_t count, int ticks) {
        for (std::size_t i = 0; i < count; ++i) {
            next.push_back(std::make_unique<std::atomic<int>>(0));
            auto client = std::make_unique<ipcxx::Client>(test::config_in(dir, "c" + std::to_string(i)));
            auto* expected = next.back().get();
            client->on("tick", [this, expected, ticks](const ipcxx::Payload& p) {
                if (p.as<int>() != expected->load()) ++wrong;
                if (expected->fetch_add(1) + 1 == ticks) log.add("done");
            });
            client->on("direct", [this, expected](const ipcxx::Payload& p) {
                if (p.as<int>() + 1 != expected->load()) ++wrong;
                log.add("direct");
            });
            client->connect_to("world");
            clients.push_back(std::move(client));
        }
        REQUIRE(test::eventually([&] { return server.sockets().size() == count; }));
    }
};

}  // namespace fanout_test

TEST_CASE("io_threads: subscribers on two threads get every broadcast in order, each counted, emits in call order",
          "[fanout][io_threads]") {
    test::TempDir dir;
    auto config = test::config_in(dir);
    config.io_threads = 2;
    ipcxx::Server server{config};
    // A broadcast from a handler: its own connection's writer starts at the end of its batch, the
    // others' on their threads.
    std::atomic<int> miscounted{0};
    server.on("go", [&](const ipcxx::Payload& p, ipcxx::Socket& from) {
        for (int t = p.as<int>(); t < p.as<int>() + 50; ++t) {
            const auto r = server.broadcast("tick", t);
            if (r || r.queued != 6) ++miscounted;
        }
        from.emit("direct", p.as<int>() + 49);
    });
    server.serve();
    constexpr int ticks = 400;
    fanout_test::OrderedClients c(dir, server, 6, ticks);
    const auto sockets = server.sockets();
    int directs = 0;
    for (int t = 0; t < ticks - 50; ++t) {
        const auto r = server.broadcast("tick", t);
        REQUIRE_FALSE(r);
        CHECK(r.queued == 6);
        CHECK(r.dropped + r.refused == 0);
        if (t % 7 == 0) {
            REQUIRE_FALSE(sockets[t % sockets.size()].emit("direct", t));
            ++directs;
        }
    }
    // The last 50 from a handler on the I/O thread of client 3's connection.
    REQUIRE(c.log.wait_for_count("direct", directs));
    c.clients[3]->emit("go", ticks - 50);
    REQUIRE(c.log.wait_for_count("done", 6, 20s));
    REQUIRE(c.log.wait_for_count("direct", directs + 1));
    CHECK(c.wrong.load() == 0);
    CHECK(miscounted.load() == 0);
}

TEST_CASE("io_threads: a stuck subscriber on one thread holds up none of the subscribers on either thread",
          "[fanout][io_threads]") {
    const auto policy = fanout_test::slow_subscriber(ipcxx::SlowSubscriberPolicy::drop_newest, 0ms, 100ms);
    Fanout f(policy, 2);
    // Round robin: the stuck one shares its I/O thread with one healthy client, not with the other.
    REQUIRE(f.thread_of("healthy0") != f.thread_of("healthy1"));
    REQUIRE((f.thread_of("") == f.thread_of("healthy0") || f.thread_of("") == f.thread_of("healthy1")));
    const auto total = f.run([](const ipcxx::BroadcastResult& r) {
        REQUIRE_FALSE(r);
        CHECK(r.refused == 0);
        CHECK(r.queued + r.dropped == fanout_test::healthy_count + 1);
        CHECK(r.queued >= fanout_test::healthy_count);
    });
    CHECK(total.queued + total.dropped == (fanout_test::healthy_count + 1) * fanout_test::rounds * fanout_test::per_round);
    CHECK(total.dropped > 0);
    f.stuck->close();
    REQUIRE(test::eventually([&] { return f.reports.total(ipcxx::errc::messages_dropped) == total.dropped; }));
}
