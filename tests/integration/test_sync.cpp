// A client in sync mode (node-ipc's `sync`): one message out, then one per message received.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>

#include "support/fixtures.hpp"
#include "support/pair.hpp"

using namespace std::chrono_literals;
using test::Transport;

TEST_CASE("sync: each received message releases one waiting emit", "[sync]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    const ipcxx::Wire wire = GENERATE(ipcxx::Wire::automatic, ipcxx::Wire::json);
    INFO(test::name(transport) << (wire == ipcxx::Wire::json ? ", JSON wire" : ", automatic wire"));
    test::TempDir dir;
    test::Log got;
    std::mutex mutex;
    ipcxx::Socket client_socket;

    ipcxx::Server server{test::config_in(dir)};
    server.on("m", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            client_socket = from;
        }
        got.add(data.as<std::string>());
    });
    test::serve(server, transport);

    auto config = test::config_in(dir, "hello");
    config.sync = true;
    config.wire = wire;
    ipcxx::Client client{config};
    test::Log replies;
    client.on("reply", [&](const ipcxx::Payload& data) { replies.add(data.as<std::string>()); });
    for (const char* m : {"m1", "m2", "m3", "m4"}) REQUIRE_FALSE(client.emit("m", m));
    test::connect(client, transport, server.port());

    REQUIRE(got.wait_for("m1"));
    // m1 was written; the others wait for replies.
    REQUIRE(test::eventually([&] { return client.pending_messages() == 3; }));
    CHECK(got.entries() == std::vector<std::string>{"m1"});

    const auto socket = [&] {
        std::lock_guard<std::mutex> lock(mutex);
        return client_socket;
    }();
    REQUIRE_FALSE(server.emit(socket, "reply", "r1"));
    REQUIRE(got.wait_for("m2"));
    REQUIRE(test::eventually([&] { return client.pending_messages() == 2; }));
    CHECK(got.entries().size() == 2);

    // Two receptions release two (9.2.1 would release one per read).
    REQUIRE_FALSE(server.emit(socket, "reply", "r2"));
    REQUIRE_FALSE(server.emit(socket, "reply", "r3"));
    REQUIRE(got.wait_for("m4"));
    CHECK(got.entries() == std::vector<std::string>{"m1", "m2", "m3", "m4"});

    // Nothing waits now: the next reception opens the gate and the next emit goes at once.
    REQUIRE_FALSE(server.emit(socket, "reply", "r4"));
    REQUIRE(replies.wait_for("r4"));
    REQUIRE_FALSE(client.emit("m", "m5"));
    REQUIRE(got.wait_for("m5"));
    REQUIRE_FALSE(client.emit("m", "m6"));
    REQUIRE(test::eventually([&] { return client.pending_messages() == 1; }));
    CHECK(got.count("m6") == 0);
}

TEST_CASE("sync: held emits are bounded and reported undelivered when the client gives up", "[sync]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir, "hello");
    config.sync = true;
    config.stop_retrying = true;
    config.max_message_size = 64;
    config.max_pending_bytes = 64;
    ipcxx::Client client{config};
    client.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::undelivered) log.add("undelivered " + std::to_string(e.undelivered));
    });
    client.on("destroy", [&] { log.add("destroy"); });

    REQUIRE_FALSE(client.emit("m", "first"));          // into the queue for the connection
    REQUIRE_FALSE(client.emit("m", std::string(40, 'a')));  // held
    CHECK(client.emit("m", std::string(40, 'b')) == ipcxx::errc::queue_full);  // held bytes would pass 64
    CHECK(client.emit("", "x") == ipcxx::errc::invalid_argument);  // checked even when it would be held
    CHECK(client.pending_messages() == 2);

    client.connect_to("nobody-listens");
    REQUIRE(log.wait_for("destroy"));
    CHECK(log.entries() == std::vector<std::string>{"undelivered 2", "destroy"});
}

TEST_CASE("sync: requests wait their turn and get their responses", "[sync]") {
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    server.handle("add", [](const ipcxx::Payload& p) {
        const auto [a, b] = p.as<std::pair<int, int>>();
        return a + b;
    });
    server.serve();
    auto config = test::config_in(dir, "hello");
    config.sync = true;
    ipcxx::Client client{config};
    client.connect_to("world");
    // Each response is a reception that releases the next request.
    auto one = client.request("add", std::make_pair(1, 2), 5s);
    auto two = client.request("add", std::make_pair(3, 4), 5s);
    auto three = client.request("add", std::make_pair(5, 6), 5s);
    CHECK(one.get().as<int>() == 3);
    CHECK(two.get().as<int>() == 7);
    CHECK(three.get().as<int>() == 11);
}
