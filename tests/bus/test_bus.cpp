// The bus against real redis-servers (each test starts its own): emit -> handle across processes,
// at-least-once with a consumer killed mid-batch, dead letters, trimmed entries, Redis restarted or
// unreachable, pub/sub, and requests with deadlines, deferred answers and cancel.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ipcxx/bus.hpp"
#include "ipcxx/error.hpp"
#include "ipcxx/responder.hpp"
#include "support/child_process.hpp"
#include "support/fixtures.hpp"
#include "support/redis_server.hpp"

namespace bus_tests {

using namespace std::chrono_literals;
using test::eventually;

ipcxx::BusOptions options_for(const test::RedisServer& server, std::string consumer = {}) {
    ipcxx::BusOptions options;
    options.redis.url = server.unix_url();
    options.redis.retry = 20ms;
    options.redis.retry_max = 200ms;
    options.redis.connect_timeout = 3000ms;
    options.name = "test";
    options.consumer = std::move(consumer);
    options.block = 200ms;
    options.silent = true;
    return options;
}

// What a bus's handlers saw, read from the test's thread.
struct Seen {
    std::mutex mutex;
    std::multiset<int> jobs;
    std::vector<ipcxx::ErrorEvent> errors;

    void job(int n) {
        std::lock_guard<std::mutex> lock(mutex);
        jobs.insert(n);
    }
    void error(const ipcxx::ErrorEvent& e) {
        std::lock_guard<std::mutex> lock(mutex);
        errors.push_back(e);
    }
    std::size_t distinct_jobs() {
        std::lock_guard<std::mutex> lock(mutex);
        return std::set<int>(jobs.begin(), jobs.end()).size();
    }
    std::size_t errors_of(ipcxx::errc code) {
        std::lock_guard<std::mutex> lock(mutex);
        std::size_t n = 0;
        for (const auto& e : errors) n += e.code == code ? (e.undelivered ? e.undelivered : 1) : 0;
        return n;
    }
    void watch(ipcxx::Bus& bus) {
        bus.on("job", [this](const ipcxx::Payload& data) { job(data.as<int>()); });
        bus.on("error", [this](const ipcxx::ErrorEvent& e) { error(e); });
    }
};

std::vector<std::string> peer(const test::RedisServer& server, const std::string& consumer, int work_ms) {
    return {IPCXX_BUS_PEER, server.unix_url(), "test", "default", consumer, std::to_string(work_ms)};
}

long long stream_length(const test::RedisServer& server, const std::string& key) {
    const std::string reply = server.command({"XLEN", key});
    return reply.size() > 1 && reply[0] == ':' ? std::stoll(reply.substr(1)) : -1;
}

TEST_CASE("events emitted here are handled by a consumer in another process, and requests answered", "[bus]") {
    test::RedisServer server;
    test::ChildProcess child(peer(server, "child", 0));
    REQUIRE(child.wait_line(test::ev_is("connect")));
    auto options = options_for(server);
    options.consume = false;
    ipcxx::Bus bus(options);
    for (int n = 0; n < 20; ++n) REQUIRE_FALSE(bus.emit("job", n));
    CHECK(child.wait_count(test::ev_is("job"), 20) == 20);
    CHECK(bus.request("add", std::vector<int>{2, 3}, 5000ms).get().as<int>() == 5);
    CHECK(bus.emit("", 1) == ipcxx::errc::invalid_argument);
    CHECK(bus.emit("error", 1) == ipcxx::errc::reserved_event);
}

TEST_CASE("a consumer killed by SIGKILL mid-batch loses nothing: its entries are taken over", "[bus]") {
    test::RedisServer server;
    // Before the buses: their handlers may run until the buses' destructors return.
    Seen seen;
    std::set<int> done_by_child;
    {
        test::ChildProcess child(peer(server, "doomed", 300));
        REQUIRE(child.wait_line(test::ev_is("connect")));
        auto options = options_for(server);
        options.consume = false;
        ipcxx::Bus producer(options);
        for (int n = 0; n < 20; ++n) REQUIRE_FALSE(producer.emit("job", n));
        // The child reads a batch of 8 and works 300 ms on each: killed in the middle of the batch.
        REQUIRE(child.wait_count(test::ev_is("job"), 2) == 2);
        child.kill();
        for (const auto& line : child.lines(test::ev_is("job"))) done_by_child.insert(static_cast<int>(line.num("n")));
    }
    auto options = options_for(server, "survivor");
    options.claim_min_idle = 300ms;
    options.claim_interval = 100ms;
    ipcxx::Bus survivor(options);
    seen.watch(survivor);
    survivor.start();
    REQUIRE(eventually([&] {
        std::lock_guard<std::mutex> lock(seen.mutex);
        std::set<int> all(done_by_child);
        all.insert(seen.jobs.begin(), seen.jobs.end());
        return all.size() == 20;
    }, 20s));
    // The ones the dead consumer had taken and not finished were handled by the survivor.
    CHECK(seen.distinct_jobs() >= 20 - done_by_child.size());
    CHECK(eventually([&] { return server.command({"XPENDING", "ipcxx:bus:{test}:events", "default"}).rfind("*4", 0) == 0 &&
                                  server.command({"XPENDING", "ipcxx:bus:{test}:events", "default", "-", "+", "10"}) == "*0"; },
                     5s));
}

TEST_CASE("an entry whose handler keeps throwing is dead-lettered after max_deliveries", "[bus]") {
    test::RedisServer server;
    // Before the buses: their handlers may run until the buses' destructors return.
    Seen seen;
    std::atomic<int> attempts{0};
    auto options = options_for(server);
    options.max_deliveries = 2;
    options.claim_min_idle = 50ms;
    options.claim_interval = 50ms;
    ipcxx::Bus bus(options);
    bus.on("poison", [&](const ipcxx::Payload&) {
        ++attempts;
        throw std::runtime_error("cannot digest this");
    });
    seen.watch(bus);
    bus.start();
    REQUIRE_FALSE(bus.emit("poison", 1));
    REQUIRE_FALSE(bus.emit("job", 7));
    REQUIRE(eventually([&] { return seen.errors_of(ipcxx::errc::dead_lettered) == 1; }, 10s));
    CHECK(attempts == 2);
    CHECK(seen.errors_of(ipcxx::errc::handler_exception) == 2);
    CHECK(seen.distinct_jobs() == 1);
    CHECK(stream_length(server, "ipcxx:bus:{test}:dead") == 1);
    CHECK(eventually([&] { return server.command({"XPENDING", "ipcxx:bus:{test}:events", "default", "-", "+", "10"}) == "*0"; }, 5s));
}

TEST_CASE("pending entries whose data was trimmed are reported and acknowledged", "[bus]") {
    test::RedisServer server;
    // Before the buses: their handlers may run until the buses' destructors return.
    Seen seen;
    {
        auto options = options_for(server);
        options.consume = false;
        ipcxx::Bus producer(options);
        for (int n = 0; n < 3; ++n) REQUIRE_FALSE(producer.emit("job", n));
        // Before the producer goes: its destructor drops what is not written yet.
        REQUIRE_FALSE(producer.flush(5s));
    }
    REQUIRE(stream_length(server, "ipcxx:bus:{test}:events") == 3);
    // A consumer that read them and died, then a trim under its pending entries.
    REQUIRE(server.command({"XGROUP", "CREATE", "ipcxx:bus:{test}:events", "default", "0"}) == "+OK");
    REQUIRE(server.command({"XREADGROUP", "GROUP", "default", "gone", "COUNT", "10", "STREAMS", "ipcxx:bus:{test}:events", ">"}).rfind("*1", 0) == 0);
    REQUIRE(server.command({"XTRIM", "ipcxx:bus:{test}:events", "MAXLEN", "=", "1"}) == ":2");
    auto options = options_for(server);
    options.claim_min_idle = 1ms;
    options.claim_interval = 50ms;
    ipcxx::Bus bus(options);
    seen.watch(bus);
    bus.start();
    REQUIRE(eventually([&] { return seen.errors_of(ipcxx::errc::entry_trimmed) == 2 && seen.distinct_jobs() == 1; }, 10s));
    CHECK(eventually([&] { return server.command({"XPENDING", "ipcxx:bus:{test}:events", "default", "-", "+", "10"}) == "*0"; }, 5s));
}

TEST_CASE("Redis restarted mid-stream: reconnect, and every emit is handled or reported", "[bus]") {
    test::RedisServer server;
    // Before the buses: their handlers may run until the buses' destructors return.
    Seen seen;
    Seen producer_seen;
    auto options = options_for(server);
    ipcxx::Bus consumer(options);
    seen.watch(consumer);
    consumer.start();
    options.consume = false;
    ipcxx::Bus producer(options);
    producer.on("error", [&](const ipcxx::ErrorEvent& e) { producer_seen.error(e); });
    for (int n = 0; n < 10; ++n) REQUIRE_FALSE(producer.emit("job", n));
    REQUIRE(eventually([&] { return seen.distinct_jobs() == 10; }, 10s));
    server.restart();  // no persistence: the stream and its group are gone
    for (int n = 10; n < 20; ++n) REQUIRE_FALSE(producer.emit("job", n));
    REQUIRE(eventually([&] {
        return seen.distinct_jobs() + producer_seen.errors_of(ipcxx::errc::undelivered) >= 20;
    }, 15s));
    CHECK(seen.distinct_jobs() + producer_seen.errors_of(ipcxx::errc::undelivered) == 20);
}

TEST_CASE("Redis unreachable at start: emits wait and are flushed when it comes up", "[bus]") {
    test::RedisServer server;
    // Before the buses: their handlers may run until the buses' destructors return.
    Seen seen;
    server.stop();
    auto options = options_for(server);
    options.consume = false;
    ipcxx::Bus producer(options);
    for (int n = 0; n < 5; ++n) REQUIRE_FALSE(producer.emit("job", n));
    CHECK_FALSE(producer.connected());
    server.start();
    auto consumer_options = options_for(server);
    ipcxx::Bus consumer(consumer_options);
    seen.watch(consumer);
    consumer.start();
    CHECK(eventually([&] { return seen.distinct_jobs() == 5; }, 10s));
}

TEST_CASE("with the queue full, emits are reported undelivered with their count", "[bus]") {
    test::RedisServer server;
    // Before the buses: their handlers may run until the buses' destructors return.
    Seen seen;
    server.stop();
    auto options = options_for(server);
    options.consume = false;
    options.redis.max_pending_bytes = 1024;
    ipcxx::Bus producer(options);
    seen.watch(producer);
    const std::string big(400, 'x');
    for (int n = 0; n < 5; ++n) REQUIRE_FALSE(producer.emit("job", big));
    CHECK(eventually([&] { return seen.errors_of(ipcxx::errc::undelivered) >= 3; }, 5s));
}

TEST_CASE("pub/sub by name and by pattern reaches the on() handlers", "[bus]") {
    test::RedisServer server;
    // Before the buses: their handlers may run until the buses' destructors return.
    std::mutex mutex;
    std::vector<std::string> got;
    auto options = options_for(server);
    options.consume = false;
    ipcxx::Bus listener(options);
    listener.on("*", [&](std::string_view event, const ipcxx::Payload& data) {
        std::lock_guard<std::mutex> lock(mutex);
        got.push_back(std::string(event) + "=" + std::to_string(data.as<int>()));
    });
    listener.subscribe("tick");
    listener.psubscribe("order.*");
    ipcxx::Bus publisher(options);
    // Pub/sub is at most once: publish until the subscriptions are surely in place.
    REQUIRE(eventually([&] {
        publisher.publish("tick", 1);
        std::lock_guard<std::mutex> lock(mutex);
        return std::find(got.begin(), got.end(), "tick=1") != got.end();
    }, 10s));
    REQUIRE(eventually([&] {
        publisher.publish("order.paid", 2);
        publisher.publish("other", 3);
        std::lock_guard<std::mutex> lock(mutex);
        return std::find(got.begin(), got.end(), "order.paid=2") != got.end();
    }, 10s));
    std::lock_guard<std::mutex> lock(mutex);
    CHECK(std::find(got.begin(), got.end(), "other=3") == got.end());
}

TEST_CASE("requests: answers, deferred answers, no_handler, deadlines and cancel", "[bus]") {
    test::RedisServer server;
    // Before the buses: their handlers may run until the buses' destructors return.
    std::mutex mutex;
    std::vector<ipcxx::Responder> held;
    auto options = options_for(server);
    ipcxx::Bus responder_bus(options);
    responder_bus.handle<int>("double", [](int n) { return n * 2; });
    responder_bus.handle("later", [&](ipcxx::Responder responder) {
        std::thread([responder]() mutable { responder.reply(42); }).detach();
    });
    responder_bus.handle("never", [&](ipcxx::Responder responder) {
        std::lock_guard<std::mutex> lock(mutex);
        held.push_back(std::move(responder));
    });
    responder_bus.start();
    auto requester_options = options_for(server);
    requester_options.consume = false;
    ipcxx::Bus requester(requester_options);

    CHECK(requester.request("double", 21, 5000ms).get().as<int>() == 42);
    CHECK(requester.request("later", 0, 5000ms).get().as<int>() == 42);

    std::promise<ipcxx::Response> missing;
    requester.request("nobody", 0, 5000ms, [&](const ipcxx::Response& r) { missing.set_value(r); });
    auto missing_future = missing.get_future();
    REQUIRE(missing_future.wait_for(10s) == std::future_status::ready);
    CHECK(missing_future.get().error == ipcxx::errc::no_handler);

    std::promise<ipcxx::Response> late;
    requester.request("never", 0, 300ms, [&](const ipcxx::Response& r) { late.set_value(r); });
    auto late_future = late.get_future();
    REQUIRE(late_future.wait_for(10s) == std::future_status::ready);
    CHECK(late_future.get().error == ipcxx::errc::request_timeout);

    std::promise<ipcxx::Response> cancelled;
    const auto id = requester.request("never", 0, 5000ms, [&](const ipcxx::Response& r) { cancelled.set_value(r); });
    requester.cancel(id);
    auto cancelled_future = cancelled.get_future();
    REQUIRE(cancelled_future.wait_for(10s) == std::future_status::ready);
    CHECK(cancelled_future.get().error == ipcxx::errc::request_cancelled);
}

TEST_CASE("a request nobody consumes ends with request_timeout", "[bus]") {
    test::RedisServer server;
    auto options = options_for(server);
    options.consume = false;
    ipcxx::Bus requester(options);
    std::promise<ipcxx::Response> outcome;
    requester.request("add", 1, 300ms, [&](const ipcxx::Response& r) { outcome.set_value(r); });
    auto future = outcome.get_future();
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    CHECK(future.get().error == ipcxx::errc::request_timeout);
}

// How many entries of the group "default" are pending (read and not acknowledged).
long long pending_entries(const test::RedisServer& server) {
    const std::string reply = server.command(
        {"EVAL", "return redis.call('XPENDING', KEYS[1], 'default')[1]", "1", "ipcxx:bus:{test}:events"});
    return reply.size() > 1 && reply[0] == ':' ? std::stoll(reply.substr(1)) : -1;
}

test::LinePredicate line_of(std::string ev, int n) {
    return [ev = std::move(ev), n](const test::PeerLine& l) { return l.is(ev) && l.num("n") == n; };
}

TEST_CASE("a cancel reaches the consumer in another process; a request cancelled before it is read is never handled",
          "[bus]") {
    test::RedisServer server;
    auto options = options_for(server);
    options.consume = false;
    ipcxx::Bus requester(options);
    // A "hold" request: its id, and its outcome when it ends.
    auto hold = [&](int n, std::chrono::milliseconds timeout) {
        auto outcome = std::make_shared<std::promise<ipcxx::Response>>();
        const auto id = requester.request("hold", n, timeout, [outcome](const ipcxx::Response& r) { outcome->set_value(r); });
        return std::make_pair(id, outcome->get_future());
    };

    // Cancelled while no consumer runs: the entry is removed from the stream.
    auto [early_id, early] = hold(1, 10000ms);
    REQUIRE_FALSE(requester.flush(5000ms));
    REQUIRE(stream_length(server, "ipcxx:bus:{test}:events") == 1);
    requester.cancel(early_id);
    REQUIRE(early.wait_for(10s) == std::future_status::ready);
    CHECK(early.get().error == ipcxx::errc::request_cancelled);
    CHECK(eventually([&] { return stream_length(server, "ipcxx:bus:{test}:events") == 0; }));

    test::ChildProcess child(peer(server, "child", 0));
    REQUIRE(child.wait_line(test::ev_is("connect")));

    // Cancelled while the consumer holds it: its on_cancel runs, its late answer is dropped, the
    // entry is acknowledged.
    auto [held_id, held] = hold(2, 10000ms);
    REQUIRE(child.wait_line(line_of("held", 2)));
    requester.cancel(held_id);
    REQUIRE(held.wait_for(10s) == std::future_status::ready);
    CHECK(held.get().error == ipcxx::errc::request_cancelled);
    auto cancelled = child.wait_line(line_of("cancelled", 2));
    REQUIRE(cancelled);
    CHECK(cancelled->str("reason") == "cancelled");
    auto late = child.wait_line(line_of("late", 2));
    REQUIRE(late);
    CHECK(late->text().find("\"dropped\":true") != std::string::npos);
    CHECK(eventually([&] { return pending_entries(server) == 0; }));

    // The deadline, which travels with the request, cancels it at the consumer too.
    auto timed = hold(3, 500ms).second;
    REQUIRE(timed.wait_for(10s) == std::future_status::ready);
    CHECK(timed.get().error == ipcxx::errc::request_timeout);
    auto expired = child.wait_line(line_of("cancelled", 3));
    REQUIRE(expired);
    CHECK(expired->str("reason") == "timeout");

    CHECK(requester.request("add", std::vector<int>{1, 1}, 5000ms).get().as<int>() == 2);
    CHECK(child.count(line_of("held", 1)) == 0);
}

}  // namespace bus_tests
