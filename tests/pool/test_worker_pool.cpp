// WorkerPool with real worker processes over Node's IPC channel: a C++ worker (pool_worker.cpp)
// and a Node.js one (node_pool_worker.js on examples/node-worker's helper). Requests spread over
// the workers, a worker killed mid-request, crash loops, a stuck worker, shrinking, and both kinds
// of shutdown; every request ends exactly once.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <signal.h>

#include "ipcxx/error.hpp"
#include "ipcxx/worker_pool.hpp"
#include "support/fixtures.hpp"

namespace worker_pool_test {

using namespace std::chrono_literals;
using ipcxx::errc;
using ipcxx::Response;
using ipcxx::WorkerPool;
using ipcxx::WorkerPoolOptions;

WorkerPoolOptions cpp_workers(std::size_t size) {
    WorkerPoolOptions options;
    options.program = IPCXX_POOL_WORKER;
    options.size = size;
    options.restart_min = 20ms;
    options.restart_max = 200ms;
    options.request_timeout = 20s;
    return options;
}

WorkerPoolOptions node_workers(std::size_t size) {
    WorkerPoolOptions options = cpp_workers(size);
    options.program = "/usr/bin/node";
    options.args = {IPCXX_POOL_NODE_WORKER, IPCXX_POOL_NODE_HELPER};
    return options;
}

// What a pool's callbacks saw, thread-safe, with bounded waits.
class Watch {
public:
    explicit Watch(WorkerPool& pool) {
        pool.on_worker_spawn([this](std::uint64_t worker, pid_t pid) {
            std::lock_guard<std::mutex> lock(mutex_);
            pids_[worker] = pid;
            ++spawns_;
        });
        pool.on_worker_exit([this](std::uint64_t, ipcxx::ExitStatus status) {
            std::lock_guard<std::mutex> lock(mutex_);
            exits_.push_back(status);
        });
        pool.on_error([this](std::uint64_t, const ipcxx::ProcessError& e) {
            std::lock_guard<std::mutex> lock(mutex_);
            errors_.push_back(e.message);
        });
        pool.on_stopped([this] {
            std::lock_guard<std::mutex> lock(mutex_);
            ++stopped_;
        });
    }

    ipcxx::ResponseHandler ending(int tag) {
        return [this, tag](const Response& r) {
            std::lock_guard<std::mutex> lock(mutex_);
            ++ends_[tag];
            responses_[tag] = r;
        };
    }

    bool wait_ended(std::size_t n, std::chrono::milliseconds limit = 30s) {
        return test::eventually([&] {
            std::lock_guard<std::mutex> lock(mutex_);
            return ends_.size() >= n;
        }, limit);
    }
    bool wait(const std::function<bool()>& pred, std::chrono::milliseconds limit = 30s) {
        return test::eventually([&] {
            std::lock_guard<std::mutex> lock(mutex_);
            return pred();
        }, limit);
    }

