// stop(), disconnect() and the destructors return promptly from any thread, from inside handlers,
// with traffic in flight both ways and with peers that never read. Each call runs under a watchdog.
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/raw_peer.hpp"
#include "support/silent_listener.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

constexpr auto deadline = 10s;

// Calls `send` in a loop on a thread of its own until stopped (or a bounded number of times).
class Flood {
public:
    explicit Flood(std::function<void(int)> send)
        : thread_([this, send = std::move(send)] {
              for (int i = 0; i < 5'000'000 && !stopping_; ++i) send(i);
          }) {}
    ~Flood() { stop(); }
    void stop() {
        stopping_ = true;
        if (thread_.joinable()) thread_.join();
    }

private:
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

struct Counter {
    std::atomic<long> value{0};
    bool reaches(long n) const {
        return test::eventually([&] { return value.load() >= n; }, 20s);
    }
};

// Pushes 64 KiB messages until the peer, which never reads, has the kernel's buffers full and the
// sender's queue holds messages that can go nowhere (a queue that still drains is refilled).
// Returns the number accepted.
std::size_t fill_until_stuck(const std::function<std::error_code(const std::string&)>& push,
                             const std::function<std::size_t()>& pending) {
    const std::string chunk(64 * 1024, 'x');
    std::size_t accepted = 0;
    for (int round = 0; round < 1000; ++round) {
        for (int i = 0; i < 1000; ++i) {
            const auto ec = push(chunk);
            if (ec == ipcxx::errc::queue_full) break;
            REQUIRE_FALSE(ec);
            ++accepted;
        }
        // The peer never reads, so the writer stops for good once the kernel's buffer is full. An
        // empty queue means the writer kept up (a slow, sanitized sender): push more. One that is
        // only starved (a loaded machine) moves again within a second.
        const std::size_t queued = pending();
        if (queued > 0 && !test::eventually([&] { return pending() < queued; }, 1s)) break;
    }
    return accepted;
}

}  // namespace

TEST_CASE("stop() and the destructors from other threads, with traffic in flight both ways", "[shutdown]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    Counter at_server;
    auto server = std::make_unique<ipcxx::Server>(test::config_in(dir));
    server->on("n", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        ++at_server.value;
        from.emit("echo", data);
    });
    test::serve(*server, transport);

    Counter at_clients;
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    std::vector<std::unique_ptr<Flood>> floods;
    for (int c = 0; c < 4; ++c) {
        auto client = std::make_unique<ipcxx::Client>(test::config_in(dir, "client" + std::to_string(c)));
        client->on("echo", [&] { ++at_clients.value; });
        client->on("b", [&] { ++at_clients.value; });
        test::connect(*client, transport, server->port());
        floods.push_back(std::make_unique<Flood>([c = client.get()](int i) { c->emit("n", i); }));
        clients.push_back(std::move(client));
    }
    Flood broadcasts([&](int i) { server->broadcast("b", std::string(200, static_cast<char>('a' + i % 26))); });
    REQUIRE(at_server.reaches(2000));
    REQUIRE(at_clients.reaches(2000));

    std::thread stopper([&] { test::returns_within(deadline, "Server::stop() from another thread", [&] { server->stop(); }); });
    stopper.join();
    CHECK_FALSE(server->running());
    broadcasts.stop();
    for (auto& f : floods) f->stop();
    // The clients are reconnecting now, with full queues.
    test::returns_within(deadline, "destroying clients with queued messages", [&] { clients.clear(); });
    test::returns_within(deadline, "~Server after stop()", [&] { server.reset(); });
}

TEST_CASE("stop() from several threads at once, while broadcasting, then the destructor", "[shutdown]") {
    test::TempDir dir;
    auto server = std::make_unique<ipcxx::Server>(test::config_in(dir));
    server->serve();
    test::Log log;
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.on("connect", [&] { log.add("connect"); });
    client.on("b", [&] { log.add("b"); });
    client.connect_to("world");
    REQUIRE(log.wait_for("connect"));
    Flood broadcasts([&](int i) { server->broadcast("b", i); });
    REQUIRE(log.wait_for("b"));

    std::vector<std::thread> stoppers;
    for (int t = 0; t < 3; ++t) {
        stoppers.emplace_back([&] { test::returns_within(deadline, "concurrent Server::stop()", [&] { server->stop(); }); });
    }
    for (auto& t : stoppers) t.join();
    CHECK_FALSE(server->running());
    broadcasts.stop();
    test::returns_within(deadline, "~Server", [&] { server.reset(); });
}

