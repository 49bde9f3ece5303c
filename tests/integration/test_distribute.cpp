// Server::distribute: each job to one worker (the least busy of those that handle it), sent again
// when a worker's connection drops mid-job, answered once; waiting for workers; no_worker.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "support/fixtures.hpp"
#include "support/pair.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

// A worker that keeps each job's Responder until release() answers them all with its id.
class HoldingWorker {
public:
    HoldingWorker(const test::TempDir& dir, const std::string& id, Transport transport, std::uint16_t port)
        : client_(test::config_in(dir, id)) {
        client_.handle("job", [this](ipcxx::Responder r) {
            std::lock_guard<std::mutex> lock(mutex_);
            held_.push_back(std::move(r));
            log_.add("job");
        });
        client_.on("connect", [this] { log_.add("connect"); });
        test::connect(client_, transport, port);
    }
    std::size_t held() {
        std::lock_guard<std::mutex> lock(mutex_);
        return held_.size();
    }
    void release() {
        std::vector<ipcxx::Responder> held;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            held.swap(held_);
        }
        for (auto& r : held) r.reply(client_.config().id);
    }
    ipcxx::Client& client() { return client_; }
    test::Log& log() { return log_; }

private:
    ipcxx::Client client_;
    test::Log log_;
    std::mutex mutex_;
    std::vector<ipcxx::Responder> held_;
};

struct Results {
    void add(const ipcxx::Response& r) {
        std::lock_guard<std::mutex> lock(mutex);
        responses.push_back(r);
        log.add("done");
    }
    std::vector<ipcxx::Response> all() {
        std::lock_guard<std::mutex> lock(mutex);
        return responses;
    }
    std::mutex mutex;
    std::vector<ipcxx::Response> responses;
    test::Log log;
};

// Waits until `server` has `n` clients whose hello has arrived.
bool wait_for_clients(ipcxx::Server& server, std::size_t n) {
    return test::eventually([&] {
        std::size_t named = 0;
        for (const auto& s : server.sockets()) named += !s.id().empty();
        return named >= n;
    });
}

}  // namespace

TEST_CASE("distribute gives each job to one worker, the least busy, and reports it once", "[distribute]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    test::serve(server, transport);
    std::vector<std::unique_ptr<HoldingWorker>> workers;
    for (const char* id : {"w1", "w2", "w3"}) {
        workers.push_back(std::make_unique<HoldingWorker>(dir, id, transport, server.port()));
    }
    REQUIRE(wait_for_clients(server, 3));

    Results results;
    for (int job = 0; job < 6; ++job) {
        server.distribute("job", job, 10s, [&](const ipcxx::Response& r) { results.add(r); });
    }
    REQUIRE(test::eventually([&] {
        std::size_t held = 0;
        for (auto& w : workers) held += w->held();
        return held == 6;
    }));
    // Fewest in flight first: two each.
    for (auto& w : workers) CHECK(w->held() == 2);
    for (auto& w : workers) w->release();
    REQUIRE(results.log.wait_for_count("done", 6));
    std::map<std::string, int> per_worker;
    for (const auto& r : results.all()) {
        INFO(r.message);
        REQUIRE(r);
        CHECK(r.data.as<std::string>() == r.answered_by);
        CHECK(r.attempts == 1);
        ++per_worker[r.answered_by];
    }
    CHECK(per_worker == std::map<std::string, int>{{"w1", 2}, {"w2", 2}, {"w3", 2}});
}

TEST_CASE("a job whose worker drops it mid-job runs again on another worker, reported once", "[distribute]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    test::serve(server, transport);
    std::atomic<int> deliveries{0};
    // A dying worker never answers: its Responder outlives the connection (else it would say no_reply).
    std::mutex kept_mutex;
    std::vector<ipcxx::Responder> kept;
    std::vector<std::unique_ptr<ipcxx::Client>> workers;
    for (const char* id : {"a", "b"}) {
        auto config = test::config_in(dir, id);
        config.max_retries = 0;  // a worker that dies stays dead
        auto client = std::make_unique<ipcxx::Client>(config);
        ipcxx::Client* self = client.get();
        client->handle("job", [&, self](ipcxx::Responder r) {
            // The first worker to get the job dies with it; the second answers.
            if (deliveries.fetch_add(1) == 0) {
                std::lock_guard<std::mutex> lock(kept_mutex);
                kept.push_back(r);
                return self->disconnect();
            }
            r.reply(self->config().id);
        });
        test::connect(*client, transport, server.port());
        workers.push_back(std::move(client));
    }
    REQUIRE(wait_for_clients(server, 2));

    Results results;
    server.distribute("job", 1, 10s, [&](const ipcxx::Response& r) { results.add(r); });
    REQUIRE(results.log.wait_for("done"));
    const auto r = results.all().at(0);
    INFO(r.message);
    REQUIRE(r);
    CHECK(r.attempts == 2);
    CHECK(r.data.as<std::string>() == r.answered_by);
    CHECK(deliveries == 2);
    // Reported once: nothing more comes.
    CHECK_FALSE(results.log.wait_for_count("done", 2, 300ms));
}

