// A Client connects again after `destroy` (disconnect(), or retries given up) with the same
// handlers, and moves like a value.
#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "support/fixtures.hpp"
#include "support/pair.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

void record_lifecycle(ipcxx::Client& client, test::Log& log) {
    client.on("connect", [&log] { log.add("connect"); });
    client.on("disconnect", [&log] { log.add("disconnect"); });
    client.on("destroy", [&log] { log.add("destroy"); });
    client.on("error", [&log](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::undelivered) log.add("undelivered " + std::to_string(e.undelivered));
    });
}

// A server answering "ping" with "pong" and asking each client who it is at connect.
struct EchoServer {
    explicit EchoServer(const test::TempDir& dir, Transport transport) : server(test::config_in(dir)) {
        server.on("ping", [](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("pong", data); });
        server.on("connect", [this](ipcxx::Socket& socket) {
            server.request(socket, "whoami", 0, 5s, [this](const ipcxx::Response& r) {
                log.add(r ? "client is " + r.data.as<std::string>() : "whoami failed");
            });
        });
        test::serve(server, transport);
    }
    test::Log log;
    ipcxx::Server server;
};

bool already_connects(ipcxx::Client& client, const std::string& id) {
    try {
        client.connect_to(id);
    } catch (const ipcxx::Error& e) {
        return e.code() == ipcxx::errc::invalid_argument;
    }
    return false;
}

}  // namespace

TEST_CASE("connect_to after disconnect() starts a fresh connection with the same handlers", "[client][reuse]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    EchoServer echo(dir, transport);
    test::Log log;
    ipcxx::Client client{test::config_in(dir, "hello")};
    record_lifecycle(client, log);
    client.on("pong", [&](const ipcxx::Payload& data) { log.add("pong " + data.to_json()); });
    client.handle("whoami", [](const ipcxx::Payload&) { return std::string("hello"); });

    for (int round = 1; round <= 3; ++round) {
        INFO("round " << round);
        test::connect(client, transport, echo.server.port());
        REQUIRE(log.wait_for_count("connect", round));
        CHECK(already_connects(client, "world"));
        REQUIRE_FALSE(client.emit("ping", round));
        REQUIRE(log.wait_for("pong " + std::to_string(round)));
        REQUIRE(echo.log.wait_for_count("client is hello", round));
        client.disconnect();
        REQUIRE(log.wait_for_count("destroy", round));
        CHECK_FALSE(client.connected());
        CHECK(client.emit("ping", 0) == ipcxx::errc::not_connected);
    }
    CHECK(log.count("disconnect") == 3);
    CHECK(log.count("undelivered 1") == 0);
}

TEST_CASE("connect_to after max_retries ran out, with what is emitted right after it queued", "[client][reuse]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir, "hello");
    config.max_retries = 1;
    ipcxx::Client client{config};
    record_lifecycle(client, log);
    client.on("pong", [&](const ipcxx::Payload& data) { log.add("pong " + data.to_json()); });
    REQUIRE_FALSE(client.emit("ping", 1));
    client.connect_to("world");  // nobody listens yet
    REQUIRE(log.wait_for("destroy"));
    CHECK(log.count("undelivered 1") == 1);
    CHECK(client.server_id() == "world");

    EchoServer echo(dir, Transport::unix_socket);
    client.connect_to("world");
    REQUIRE_FALSE(client.emit("ping", 2));  // before the connection exists: queued for it
    REQUIRE(log.wait_for("pong 2"));
    CHECK(log.count("connect") == 1);
    CHECK(log.count("pong 1") == 0);
}

TEST_CASE("connect_to while disconnect() is still closing starts after its destroy", "[client][reuse]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    EchoServer echo(dir, transport);
    test::Log log;
    ipcxx::Client client{test::config_in(dir, "hello")};
    record_lifecycle(client, log);
    client.on("pong", [&](const ipcxx::Payload& data) { log.add("pong " + data.to_json()); });
    client.handle("whoami", [](const ipcxx::Payload&) { return std::string("hello"); });
    test::connect(client, transport, echo.server.port());
    REQUIRE(log.wait_for("connect"));
    REQUIRE(echo.log.wait_for("client is hello"));  // answered before the disconnect shuts the writing
    echo.server.on("last", [&](const ipcxx::Payload& data) { echo.log.add("last " + data.to_json()); });
    REQUIRE_FALSE(client.emit("last", 1));
    client.disconnect();
    test::connect(client, transport, echo.server.port());  // the disconnect has not even begun
    CHECK(already_connects(client, "world"));               // one waiting run is enough
    REQUIRE(log.wait_for_count("connect", 2));
    CHECK(echo.log.wait_for("last 1"));  // flushed by the disconnect
    REQUIRE_FALSE(client.emit("ping", 2));
    REQUIRE(log.wait_for("pong 2"));
    CHECK(log.entries() == std::vector<std::string>{"connect", "disconnect", "destroy", "connect", "pong 2"});
}