TEST_CASE("a server whose client never reads stops and is destroyed at once, reporting the backlog", "[shutdown]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    std::atomic<std::size_t> undelivered{0};
    auto config = test::config_in(dir);
    config.max_message_size = 128 * 1024;
    config.max_pending_bytes = 1u << 20;
    auto server = std::make_unique<ipcxx::Server>(config);
    server->on("connect", [&](ipcxx::Socket&) { log.add("connect"); });
    server->on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::undelivered) undelivered += e.undelivered;
    });
    test::serve(*server, transport);
    auto sleeper = transport == Transport::tcp ? test::RawPeer::tcp(server->port())
                                               : test::RawPeer::unix_socket(server->path());
    REQUIRE(sleeper.connected());
    REQUIRE(log.wait_for("connect"));

    const auto socket = server->sockets().at(0);
    const std::size_t accepted = fill_until_stuck([&](const std::string& chunk) { return server->broadcast("big", chunk); },
                                                  [&] { return socket.pending_messages(); });
    const std::size_t stuck = socket.pending_messages();
    REQUIRE(stuck > 0);

    test::returns_within(deadline, "Server::stop() with a peer that never reads", [&] { server->stop(); });
    test::returns_within(deadline, "~Server", [&] { server.reset(); });
    // Frames of the write in progress that reached the kernel before the close count as written.
    CHECK(undelivered > 0);
    CHECK(undelivered <= stuck);
    CHECK(stuck <= accepted);
}

TEST_CASE("a client whose server never reads is destroyed at once, reporting its backlog", "[shutdown]") {
    test::SilentListener silent;  // completes the TCP handshake from its backlog, never reads
    REQUIRE(silent.port() != 0);
    test::TempDir dir;
    std::atomic<std::size_t> undelivered{0};
    auto config = test::config_in(dir, "hello");
    config.max_message_size = 128 * 1024;
    config.max_pending_bytes = 1u << 20;
    auto client = std::make_unique<ipcxx::Client>(config);
    client->on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::undelivered) undelivered += e.undelivered;
    });
    client->connect_to_net("silent", "127.0.0.1", silent.port());
    REQUIRE(test::eventually([&] { return client->connected(); }));
    const std::size_t accepted = fill_until_stuck([&](const std::string& chunk) { return client->emit("big", chunk); },
                                                  [&] { return client->pending_messages(); });
    const std::size_t stuck = client->pending_messages();
    REQUIRE(stuck > 0);
    test::returns_within(deadline, "~Client with a server that never reads", [&] { client.reset(); });
    // Frames of the write in progress that reached the kernel before the close count as written.
    CHECK(undelivered > 0);
    CHECK(undelivered <= stuck);
    CHECK(stuck <= accepted);
}

TEST_CASE("disconnect() twice while a write is stuck: the backlog is reported and destroy published", "[shutdown]") {
    // The destructor calls disconnect() too. A second call queued before the first one's
    // connection had closed used to replace the first one's step with an empty one: the queue
    // was never reported and `destroy` never published.
    test::SilentListener silent;
    REQUIRE(silent.port() != 0);
    test::TempDir dir;
    test::Log log;
    std::atomic<std::size_t> undelivered{0};
    auto config = test::config_in(dir, "hello");
    config.max_message_size = 128 * 1024;
    config.max_pending_bytes = 1u << 20;
    ipcxx::Client client{config};
    client.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::undelivered) undelivered += e.undelivered;
    });
    client.on("destroy", [&] { log.add("destroy"); });
    client.connect_to_net("silent", "127.0.0.1", silent.port());
    REQUIRE(test::eventually([&] { return client.connected(); }));
    fill_until_stuck([&](const std::string& chunk) { return client.emit("big", chunk); },
                     [&] { return client.pending_messages(); });
    const std::size_t stuck = client.pending_messages();
    REQUIRE(stuck > 0);
    // From a handler, so that both calls are queued on the client's strand before either runs.
    client.request("x", 0, 1ms, [&](const ipcxx::Response&) {
        client.disconnect();
        client.disconnect();
    });
    REQUIRE(log.wait_for("destroy", deadline));
    CHECK(undelivered > 0);
    CHECK(undelivered <= stuck + 1);
}

