// A server's `connect` follows the client's identity: the hello of an ipcxx client, the first
// frame of a node-ipc client, or handshake_timeout for one that says nothing; broadcasts reach a
// client before that, and only an announced client gets its `socket.disconnected`.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/raw_peer.hpp"

using namespace std::chrono_literals;
using test::Transport;

TEST_CASE("inside the server's connect, an ipcxx client's id and wire are known and emit_to reaches it",
          "[connect]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    const ipcxx::Wire wire = GENERATE(ipcxx::Wire::automatic, ipcxx::Wire::native);
    INFO(test::name(transport) << (wire == ipcxx::Wire::native ? ", native" : ", automatic"));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("connect", [&](ipcxx::Socket& socket) {
        log.add("connect " + socket.id() + (socket.native() ? " native" : " json"));
        const auto ec = server.emit_to(socket.id(), "note", "for " + socket.id());
        log.add(ec ? "emit_to failed: " + ec.message() : "emit_to ok");
    });
    test::serve(server, transport);
    auto config = test::config_in(dir, "alice");
    config.wire = wire;
    ipcxx::Client client{config};
    client.on("note", [&](const ipcxx::Payload& data) { log.add(data.as<std::string>()); });
    test::connect(client, transport, server.port());
    REQUIRE(log.wait_for("for alice"));
    CHECK(log.entries() == std::vector<std::string>{"connect alice native", "emit_to ok", "for alice"});
}

TEST_CASE("a client that says no hello is announced at its first frame, before that frame", "[connect]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir);
    config.handshake_timeout = 60s;  // only the frame can announce it
    ipcxx::Server server{config};
    server.on("connect", [&](ipcxx::Socket& socket) { log.add("connect '" + socket.id() + "'"); });
    server.on("socket.disconnected", [&](ipcxx::Socket&) { log.add("disconnected"); });
    server.on("hi", [&](const ipcxx::Payload& data) { log.add("hi " + data.to_json()); });
    test::serve(server, transport);
    auto node = test::raw_to(server, transport);  // as a node-ipc client
    REQUIRE(node.connected());
    REQUIRE(test::eventually([&] { return server.sockets().size() == 1; }));
    // Not announced yet, but broadcasts reach it.
    REQUIRE_FALSE(server.broadcast("news", 1));
    CHECK(node.read_frames(1, 10s) == "{\"type\":\"news\",\"data\":1}\f");
    CHECK(log.entries().empty());
    REQUIRE(node.send("{\"type\":\"hi\",\"data\":2}\f"));
    REQUIRE(log.wait_for("hi 2"));
    node.close();
    REQUIRE(log.wait_for("disconnected"));
    CHECK(log.entries() == std::vector<std::string>{"connect ''", "hi 2", "disconnected"});
}

TEST_CASE("a client that says nothing is announced at handshake_timeout", "[connect]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir);
    config.handshake_timeout = 300ms;
    ipcxx::Server server{config};
    server.on("connect", [&](ipcxx::Socket& socket) {
        log.add("connect");
        socket.emit("welcome", 1);
    });
    server.on("socket.disconnected", [&](ipcxx::Socket&) { log.add("disconnected"); });
    test::serve(server, transport);
    const auto start = std::chrono::steady_clock::now();
    auto node = test::raw_to(server, transport);
    REQUIRE(node.connected());
    CHECK(node.read_frames(1, 10s) == "{\"type\":\"welcome\",\"data\":1}\f");
    CHECK(std::chrono::steady_clock::now() - start >= 300ms);
    node.close();
    REQUIRE(log.wait_for("disconnected"));
    CHECK(log.entries() == std::vector<std::string>{"connect", "disconnected"});
}

TEST_CASE("a client that leaves before it was announced gets no socket.disconnected", "[connect]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir);
    config.handshake_timeout = 60s;
    ipcxx::Server server{config};
    server.on("connect", [&](ipcxx::Socket&) { log.add("connect"); });
    server.on("socket.disconnected", [&](ipcxx::Socket&) { log.add("disconnected"); });
    server.serve();
    {
        auto silent = test::RawPeer::unix_socket(server.path());
        REQUIRE(silent.connected());
        REQUIRE(test::eventually([&] { return server.sockets().size() == 1; }));
    }
    REQUIRE(test::eventually([&] { return server.sockets().empty(); }));
    // An announced client after it, whose close is reported: the silent one's would have come first.
    auto node = test::RawPeer::unix_socket(server.path());
    REQUIRE(node.send("{\"type\":\"hi\"}\f"));
    REQUIRE(log.wait_for("connect"));
    node.close();
    REQUIRE(log.wait_for("disconnected"));
    CHECK(log.entries() == std::vector<std::string>{"connect", "disconnected"});
}

TEST_CASE("a server whose wire is json announces a client at once", "[connect]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir);
    config.wire = ipcxx::Wire::json;
    config.handshake_timeout = 60s;
    ipcxx::Server server{config};
    server.on("connect", [&](ipcxx::Socket&) { log.add("connect"); });
    server.serve();
    auto node = test::RawPeer::unix_socket(server.path());
    REQUIRE(node.connected());
    CHECK(log.wait_for("connect"));
}