TEST_CASE("connect_to while retrying is refused; disconnect() then connect_to reaches a new server",
          "[client][reuse]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Client client{test::config_in(dir, "hello")};
    record_lifecycle(client, log);
    client.on("pong", [&](const ipcxx::Payload& data) { log.add("pong " + data.to_json()); });
    client.connect_to("nobody");
    REQUIRE(log.wait_for("disconnect"));
    CHECK(already_connects(client, "world"));
    CHECK(client.server_id() == "nobody");
    client.disconnect();
    REQUIRE(log.wait_for("destroy"));
    EchoServer echo(dir, Transport::unix_socket);
    client.connect_to("world");
    REQUIRE_FALSE(client.emit("ping", 1));
    REQUIRE(log.wait_for("pong 1"));
    CHECK(client.server_id() == "world");
}

TEST_CASE("connect_to from the destroy handler begins at once", "[client][reuse]") {
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    server.serve();
    test::Log log;
    ipcxx::Client client{test::config_in(dir, "hello")};
    record_lifecycle(client, log);
    client.once("destroy", [&] { client.connect_to("world"); });
    client.connect_to("world");
    REQUIRE(log.wait_for("connect"));
    client.disconnect();
    REQUIRE(log.wait_for_count("connect", 2));
    CHECK(log.entries() == std::vector<std::string>{"connect", "disconnect", "destroy", "connect"});
}

TEST_CASE("sync: a client connecting again starts with the gate open", "[client][reuse][sync]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("m", [&](const ipcxx::Payload& data) { log.add("server got " + data.to_json()); });
    server.serve();
    auto config = test::config_in(dir, "hello");
    config.sync = true;
    ipcxx::Client client{config};
    record_lifecycle(client, log);
    client.connect_to("world");
    REQUIRE_FALSE(client.emit("m", 1));  // written: the gate closes until a message is received
    REQUIRE_FALSE(client.emit("m", 2));  // held
    REQUIRE(log.wait_for("server got 1"));
    client.disconnect();
    REQUIRE(log.wait_for("destroy"));
    CHECK(log.count("undelivered 1") == 1);
    client.connect_to("world");
    REQUIRE_FALSE(client.emit("m", 3));
    REQUIRE(log.wait_for("server got 3"));
    CHECK(log.count("server got 2") == 0);
}

TEST_CASE("a Client moves with its handlers and its connection", "[client][reuse]") {
    test::TempDir dir;
    EchoServer echo(dir, Transport::unix_socket);
    test::Log log;
    ipcxx::Client first{test::config_in(dir, "hello")};
    record_lifecycle(first, log);
    first.on("pong", [&](const ipcxx::Payload& data) { log.add("pong " + data.to_json()); });
    first.handle("whoami", [](const ipcxx::Payload&) { return std::string("hello"); });
    first.connect_to("world");
    REQUIRE(log.wait_for("connect"));

    ipcxx::Client moved{std::move(first)};
    CHECK(moved.connected());
    REQUIRE_FALSE(moved.emit("ping", 1));
    REQUIRE(log.wait_for("pong 1"));

    test::Log other_log;
    ipcxx::Client assigned{test::config_in(dir, "other")};
    record_lifecycle(assigned, other_log);
    assigned.handle("whoami", [](const ipcxx::Payload&) { return std::string("other"); });
    assigned.connect_to("world");
    REQUIRE(other_log.wait_for("connect"));
    assigned = std::move(moved);  // the old one shuts down as its destructor would
    CHECK(other_log.wait_for("destroy"));
    REQUIRE_FALSE(assigned.emit("ping", 2));
    REQUIRE(log.wait_for("pong 2"));
    CHECK(log.count("disconnect") == 0);

    first = std::move(assigned);  // a moved-from Client may be assigned to
    REQUIRE_FALSE(first.emit("ping", 3));
    REQUIRE(log.wait_for("pong 3"));
}