TEST_CASE("handlers destroy their own server and client while traffic is in flight", "[shutdown]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    std::atomic<int> at_server{0};
    auto server = std::make_unique<ipcxx::Server>(test::config_in(dir));
    server->on("n", [&](const ipcxx::Payload&, ipcxx::Socket& from) {
        from.emit("echo", 1);
        if (++at_server == 3000) {
            server.reset();
            log.add("server destroyed");
        }
    });
    test::serve(*server, transport);
    const auto port = server->port();

    // A client that destroys itself from its message handler while its echoes keep arriving.
    std::atomic<int> echoes{0};
    auto self_destroying = std::make_unique<ipcxx::Client>(test::config_in(dir, "self"));
    self_destroying->on("connect", [&] {
        for (int i = 0; i < 200; ++i) self_destroying->emit("n", i);
    });
    self_destroying->on("echo", [&] {
        if (++echoes == 100) {
            self_destroying.reset();
            log.add("client destroyed");
        }
    });
    test::connect(*self_destroying, transport, port);
    REQUIRE(log.wait_for("client destroyed", deadline));
    std::vector<std::unique_ptr<ipcxx::Client>> flooders;
    std::vector<std::unique_ptr<Flood>> floods;
    for (int c = 0; c < 3; ++c) {
        auto client = std::make_unique<ipcxx::Client>(test::config_in(dir, "flooder" + std::to_string(c)));
        test::connect(*client, transport, port);
        floods.push_back(std::make_unique<Flood>([c = client.get()](int i) { c->emit("n", i); }));
        flooders.push_back(std::move(client));
    }
    REQUIRE(log.wait_for("server destroyed", deadline));
    for (auto& f : floods) f->stop();
    test::returns_within(deadline, "destroying the flooding clients", [&] { flooders.clear(); });
}

TEST_CASE("disconnect() from inside a handler while the server floods the client", "[shutdown]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("connect", [&](ipcxx::Socket&) { log.add("server connect"); });
    server.on("socket.disconnected", [&](ipcxx::Socket&) { log.add("server saw disconnect"); });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    std::atomic<int> received{0};
    client.on("b", [&] {
        if (++received == 100) client.disconnect();
    });
    client.on("destroy", [&] { log.add("destroy"); });
    client.connect_to("world");
    REQUIRE(log.wait_for("server connect"));
    Flood broadcasts([&](int i) { server.broadcast("b", i); });
    REQUIRE(log.wait_for("destroy", deadline));
    REQUIRE(log.wait_for("server saw disconnect", deadline));
    CHECK_FALSE(client.connected());
}

TEST_CASE("destructors on a caller's io_context run by two threads, with traffic in flight", "[shutdown]") {
    test::TempDir dir;
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::vector<std::thread> runners;
    for (int t = 0; t < 2; ++t) runners.emplace_back([&] { io.run(); });

    Counter at_server;
    auto server = std::make_unique<ipcxx::Server>(io, test::single_threaded_config_in(dir));
    server->on("n", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        ++at_server.value;
        from.emit("echo", data);
    });
    server->serve();
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    std::vector<std::unique_ptr<Flood>> floods;
    for (int c = 0; c < 3; ++c) {
        auto client = std::make_unique<ipcxx::Client>(io, test::config_in(dir, "client" + std::to_string(c)));
        client->connect_to("world");
        floods.push_back(std::make_unique<Flood>([c = client.get()](int i) { c->emit("n", i); }));
        clients.push_back(std::move(client));
    }
    REQUIRE(at_server.reaches(2000));
    for (auto& f : floods) f->stop();
    test::returns_within(deadline, "~Client on a running io_context", [&] { clients.clear(); });
    test::returns_within(deadline, "~Server on a running io_context", [&] { server.reset(); });
    work.reset();
    test::returns_within(deadline, "io_context::run() after every object is gone", [&] {
        for (auto& t : runners) t.join();
    });
}
