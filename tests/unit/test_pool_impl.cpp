// The pool's working part over fake workers: requests answered through links, a worker's exit
// handing its request on, deadlines, callbacks that throw, shutdown, and the destructor ending
// what is still open. The io_context runs on the test thread, so each step is seen in turn.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "ipcxx/error.hpp"
#include "pool/pool_impl.hpp"

namespace pool_impl_test {

using namespace std::chrono_literals;
using ipcxx::errc;
using ipcxx::Response;
using ipcxx::detail::PoolImpl;
using ipcxx::detail::PoolRequestId;
using ipcxx::detail::WorkerLink;
using ipcxx::detail::WorkerLinkEvents;

// What one fake worker was asked to do, and its events to play back.
struct FakeWorker {
    WorkerLinkEvents events;
    std::vector<std::pair<PoolRequestId, std::string>> requests;  // id, event
    std::vector<std::chrono::milliseconds> time_left;
    std::vector<PoolRequestId> cancelled;
    bool stop_asked = false;
    bool kill_asked = false;
};

class FakeLink : public WorkerLink {
public:
    explicit FakeLink(std::shared_ptr<FakeWorker> worker) : worker_(std::move(worker)) {}
    void start(WorkerLinkEvents events) override { worker_->events = std::move(events); }
    void send(PoolRequestId id, std::string_view event, std::string_view, std::chrono::milliseconds time_left) override {
        worker_->requests.emplace_back(id, std::string(event));
        worker_->time_left.push_back(time_left);
    }
    void cancel(PoolRequestId id) override { worker_->cancelled.push_back(id); }
    void stop() override { worker_->stop_asked = true; }
    void kill() override { worker_->kill_asked = true; }

private:
    std::shared_ptr<FakeWorker> worker_;
};

struct Harness {
    explicit Harness(std::size_t size, std::chrono::milliseconds timeout = 0ms) {
        ipcxx::WorkerPoolOptions options;
        options.program = "fake";
        options.size = size;
        options.restart_min = 10ms;
        options.restart_max = 10ms;
        options.request_timeout = timeout;
        pool = std::make_shared<PoolImpl>(io, nullptr, options, [this] {
            workers.push_back(std::make_shared<FakeWorker>());
            return std::make_unique<FakeLink>(workers.back());
        });
        pool->handlers().worker_spawn = [this](std::uint64_t worker, pid_t) { log.push_back("spawn " + std::to_string(worker)); };
        pool->handlers().worker_exit = [this](std::uint64_t worker, ipcxx::ExitStatus) { log.push_back("exit " + std::to_string(worker)); };
        pool->handlers().error = [this](std::uint64_t worker, const ipcxx::ProcessError& e) {
            log.push_back("error " + std::to_string(worker) + " " + e.message);
        };
        pool->handlers().stopped = [this] { log.push_back("stopped"); };
    }
    ~Harness() { pool->destroy(); }

    // Runs the io_context until `done` holds (bounded in time).
    bool pump(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            io.restart();
            io.run_for(5ms);
        }
        return true;
    }
    void settle() { pump([] { return false; }, 20ms); }

    void start_all() {
        REQUIRE_FALSE(pool->start());
        REQUIRE(pump([&] { return workers.size() == pool->options().size; }));
        for (std::size_t i = 0; i < workers.size(); ++i) workers[i]->events.spawned(100 + static_cast<pid_t>(i));
        settle();
    }

    ipcxx::RequestId ask(const std::string& event, std::chrono::milliseconds timeout = 0ms) {
        return pool->request(event, "", timeout, [this, event](const Response& r) {
            ++ends[event];
            responses[event] = r;
        });
    }

    Response answer(std::string text) {
        Response r;
        r.data = ipcxx::Payload::from(text);
        return r;
    }

    asio::io_context io;
    std::vector<std::shared_ptr<FakeWorker>> workers;
    std::shared_ptr<PoolImpl> pool;
    std::vector<std::string> log;
    std::map<std::string, int> ends;
    std::map<std::string, Response> responses;
};

}  // namespace pool_impl_test

using namespace pool_impl_test;

TEST_CASE("pool impl: requests go to the workers and their answers come back once", "[pool]") {
    Harness h(2);
    h.start_all();
    CHECK(h.log == std::vector<std::string>{"spawn 1", "spawn 2"});
    h.ask("a");
    h.ask("b");
    REQUIRE(h.pump([&] { return h.workers[0]->requests.size() + h.workers[1]->requests.size() == 2; }));
    CHECK(h.workers[0]->requests.size() == 1);
    CHECK(h.workers[1]->requests.size() == 1);
    CHECK(h.pool->stats().busy == 2);

    const PoolRequestId id = h.workers[1]->requests[0].first;
    const std::string event = h.workers[1]->requests[0].second;
    h.workers[1]->events.answered(id, h.answer("done"));
    h.workers[1]->events.answered(id, h.answer("again"));  // a second answer is dropped
    REQUIRE(h.pump([&] { return h.ends[event] == 1; }));
    h.settle();
    CHECK(h.ends[event] == 1);
    CHECK(h.responses[event].data.as<std::string>() == "done");
    CHECK(h.responses[event].answered_by == "2");
    CHECK(h.responses[event].attempts == 1);
    CHECK(h.pool->stats().idle == 1);
}

