// Heartbeats on the native wire (Config::heartbeat = ping): a client notices a server or link that
// went silent and reconnects; a server (in any mode but off) drops a client that pinged and then
// went silent; JSON-wire peers, which cannot answer pings, are never pinged nor dropped for silence.
// Mode automatic, where the kernel watches instead: test_keepalive.cpp.
#include <catch2/catch.hpp>

#include <thread>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/raw_peer.hpp"
#include "support/silent_listener.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

ipcxx::Config fast_heartbeat(const test::TempDir& dir, const std::string& id,
                             ipcxx::HeartbeatMode mode = ipcxx::HeartbeatMode::ping) {
    auto config = test::config_in(dir, id);
    config.heartbeat = mode;
    config.heartbeat_interval = 50ms;
    config.heartbeat_timeout = 400ms;
    return config;
}

const std::string welcome =
    "{\"type\":\"ipcxx.welcome\",\"data\":{\"protocol\":1,\"id\":\"fake\",\"wire\":\"native\",\"features\":[]}}\f";
const std::string hello =
    "{\"type\":\"ipcxx.hello\",\"data\":{\"protocol\":1,\"id\":\"raw\",\"wire\":[\"json\",\"native\"]}}\f";
// [4, 1]: a ping with nonce 1.
const std::string ping("\xC1\x00\x00\x00\x03\x92\x04\x01", 8);

}  // namespace

TEST_CASE("heartbeats keep a healthy idle native link up", "[heartbeat]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{fast_heartbeat(dir, "world")};
    server.on("socket.disconnected", [&](ipcxx::Socket&) { log.add("server lost client"); });
    server.on("ping", [](const ipcxx::Payload& d, ipcxx::Socket& from) { from.emit("pong", d); });
    test::serve(server, transport);
    ipcxx::Client client{fast_heartbeat(dir, "hello")};
    client.on("disconnect", [&] { log.add("disconnect"); });
    client.on("pong", [&](const ipcxx::Payload&) { log.add("pong"); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) { log.add("error " + e.message); });
    test::connect(client, transport, server.port());
    REQUIRE(test::eventually([&] { return client.native(); }));
    // Idle for more than three heartbeat timeouts: neither side gives up.
    CHECK_FALSE(log.wait_for_size(1, 1500ms));
    REQUIRE_FALSE(client.emit("ping", 1));
    CHECK(log.wait_for("pong"));
    CHECK(log.entries() == std::vector<std::string>{"pong"});
}

TEST_CASE("a client whose server stops answering closes with heartbeat_timeout and reconnects", "[heartbeat]") {
    test::TempDir dir;
    test::Log log;
    test::SilentListener listener;
    REQUIRE(listener.port() != 0);
    ipcxx::Client client{fast_heartbeat(dir, "hello")};
    client.on("connect", [&] { log.add("connect"); });
    client.on("disconnect", [&] { log.add("disconnect"); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::heartbeat_timeout) log.add("heartbeat_timeout");
    });
    client.connect_to_net("fake", "127.0.0.1", listener.port());

    // A fake ipcxx server: welcomes the client, then hangs (reads nothing, answers nothing).
    auto hung = listener.accept(10s);
    REQUIRE(hung.connected());
    REQUIRE(hung.read_frames(1, 10s).find("ipcxx.hello") != std::string::npos);
    const auto welcomed = std::chrono::steady_clock::now();
    REQUIRE(hung.send(welcome));
    REQUIRE(test::eventually([&] { return client.native(); }));
    REQUIRE(log.wait_for("heartbeat_timeout"));
    CHECK(std::chrono::steady_clock::now() - welcomed >= 390ms);  // silence counts from the welcome
    REQUIRE(log.wait_for("disconnect"));
    // The client reconnects per its retry rules, and what it queued meanwhile goes out.
    REQUIRE_FALSE(client.emit("queued", 1));
    auto again = listener.accept(10s);
    REQUIRE(again.connected());
    const std::string got = again.read_frames(2, 10s);
    CHECK(got.find("ipcxx.hello") != std::string::npos);
    CHECK(got.find("queued") != std::string::npos);
}

