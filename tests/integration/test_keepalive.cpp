// Config::heartbeat = automatic (the default): the kernel watches TCP links (keepalive and
// TCP_USER_TIMEOUT on both ends, both wires), so an idle native client sends no pings and its server
// does not close it; mode ping pings on every transport; mode off asks the kernel for nothing.
// A link whose peer vanishes: tests/netns/test_link_cut.cpp.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/raw_peer.hpp"
#include "support/silent_listener.hpp"

using namespace std::chrono_literals;
using ipcxx::HeartbeatMode;
using test::Transport;

namespace test_keepalive {

ipcxx::Config short_heartbeats(const test::TempDir& dir, const std::string& id, HeartbeatMode mode) {
    auto config = test::config_in(dir, id);
    config.heartbeat = mode;
    config.heartbeat_interval = 50ms;
    config.heartbeat_timeout = 400ms;
    return config;
}

const char* name(HeartbeatMode mode) {
    return mode == HeartbeatMode::automatic ? "automatic" : mode == HeartbeatMode::ping ? "ping" : "off";
}

const std::string welcome =
    "{\"type\":\"ipcxx.welcome\",\"data\":{\"protocol\":1,\"id\":\"fake\",\"wire\":\"native\",\"features\":[]}}\f";
// The first bytes of a native ping frame: [4, nonce].
const std::string ping_start("\xC1\x00\x00\x00\x03\x92\x04", 7);

// The kernel's watch as one socket has it.
struct Watch {
    int keepalive = -1, idle = -1, interval = -1, probes = -1;
    unsigned user_timeout = 0;
};

Watch watch_of(int fd) {
    Watch w;
    socklen_t length = sizeof(int);
    ::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &w.keepalive, &length);
    length = sizeof(int);
    ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &w.idle, &length);
    length = sizeof(int);
    ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &w.interval, &length);
    length = sizeof(int);
    ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &w.probes, &length);
    length = sizeof(unsigned);
    ::getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &w.user_timeout, &length);
    return w;
}

std::uint16_t port_of(const sockaddr_in& address) { return ntohs(address.sin_port); }

// This process's connected TCP sockets with `port` at one end: the server's end (`port` local) and
// the client's (`port` remote).
struct Ends {
    std::vector<int> server, client;
};

Ends connected_ends(std::uint16_t port) {
    Ends ends;
    DIR* fds = ::opendir("/proc/self/fd");
    REQUIRE(fds != nullptr);
    while (const dirent* entry = ::readdir(fds)) {
        const int fd = std::atoi(entry->d_name);
        if (fd <= 2 || fd == ::dirfd(fds)) continue;
        sockaddr_in local{}, remote{};
        socklen_t local_length = sizeof local, remote_length = sizeof remote;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) != 0 || local.sin_family != AF_INET) {
            continue;
        }
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_length) != 0) continue;  // the listener
        if (port_of(local) == port) ends.server.push_back(fd);
        if (port_of(remote) == port) ends.client.push_back(fd);
    }
    ::closedir(fds);
    return ends;
}

}  // namespace test_keepalive

TEST_CASE("mode automatic over TCP: an idle native client is not closed by its server's watch, nor its server by "
          "the client",
          "[keepalive]") {
    // A server in mode ping watches as every ipcxx server did before Config::heartbeat: only clients
    // that ping.
    const HeartbeatMode server_mode = GENERATE(HeartbeatMode::automatic, HeartbeatMode::ping);
    INFO("server in mode " << test_keepalive::name(server_mode));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test_keepalive::short_heartbeats(dir, "world", server_mode)};
    server.on("socket.disconnected", [&](ipcxx::Socket&) { log.add("server lost client"); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) { log.add("server error " + e.message); });
    server.on("hi", [](const ipcxx::Payload& d, ipcxx::Socket& from) { from.emit("hi back", d); });
    test::serve(server, Transport::tcp);
    ipcxx::Client client{test_keepalive::short_heartbeats(dir, "hello", HeartbeatMode::automatic)};
    client.on("disconnect", [&] { log.add("disconnect"); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) { log.add("client error " + e.message); });
    client.on("hi back", [&](const ipcxx::Payload&) { log.add("hi back"); });
    test::connect(client, Transport::tcp, server.port());
    REQUIRE(test::eventually([&] { return client.native() && server.sockets().size() == 1; }));
    // Idle for more than three heartbeat timeouts: the client sends nothing, and nobody gives up.
    CHECK_FALSE(log.wait_for_size(1, 1500ms));
    REQUIRE_FALSE(client.emit("hi", 1));
    CHECK(log.wait_for("hi back"));
    CHECK(log.entries() == std::vector<std::string>{"hi back"});
}