TEST_CASE("pool impl: a worker's exit hands its request to another; the exit is reported", "[pool]") {
    Harness h(2);
    h.start_all();
    h.ask("job");
    REQUIRE(h.pump([&] { return h.workers[0]->requests.size() == 1; }));
    h.workers[0]->events.exited(ipcxx::ExitStatus{std::nullopt, SIGKILL, false});
    REQUIRE(h.pump([&] { return h.workers[1]->requests.size() == 1; }));
    CHECK(std::count(h.log.begin(), h.log.end(), "exit 1") == 1);
    h.workers[1]->events.answered(h.workers[1]->requests[0].first, h.answer("ok"));
    REQUIRE(h.pump([&] { return h.ends["job"] == 1; }));
    CHECK(h.responses["job"].attempts == 2);
    CHECK(h.responses["job"].answered_by == "2");
    // The crashed worker comes back after its restart delay.
    REQUIRE(h.pump([&] { return h.workers.size() == 3; }));
}

TEST_CASE("pool impl: a request past its deadline ends with request_timeout; the worker is told its time", "[pool]") {
    Harness h(1, 50ms);
    h.start_all();
    h.pool->request("slow", "", h.pool->options().request_timeout, [&](const Response& r) {
        ++h.ends["slow"];
        h.responses["slow"] = r;
    });
    REQUIRE(h.pump([&] { return h.workers[0]->requests.size() == 1; }));
    CHECK(h.workers[0]->time_left[0] > 0ms);
    CHECK(h.workers[0]->time_left[0] <= 50ms);
    REQUIRE(h.pump([&] { return h.ends["slow"] == 1; }));
    CHECK(h.responses["slow"].error == errc::request_timeout);
    CHECK(h.workers[0]->kill_asked);  // stuck with nothing else to do
}

TEST_CASE("pool impl: a callback that throws becomes an error event", "[pool]") {
    Harness h(1);
    h.start_all();
    h.pool->request("x", "", 0ms, [](const Response&) { throw std::runtime_error("boom"); });
    REQUIRE(h.pump([&] { return h.workers[0]->requests.size() == 1; }));
    h.workers[0]->events.answered(h.workers[0]->requests[0].first, h.answer("ok"));
    REQUIRE(h.pump([&] { return std::count(h.log.begin(), h.log.end(), "error 0 boom") == 1; }));
}

TEST_CASE("pool impl: graceful shutdown answers what was asked, stops the workers, then stopped", "[pool]") {
    Harness h(1);
    h.start_all();
    h.ask("last");
    REQUIRE(h.pump([&] { return h.workers[0]->requests.size() == 1; }));
    h.pool->shutdown(true);
    h.ask("late");
    REQUIRE(h.pump([&] { return h.ends["late"] == 1; }));
    CHECK(h.responses["late"].error == errc::pool_shut_down);
    CHECK(h.pool->resize(3) == errc::pool_shut_down);
    CHECK_FALSE(h.workers[0]->stop_asked);
    h.workers[0]->events.answered(h.workers[0]->requests[0].first, h.answer("ok"));
    REQUIRE(h.pump([&] { return h.workers[0]->stop_asked; }));
    CHECK(h.ends["last"] == 1);
    CHECK(std::count(h.log.begin(), h.log.end(), "stopped") == 0);
    h.workers[0]->events.exited(ipcxx::ExitStatus{0, std::nullopt, false});
    REQUIRE(h.pump([&] { return std::count(h.log.begin(), h.log.end(), "stopped") == 1; }));
}

TEST_CASE("pool impl: the destructor ends open requests with pool_shut_down before it returns", "[pool]") {
    Harness h(1);
    h.start_all();
    h.ask("running");
    h.ask("queued");
    REQUIRE(h.pump([&] { return h.workers[0]->requests.size() == 1; }));
    h.pool->destroy();
    CHECK(h.ends["running"] == 1);
    CHECK(h.ends["queued"] == 1);
    CHECK(h.responses["queued"].error == errc::pool_shut_down);
    CHECK(h.workers[0]->kill_asked);
    // Nothing runs afterwards, whatever the workers still say.
    h.workers[0]->events.answered(h.workers[0]->requests[0].first, h.answer("late"));
    h.settle();
    CHECK(h.ends["running"] == 1);
    CHECK(h.responses["running"].error == errc::pool_shut_down);
}

TEST_CASE("pool impl: start refuses bad options and a second call", "[pool]") {
    Harness h(1);
    CHECK_FALSE(h.pool->start());
    CHECK(h.pool->start() == errc::invalid_argument);
    CHECK(h.pool->resize(0) == errc::invalid_argument);
}

TEST_CASE("pool impl: cancel ends a request once at once, tells its worker, and frees its place", "[pool]") {
    Harness h(1);
    h.start_all();
    const ipcxx::RequestId running = h.ask("running");
    const ipcxx::RequestId waiting = h.ask("waiting");
    REQUIRE(h.pump([&] { return h.workers[0]->requests.size() == 1; }));
    h.pool->cancel(waiting);
    REQUIRE(h.pump([&] { return h.ends["waiting"] == 1; }));
    CHECK(h.responses["waiting"].error == errc::request_cancelled);
    CHECK(h.workers[0]->cancelled.empty());  // it never reached the worker

    const ipcxx::RequestId next = h.ask("next");
    h.pool->cancel(running);
    REQUIRE(h.pump([&] { return h.ends["running"] == 1; }));
    CHECK(h.responses["running"].error == errc::request_cancelled);
    CHECK(h.workers[0]->cancelled == std::vector<PoolRequestId>{running});
    REQUIRE(h.pump([&] { return h.workers[0]->requests.size() == 2; }));
    CHECK(h.workers[0]->requests[1].first == next);

    h.workers[0]->events.answered(running, h.answer("late"));  // dropped
    h.pool->cancel(running);
    h.settle();
    CHECK(h.ends["running"] == 1);
    CHECK(h.workers[0]->cancelled.size() == 1);
}