    // Every request ended once.
    bool each_once() {
        std::lock_guard<std::mutex> lock(mutex_);
        return std::all_of(ends_.begin(), ends_.end(), [](const auto& e) { return e.second == 1; });
    }
    Response response(int tag) {
        std::lock_guard<std::mutex> lock(mutex_);
        return responses_.at(tag);
    }
    std::map<std::uint64_t, pid_t> pids() {
        std::lock_guard<std::mutex> lock(mutex_);
        return pids_;
    }
    std::vector<ipcxx::ExitStatus> exits() {
        std::lock_guard<std::mutex> lock(mutex_);
        return exits_;
    }
    std::size_t spawns() {
        std::lock_guard<std::mutex> lock(mutex_);
        return spawns_;
    }
    std::size_t errors() {
        std::lock_guard<std::mutex> lock(mutex_);
        return errors_.size();
    }
    int stopped() {
        std::lock_guard<std::mutex> lock(mutex_);
        return stopped_;
    }
    std::vector<ipcxx::ExitStatus>& exits_locked() { return exits_; }
    std::size_t& spawns_locked() { return spawns_; }

private:
    std::mutex mutex_;
    std::map<std::uint64_t, pid_t> pids_;
    std::vector<ipcxx::ExitStatus> exits_;
    std::vector<std::string> errors_;
    std::map<int, int> ends_;
    std::map<int, Response> responses_;
    std::size_t spawns_ = 0;
    int stopped_ = 0;
};

// Requests spread over the workers: with one request per worker at a time, N slow requests on
// N workers are answered by N different processes.
void check_spread(WorkerPoolOptions options) {
    WorkerPool pool(options);
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    for (int i = 0; i < 6; ++i) pool.request("sleep", 300, watch.ending(i));
    REQUIRE(watch.wait_ended(6));
    CHECK(watch.each_once());
    std::set<int> answered_by;
    for (int i = 0; i < 6; ++i) {
        const Response r = watch.response(i);
        REQUIRE_FALSE(r.error);
        answered_by.insert(r.data.as<int>());
        CHECK(r.attempts == 1);
    }
    CHECK(answered_by.size() == 3);
    CHECK(watch.spawns() == 3);
}

// A worker killed with SIGKILL while it runs a request: that request goes to another worker, the
// killed one is restarted, and every request ends once with its answer.
void check_kill_mid_request(WorkerPoolOptions options) {
    WorkerPool pool(options);
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    for (int i = 0; i < 4; ++i) pool.request("sleep", 500, watch.ending(i));
    REQUIRE(test::eventually([&] { return pool.stats().busy == 2; }));
    const auto pids = watch.pids();
    REQUIRE(pids.size() == 2);
    REQUIRE(::kill(pids.begin()->second, SIGKILL) == 0);
    REQUIRE(watch.wait_ended(4));
    CHECK(watch.each_once());
    unsigned resent = 0;
    for (int i = 0; i < 4; ++i) {
        const Response r = watch.response(i);
        CHECK_FALSE(r.error);
        CHECK(r.data.as<int>() != pids.begin()->second);
        resent += r.attempts == 2 ? 1 : 0;
    }
    CHECK(resent == 1);
    const auto exits = watch.exits();
    REQUIRE(exits.size() == 1);
    CHECK(exits[0].signal == SIGKILL);
    CHECK(watch.wait([&] { return watch.spawns_locked() == 3; }));
}

}  // namespace worker_pool_test

using namespace worker_pool_test;

TEST_CASE("requests spread over the C++ workers", "[pool]") { check_spread(cpp_workers(3)); }

TEST_CASE("requests spread over the Node.js workers", "[pool]") { check_spread(node_workers(3)); }

TEST_CASE("a C++ worker killed mid-request; its request is answered by another", "[pool]") {
    check_kill_mid_request(cpp_workers(2));
}

TEST_CASE("a Node.js worker killed mid-request; its request is answered by another", "[pool]") {
    check_kill_mid_request(node_workers(2));
}

TEST_CASE("a request that kills every worker it is sent to ends with worker_exited", "[pool]") {
    WorkerPoolOptions options = cpp_workers(2);
    options.max_attempts = 2;
    WorkerPool pool(options);
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    pool.request("crash", msgpack::type::nil_t(), watch.ending(0));
    REQUIRE(watch.wait_ended(1));
    const Response r = watch.response(0);
    CHECK(r.error == errc::worker_exited);
    CHECK(r.attempts == 2);
    // The pool goes on: the crashed workers come back and answer.
    pool.request("pid", msgpack::type::nil_t(), watch.ending(1));
    REQUIRE(watch.wait_ended(2));
    CHECK_FALSE(watch.response(1).error);
    CHECK(watch.each_once());
}