TEST_CASE("an idle native client pings only in mode ping, over TCP and Unix sockets alike", "[keepalive]") {
    const Transport transport = GENERATE(Transport::tcp, Transport::unix_socket);
    const HeartbeatMode mode = GENERATE(HeartbeatMode::automatic, HeartbeatMode::ping, HeartbeatMode::off);
    INFO(test::name(transport) << " " << test_keepalive::name(mode));
    test::TempDir dir;
    const std::string path = dir.path() + "/fake.sock";
    auto listener = transport == Transport::tcp ? test::SilentListener() : test::SilentListener(path);
    REQUIRE(listener.listening());
    test::Log log;
    ipcxx::Client client{test_keepalive::short_heartbeats(dir, "hello", mode)};
    client.on("disconnect", [&] { log.add("disconnect"); });
    if (transport == Transport::tcp) {
        client.connect_to_net("fake", "127.0.0.1", listener.port());
    } else {
        client.connect_to("fake", path);
    }
    // A fake ipcxx server: welcomes the client, then only listens.
    auto server = listener.accept(10s);
    REQUIRE(server.connected());
    REQUIRE(server.read_frames(1, 10s).find("ipcxx.hello") != std::string::npos);
    REQUIRE(server.send(test_keepalive::welcome));
    REQUIRE(test::eventually([&] { return client.native(); }));
    if (mode == HeartbeatMode::ping) {
        // A ping within a few intervals (10 s: a loaded machine).
        CHECK(server.read_frames(1, 10s).rfind(test_keepalive::ping_start, 0) == 0);
    } else {
        // Ten heartbeat intervals and more than a heartbeat timeout: not a byte, and the client stays.
        CHECK(server.read_frames(1, 500ms).empty());
        CHECK(log.entries().empty());
        CHECK(client.native());
    }
}

TEST_CASE("the kernel's watch is set on both ends of a TCP link, on both wires", "[keepalive]") {
    const HeartbeatMode mode = GENERATE(HeartbeatMode::automatic, HeartbeatMode::ping, HeartbeatMode::off);
    const ipcxx::Wire wire = GENERATE(ipcxx::Wire::automatic, ipcxx::Wire::json);
    INFO(test_keepalive::name(mode) << (wire == ipcxx::Wire::json ? " json wire" : " native wire"));
    test::TempDir dir;
    auto config = test::config_in(dir, "world");
    config.heartbeat = mode;
    config.heartbeat_interval = 2000ms;
    config.heartbeat_timeout = 7000ms;
    ipcxx::Server server{config};
    test::serve(server, Transport::tcp);
    config.wire = wire;
    ipcxx::Client client{config};
    test::connect(client, Transport::tcp, server.port());
    REQUIRE(test::eventually([&] { return client.connected() && server.sockets().size() == 1; }));
    const auto ends = test_keepalive::connected_ends(server.port());
    REQUIRE(ends.server.size() == 1);
    REQUIRE(ends.client.size() == 1);
    for (const int fd : {ends.server.front(), ends.client.front()}) {
        INFO((fd == ends.server.front() ? "server's end" : "client's end"));
        const auto w = test_keepalive::watch_of(fd);
        if (mode == HeartbeatMode::off) {
            CHECK(w.keepalive == 0);
            CHECK(w.user_timeout == 0);
            continue;
        }
        CHECK(w.keepalive == 1);
        CHECK(w.idle == 2);
        CHECK(w.interval == 2);
        CHECK(w.probes == 3);  // 2 s idle + 3 probes 2 s apart: the first 2-second step past 7 s
        CHECK(w.user_timeout == (mode == HeartbeatMode::automatic ? 7000u : 0u));
    }
}
