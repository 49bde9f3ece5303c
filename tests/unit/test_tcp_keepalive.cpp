// What Config::heartbeat asks of the kernel for a TCP link (transport/tcp_keepalive.*), socket-free.
#include "transport/tcp_keepalive.hpp"

#include <catch2/catch.hpp>

using ipcxx::HeartbeatMode;
using ipcxx::detail::tcp_keepalive;
using namespace std::chrono_literals;

namespace test_tcp_keepalive {

ipcxx::Config heartbeats(HeartbeatMode mode, std::chrono::milliseconds interval, std::chrono::milliseconds timeout) {
    ipcxx::Config config;
    config.heartbeat = mode;
    config.heartbeat_interval = interval;
    config.heartbeat_timeout = timeout;
    return config;
}

}  // namespace test_tcp_keepalive

TEST_CASE("tcp keepalive: the defaults probe after 5 s idle, twice 5 s apart, and data unacknowledged for 15 s "
          "ends the link",
          "[tcp_keepalive]") {
    const auto k = tcp_keepalive(ipcxx::Config{});
    CHECK(ipcxx::Config{}.heartbeat == HeartbeatMode::automatic);
    CHECK(k.enabled);
    CHECK(k.idle_seconds == 5);
    CHECK(k.interval_seconds == 5);
    CHECK(k.probes == 2);
    CHECK(k.user_timeout_ms == 15000);
}

TEST_CASE("tcp keepalive: whole seconds, at least one, and as many probes as fit the timeout, at least one",
          "[tcp_keepalive]") {
    auto k = tcp_keepalive(test_tcp_keepalive::heartbeats(HeartbeatMode::automatic, 200ms, 1500ms));
    CHECK(k.idle_seconds == 1);
    CHECK(k.interval_seconds == 1);
    CHECK(k.probes == 1);
    CHECK(k.user_timeout_ms == 1500);
    k = tcp_keepalive(test_tcp_keepalive::heartbeats(HeartbeatMode::automatic, 2500ms, 10000ms));
    CHECK(k.idle_seconds == 2);
    CHECK(k.probes == 4);
    k = tcp_keepalive(test_tcp_keepalive::heartbeats(HeartbeatMode::automatic, 1000ms, 2001ms));
    CHECK(k.probes == 2);  // rounded up: the link ends no earlier than the timeout
    k = tcp_keepalive(test_tcp_keepalive::heartbeats(HeartbeatMode::automatic, 10h, 10000h));
    CHECK(k.idle_seconds == 32767);  // the kernel's bounds
    CHECK(k.probes == 127);
}

TEST_CASE("tcp keepalive: 0 leaves the system's values", "[tcp_keepalive]") {
    auto k = tcp_keepalive(test_tcp_keepalive::heartbeats(HeartbeatMode::automatic, 0ms, 15000ms));
    CHECK(k.enabled);
    CHECK(k.idle_seconds == 0);
    CHECK(k.probes == 0);
    CHECK(k.user_timeout_ms == 15000);
    k = tcp_keepalive(test_tcp_keepalive::heartbeats(HeartbeatMode::automatic, 5000ms, 0ms));
    CHECK(k.idle_seconds == 5);
    CHECK(k.probes == 0);
    CHECK(k.user_timeout_ms == 0);
}

TEST_CASE("tcp keepalive: mode ping keeps the probes without the user timeout; off asks nothing", "[tcp_keepalive]") {
    auto k = tcp_keepalive(test_tcp_keepalive::heartbeats(HeartbeatMode::ping, 5000ms, 15000ms));
    CHECK(k.enabled);
    CHECK(k.idle_seconds == 5);
    CHECK(k.probes == 2);
    CHECK(k.user_timeout_ms == 0);
    k = tcp_keepalive(test_tcp_keepalive::heartbeats(HeartbeatMode::off, 5000ms, 15000ms));
    CHECK_FALSE(k.enabled);
    CHECK(k.idle_seconds == 0);
    CHECK(k.user_timeout_ms == 0);
}