TEST_CASE("workers that cannot start: backoff, then requests fail instead of waiting", "[pool]") {
    WorkerPoolOptions options = cpp_workers(1);
    options.args = {"--exit-at-start"};
    options.max_attempts = 10;  // so that the crash loop, not the attempts, ends the request
    options.restart_min = 20ms;
    options.restart_max = 1000ms;
    options.crash_loop_after = 3;
    WorkerPool pool(options);
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    pool.request("pid", msgpack::type::nil_t(), watch.ending(0));
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(watch.wait_ended(1));
    CHECK(watch.response(0).error == errc::worker_exited);
    // Three exits with 20 + 40 ms of restart delay between them.
    CHECK(std::chrono::steady_clock::now() - started >= 60ms);
    CHECK(watch.exits().size() >= 3);
    CHECK(watch.exits()[0].code == 7);
    pool.request("pid", msgpack::type::nil_t(), watch.ending(1));  // still looping: fails at once
    REQUIRE(watch.wait_ended(2));
    CHECK(watch.response(1).error == errc::worker_exited);
    CHECK(watch.each_once());
}

TEST_CASE("a missing program is an error event and its requests fail", "[pool]") {
    WorkerPoolOptions options = cpp_workers(1);
    options.program = "/nonexistent/ipcxx-worker";
    options.crash_loop_after = 1;
    WorkerPool pool(options);
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    pool.request("pid", msgpack::type::nil_t(), watch.ending(0));
    REQUIRE(watch.wait_ended(1));
    CHECK(watch.response(0).error == errc::worker_exited);
    CHECK(watch.errors() >= 1);
}

TEST_CASE("a stuck worker past the deadline is replaced", "[pool]") {
    WorkerPool pool(cpp_workers(1));
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    pool.request("sleep", 10000, 200ms, watch.ending(0));
    REQUIRE(watch.wait_ended(1));
    CHECK(watch.response(0).error == errc::request_timeout);
    REQUIRE(watch.wait([&] { return watch.exits_locked().size() == 1; }));
    CHECK(watch.exits()[0].signal == SIGKILL);
    pool.request("pid", msgpack::type::nil_t(), watch.ending(1));
    REQUIRE(watch.wait_ended(2));
    CHECK_FALSE(watch.response(1).error);
    CHECK(watch.spawns() == 2);
}

TEST_CASE("shrinking stops workers, the rest keep answering", "[pool]") {
    WorkerPool pool(cpp_workers(3));
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    REQUIRE(test::eventually([&] { return pool.stats().idle == 3; }));
    CHECK_FALSE(pool.resize(1));
    REQUIRE(watch.wait([&] { return watch.exits_locked().size() == 2; }));
    CHECK(pool.stats().workers == 1);
    for (int i = 0; i < 3; ++i) pool.request("pid", msgpack::type::nil_t(), watch.ending(i));
    REQUIRE(watch.wait_ended(3));
    CHECK(watch.response(0).data.as<int>() == watch.response(2).data.as<int>());
    CHECK(pool.resize(0) == errc::invalid_argument);
    CHECK_FALSE(pool.resize(2));
    REQUIRE(test::eventually([&] { return pool.stats().idle == 2; }));
    CHECK(watch.spawns() == 4);
}

TEST_CASE("graceful shutdown answers every request made, then stops", "[pool]") {
    WorkerPool pool(cpp_workers(2));
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    for (int i = 0; i < 4; ++i) pool.request("sleep", 100, watch.ending(i));
    pool.shutdown(true);
    pool.request("pid", msgpack::type::nil_t(), watch.ending(4));
    REQUIRE(watch.wait_ended(5));
    for (int i = 0; i < 4; ++i) CHECK_FALSE(watch.response(i).error);
    CHECK(watch.response(4).error == errc::pool_shut_down);
    REQUIRE(watch.wait([&] { return watch.exits_locked().size() == 2; }));
    CHECK(test::eventually([&] { return watch.stopped() == 1; }));
    CHECK(pool.resize(3) == errc::pool_shut_down);
}