TEST_CASE("distribute sends a job at most `attempts` times", "[distribute]") {
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    server.serve();
    std::atomic<int> deliveries{0};
    std::mutex kept_mutex;
    std::vector<ipcxx::Responder> kept;  // never answered: each worker dies with its job
    std::vector<std::unique_ptr<ipcxx::Client>> workers;
    for (const char* id : {"a", "b", "c"}) {
        auto config = test::config_in(dir, id);
        config.max_retries = 0;
        auto client = std::make_unique<ipcxx::Client>(config);
        ipcxx::Client* self = client.get();
        client->handle("job", [&, self](ipcxx::Responder r) {
            ++deliveries;
            std::lock_guard<std::mutex> lock(kept_mutex);
            kept.push_back(r);
            self->disconnect();
        });
        client->connect_to("world");
        workers.push_back(std::move(client));
    }
    REQUIRE(wait_for_clients(server, 3));
    Results results;
    server.distribute("job", 1, 10s, [&](const ipcxx::Response& r) { results.add(r); }, 2);
    REQUIRE(results.log.wait_for("done"));
    const auto r = results.all().at(0);
    CHECK(r.error == ipcxx::errc::connection_lost);
    CHECK(r.attempts == 2);
    CHECK(deliveries == 2);
}

TEST_CASE("a job waits for a worker to connect; with none before its deadline: no_worker", "[distribute]") {
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    server.serve();
    // A client without request handlers is no worker.
    ipcxx::Client bystander{test::config_in(dir, "bystander")};
    bystander.connect_to("world");
    REQUIRE(wait_for_clients(server, 1));

    Results none;
    server.distribute("job", 1, 300ms, [&](const ipcxx::Response& r) { none.add(r); });
    REQUIRE(none.log.wait_for("done"));
    CHECK(none.all().at(0).error == ipcxx::errc::no_worker);
    CHECK(none.all().at(0).attempts == 0);

    Results later;
    server.distribute("job", 2, 10s, [&](const ipcxx::Response& r) { later.add(r); });
    ipcxx::Client worker{test::config_in(dir, "late")};
    worker.handle("*", [](ipcxx::Responder r) { r.reply(r.args().as<int>() * 10); });
    worker.connect_to("world");
    REQUIRE(later.log.wait_for("done"));
    const auto r = later.all().at(0);
    INFO(r.message);
    REQUIRE(r);
    CHECK(r.data.as<int>() == 20);
    CHECK(r.answered_by == "late");
}

TEST_CASE("cancelling a distributed job reaches the worker", "[distribute]") {
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    server.serve();
    test::Log worker_log;
    ipcxx::Client worker{test::config_in(dir, "w")};
    std::promise<ipcxx::Responder> received;
    worker.handle("job", [&](ipcxx::Responder r) {
        r.on_cancel([&](std::error_code reason) { worker_log.add("cancelled: " + reason.message()); });
        received.set_value(r);
    });
    worker.connect_to("world");
    REQUIRE(wait_for_clients(server, 1));
    Results results;
    const auto id = server.distribute("job", 1, 10s, [&](const ipcxx::Response& r) { results.add(r); });
    auto responder_future = received.get_future();
    REQUIRE(responder_future.wait_for(10s) == std::future_status::ready);
    auto responder = responder_future.get();
    server.cancel(id);
    REQUIRE(results.log.wait_for("done"));
    CHECK(results.all().at(0).error == ipcxx::errc::request_cancelled);
    REQUIRE(worker_log.wait_for("cancelled: " + ipcxx::make_error_code(ipcxx::errc::request_cancelled).message()));
    CHECK(responder.cancelled());
    CHECK(responder.reply(1) == ipcxx::errc::request_cancelled);
    CHECK(test::eventually([&] { return worker.dropped_replies() == 1; }));
}