TEST_CASE("a server drops a client that pinged and then went silent", "[heartbeat]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    // A server in mode automatic watches a pinging client (of an older ipcxx, or in mode ping) as one
    // in mode ping does.
    const auto mode = GENERATE(ipcxx::HeartbeatMode::automatic, ipcxx::HeartbeatMode::ping);
    INFO(test::name(transport) << (mode == ipcxx::HeartbeatMode::ping ? " ping" : " automatic"));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{fast_heartbeat(dir, "world", mode)};
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        log.add(e.code == ipcxx::errc::heartbeat_timeout ? "heartbeat_timeout " + std::to_string(e.socket.serial())
                                                          : "other error");
    });
    test::serve(server, transport);
    // A JSON-wire peer (node-ipc) cannot answer pings: never dropped for silence.
    auto json_peer = test::raw_to(server, transport);
    REQUIRE(json_peer.send("{\"type\":\"hi\"}\f"));
    REQUIRE(test::eventually([&] { return server.sockets().size() == 1; }));
    const auto json_serial = server.sockets().at(0).serial();

    auto pinger = test::raw_to(server, transport);
    REQUIRE(pinger.send(hello));
    REQUIRE(pinger.read_frames(1, 10s).find("ipcxx.welcome") != std::string::npos);
    REQUIRE(pinger.send(ping));
    bool closed = false;
    const std::string answer = pinger.read_until_closed(10s, &closed);
    CHECK(answer.substr(0, 8) == std::string("\xC1\x00\x00\x00\x03\x92\x05\x01", 8));  // the pong
    CHECK(closed);
    REQUIRE(log.wait_for_size(1));
    CHECK(log.entries().at(0).rfind("heartbeat_timeout ", 0) == 0);
    CHECK(log.count("heartbeat_timeout " + std::to_string(json_serial)) == 0);
    REQUIRE(server.sockets().size() == 1);
    CHECK(server.sockets().at(0).serial() == json_serial);
    CHECK_FALSE(log.wait_for("other error", 500ms));
}

TEST_CASE("a client on the JSON wire never pings", "[heartbeat]") {
    test::TempDir dir;
    test::SilentListener listener;
    auto config = fast_heartbeat(dir, "hello");
    config.wire = ipcxx::Wire::json;
    test::Log log;  // outlives the client, whose disconnect may be published as it goes
    ipcxx::Client client{config};
    client.on("disconnect", [&] { log.add("disconnect"); });
    client.connect_to_net("node", "127.0.0.1", listener.port());
    auto peer = listener.accept(10s);
    REQUIRE(peer.connected());
    // Several heartbeat intervals and timeouts: nothing arrives, and the client stays.
    CHECK(peer.read_until_closed(1s).empty());
    CHECK(log.count("disconnect") == 0);
    CHECK(client.connected());
}

TEST_CASE("a client whose own thread stalled beyond heartbeat_timeout does not blame its server", "[heartbeat]") {
    // The client pings and watches; stalled in a handler, it sent no pings, so no pongs came: its
    // late check must not call that the server's silence. (A stalled server, which only watches,
    // finds its client's pings waiting on the socket: asio completes those reads before the late
    // timer.)
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    auto server_config = fast_heartbeat(dir, "world");
    server_config.heartbeat_timeout = 10s;  // the server tolerates the stall: only the client's verdict is tested
    const auto client_config = fast_heartbeat(dir, "hello");
    ipcxx::Server server{server_config};
    server.on("stall", [](const ipcxx::Payload&, ipcxx::Socket& from) { from.emit("stall"); });
    server.on("after", [](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("after", data); });
    server.on("socket.disconnected", [&](ipcxx::Socket&) { log.add("server lost client"); });
    test::serve(server, transport);
    ipcxx::Client client{client_config};
    client.on("connect", [&] { log.add("connect"); });
    client.on("disconnect", [&] { log.add("disconnect"); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) { log.add("client error " + e.message); });
    client.on("stall", [&] {
        // A long handler holding the client's I/O thread.
        std::this_thread::sleep_for(2 * client_config.heartbeat_timeout);
        log.add("stalled");
    });
    client.on("after", [&] { log.add("after"); });
    test::connect(client, transport, server.port());
    REQUIRE(log.wait_for("connect"));
    REQUIRE(test::eventually([&] { return client.native(); }));
    REQUIRE_FALSE(client.emit("stall"));
    REQUIRE(log.wait_for("stalled"));
    REQUIRE_FALSE(client.emit("after", 1));
    REQUIRE(log.wait_for("after"));
    // Heartbeats go on afterwards, on the same connection.
    CHECK_FALSE(log.wait_for("disconnect", 1s));
    CHECK(log.entries() == std::vector<std::string>{"connect", "stalled", "after"});
}

TEST_CASE("a client on a Unix socket in mode automatic does not ping: the kernel ends the stream of a dead server",
          "[heartbeat]") {
    test::TempDir dir;
    test::Log log;
    const std::string path = dir.path() + "/fake.sock";
    test::SilentListener listener(path);
    ipcxx::Client client{fast_heartbeat(dir, "hello", ipcxx::HeartbeatMode::automatic)};
    client.on("disconnect", [&] { log.add("disconnect"); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) { log.add("error " + e.message); });
    client.connect_to("fake", path);
    auto server = listener.accept(10s);
    REQUIRE(server.connected());
    REQUIRE(server.read_frames(1, 10s).find("ipcxx.hello") != std::string::npos);
    REQUIRE(server.send(welcome));
    REQUIRE(test::eventually([&] { return client.native(); }));
    // Ten heartbeat intervals and more than a heartbeat timeout: no ping, and silence fails nothing.
    CHECK(server.read_frames(1, 500ms).empty());
    CHECK(log.entries().empty());
    server.close();  // as the kernel does when the server's process dies
    REQUIRE(log.wait_for("disconnect"));
    CHECK(log.entries() == std::vector<std::string>{"disconnect"});
}