TEST_CASE("shutdown now ends queued and running requests with pool_shut_down", "[pool]") {
    WorkerPool pool(cpp_workers(1));
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    for (int i = 0; i < 3; ++i) pool.request("sleep", 5000, watch.ending(i));
    REQUIRE(test::eventually([&] { return pool.stats().busy == 1; }));
    pool.shutdown(false);
    REQUIRE(watch.wait_ended(3, 5s));
    for (int i = 0; i < 3; ++i) CHECK(watch.response(i).error == errc::pool_shut_down);
    CHECK(test::eventually([&] { return watch.stopped() == 1; }));
    CHECK(watch.exits().at(0).signal == SIGKILL);
    CHECK(watch.each_once());
}

TEST_CASE("the future form, and destroying the pool with requests open", "[pool]") {
    std::future<ipcxx::Payload> answered;
    std::future<ipcxx::Payload> cut;
    {
        WorkerPool pool(cpp_workers(1));
        REQUIRE_FALSE(pool.start());
        answered = pool.request("pid", msgpack::type::nil_t(), 20s);
        REQUIRE(answered.wait_for(20s) == std::future_status::ready);
        cut = pool.request("sleep", 5000, 20s);
    }
    CHECK(answered.get().as<int>() > 0);
    REQUIRE(cut.wait_for(0s) == std::future_status::ready);
    CHECK_THROWS_AS(cut.get(), ipcxx::Error);
}

namespace worker_pool_cancel_test {

using namespace worker_pool_test;

TEST_CASE("cancel ends a running request at once, the C++ worker is told, its place is free", "[pool]") {
    WorkerPool pool(cpp_workers(1));
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    const ipcxx::RequestId running = pool.request("sleep", 10000, 20s, watch.ending(0));
    const ipcxx::RequestId queued = pool.request("sleep", 10000, 20s, watch.ending(1));
    REQUIRE(watch.wait([&] { return pool.stats().in_flight == 1 && pool.stats().queued == 1; }));
    pool.cancel(queued);
    REQUIRE(watch.wait_ended(1, 5s));
    CHECK(watch.response(1).error == errc::request_cancelled);
    pool.cancel(running);
    REQUIRE(watch.wait_ended(2, 5s));  // long before the worker's 10 s
    CHECK(watch.response(0).error == errc::request_cancelled);
    // The one worker is free for the next request, and it sees one cancel (the queued request never
    // reached it; its Responder's on_cancel runs on the worker's I/O thread, soon after).
    int cancels_seen = -1;
    CHECK(test::eventually([&] {
        cancels_seen = pool.request("cancels", msgpack::type::nil_t(), 5s).get().as<int>();
        return cancels_seen == 1;
    }, 10s));
    CHECK(cancels_seen == 1);
    CHECK(watch.exits().empty());
    CHECK(watch.errors() == 0);
    pool.cancel(running);  // ended already: nothing
    CHECK(watch.each_once());
}

TEST_CASE("cancel with a Node.js worker that ignores it: the late answer is dropped", "[pool]") {
    WorkerPool pool(node_workers(1));
    Watch watch(pool);
    REQUIRE_FALSE(pool.start());
    const ipcxx::RequestId running = pool.request("sleep", 300, 20s, watch.ending(0));
    REQUIRE(watch.wait([&] { return pool.stats().in_flight == 1 && pool.stats().busy == 1; }));
    pool.cancel(running);
    REQUIRE(watch.wait_ended(1, 5s));
    CHECK(watch.response(0).error == errc::request_cancelled);
    // A request sent after the late answer has come (300 ms): answered, nothing else ended.
    pool.request("sleep", 600, 20s, watch.ending(1));
    REQUIRE(watch.wait_ended(2, 10s));
    CHECK_FALSE(watch.response(1).error);
    CHECK(watch.each_once());
    CHECK(watch.errors() == 0);
    CHECK(watch.exits().empty());
}

}  // namespace worker_pool_cancel_test
