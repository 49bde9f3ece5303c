#include "connection/liveness.hpp"

#include <catch2/catch.hpp>

#include "ipcxx/error.hpp"

using ipcxx::errc;
using ipcxx::detail::Liveness;
using namespace std::chrono_literals;

namespace {

const Liveness::Clock::time_point t0 = Liveness::Clock::time_point{} + 1000h;

// Checks that run late are taken as this side's stall only when a test gives a threshold.
Liveness::Settings settings(std::chrono::milliseconds message, std::chrono::milliseconds interval,
                            std::chrono::milliseconds timeout, std::chrono::milliseconds stall_threshold = 1000h) {
    return {message, interval, timeout, stall_threshold};
}

}  // namespace

TEST_CASE("liveness: message_timeout counts from the last byte of an incomplete frame", "[liveness]") {
    Liveness live(settings(1000ms, 0ms, 0ms));
    live.start(t0);
    REQUIRE(live.active());
    SECTION("no partial frame: an idle link is never cut off") {
        auto v = live.check(t0 + 5000ms, false);
        CHECK_FALSE(v.failure);
        CHECK(v.next == t0 + 6000ms);
    }
    SECTION("a partial frame with no progress fails at exactly the timeout") {
        live.on_received(t0 + 100ms);
        auto v = live.check(t0 + 500ms, true);
        CHECK_FALSE(v.failure);
        CHECK(v.next == t0 + 1100ms);
        CHECK_FALSE(live.check(t0 + 1099ms, true).failure);
        CHECK(live.check(t0 + 1100ms, true).failure == errc::message_timeout);
    }
    SECTION("a peer that keeps delivering bytes is never cut off, however long the frame takes") {
        for (int step = 1; step <= 100; ++step) {
            const auto now = t0 + step * 900ms;
            live.on_received(now);
            auto v = live.check(now + 899ms, true);
            REQUIRE_FALSE(v.failure);
            REQUIRE(v.next == now + 1000ms);
        }
    }
    SECTION("a frame that starts after a check is measured from its own bytes") {
        auto v = live.check(t0 + 10ms, false);
        REQUIRE(v.next == t0 + 1010ms);
        live.on_received(t0 + 500ms);  // a frame begins and stalls
        v = live.check(v.next, true);
        CHECK_FALSE(v.failure);
        CHECK(v.next == t0 + 1500ms);
        CHECK(live.check(v.next, true).failure == errc::message_timeout);
    }
}

TEST_CASE("liveness: nothing is due when every check is off", "[liveness]") {
    Liveness live(settings(0ms, 5000ms, 15000ms));
    live.start(t0);
    CHECK_FALSE(live.active());  // heartbeats wait for the native wire (send_pings / watch_silence)
    CHECK_FALSE(live.check(t0 + 1h, true).failure);
    Liveness off(settings(0ms, 0ms, 0ms));
    off.start(t0);
    off.send_pings(t0);
    off.watch_silence();
    CHECK_FALSE(off.active());
    CHECK_FALSE(off.pinging());
    CHECK_FALSE(off.watching());
}

TEST_CASE("liveness: the pinging side pings every interval and fails after the timeout of silence", "[liveness]") {
    Liveness live(settings(0ms, 100ms, 350ms));
    live.start(t0);
    live.send_pings(t0);
    live.watch_silence();
    REQUIRE(live.active());
    auto v = live.check(t0, false);
    CHECK_FALSE(v.ping);  // the first ping one interval after the start
    CHECK(v.next == t0 + 100ms);
    SECTION("an answering peer keeps the link up indefinitely") {
        auto now = t0;
        int pings = 0;
        for (int step = 0; step < 50; ++step) {
            now = v.next;
            v = live.check(now, false);
            REQUIRE_FALSE(v.failure);
            if (v.ping) {
                ++pings;
                live.on_received(now + 5ms);  // the pong
            }
        }
        CHECK(pings >= 40);
    }
    SECTION("a silent peer is dropped at exactly heartbeat_timeout") {
        int pings = 0;
        for (int step = 0; step < 10 && !v.failure; ++step) {
            const auto now = v.next;
            v = live.check(now, false);
            if (v.failure) {
                CHECK(now == t0 + 350ms);
            }
            pings += v.ping;
        }
        CHECK(v.failure == errc::heartbeat_timeout);
        CHECK(pings == 3);  // at 100, 200 and 300 ms
    }
}

TEST_CASE("liveness: the watching side only checks silence, and only once asked", "[liveness]") {
    Liveness live(settings(0ms, 100ms, 350ms));
    live.start(t0);
    CHECK_FALSE(live.check(t0 + 10s, false).failure);  // not watching yet: no pings seen from the peer
    live.on_received(t0 + 10s);
    live.watch_silence();
    auto v = live.check(t0 + 10s, false);
    CHECK_FALSE(v.ping);
    CHECK(v.next == t0 + 10s + 350ms);
    live.on_received(t0 + 10s + 300ms);
    v = live.check(v.next, false);
    CHECK_FALSE(v.failure);
    CHECK(v.next == t0 + 10s + 650ms);
    CHECK(live.check(v.next, false).failure == errc::heartbeat_timeout);
}

TEST_CASE("liveness: a check that runs late after a stall of this side does not blame the peer", "[liveness]") {
    Liveness live(settings(0ms, 100ms, 400ms, 100ms));
    live.start(t0);
    live.send_pings(t0);
    live.watch_silence();
    auto v = live.check(t0, false);
    REQUIRE(v.next == t0 + 100ms);
    SECTION("late beyond the threshold: no failure, a ping at once, silence counted from the stall's end") {
        const auto resumed = t0 + 900ms;  // the thread was held up from before t0 + 100 ms
        v = live.check(resumed, false);
        CHECK_FALSE(v.failure);
        CHECK(v.ping);
        int pings = 0;
        auto now = resumed;
        while (!v.failure) {
            now = v.next;
            v = live.check(now, false);
            pings += v.ping;
        }
        CHECK(v.failure == errc::heartbeat_timeout);  // a peer that stays silent is still found out
        CHECK(now == resumed + 400ms);
        CHECK(pings == 3);
    }
    SECTION("an answer read right after the stall keeps the link") {
        live.check(t0 + 900ms, false);
        live.on_received(t0 + 901ms);
        v = live.check(t0 + 1000ms, false);
        CHECK_FALSE(v.failure);
    }
    SECTION("late within the threshold: a silent peer fails as it would on time") {
        for (auto now = t0 + 100ms; now < t0 + 400ms; now += 100ms) REQUIRE_FALSE(live.check(now, false).failure);
        CHECK(live.check(t0 + 480ms, false).failure == errc::heartbeat_timeout);
    }
}

TEST_CASE("liveness: message_timeout is not blamed on the peer after a stall of this side either", "[liveness]") {
    Liveness live(settings(1000ms, 0ms, 0ms, 250ms));
    live.start(t0);
    live.on_received(t0 + 10ms);  // a frame begins
    auto v = live.check(t0 + 10ms, true);
    REQUIRE(v.next == t0 + 1010ms);
    v = live.check(t0 + 3000ms, true);  // the thread stalled for seconds
    CHECK_FALSE(v.failure);
    CHECK(v.next == t0 + 4000ms);
    CHECK(live.check(v.next, true).failure == errc::message_timeout);
}

TEST_CASE("liveness: a link is reported quiet at the first check that finds nothing arrived since the last",
          "[liveness][quiet]") {
    auto with_quiet = settings(30000ms, 0ms, 0ms);
    with_quiet.quiet_period = 1000ms;
    Liveness live(with_quiet);
    live.start(t0);
    auto v = live.check(t0, false);  // the opening counts as activity: look again soon
    CHECK_FALSE(v.quiet);
    CHECK(v.next == t0 + 1000ms);
    live.on_received(t0 + 300ms);
    v = live.check(t0 + 1000ms, false);  // bytes since: again soon
    CHECK_FALSE(v.quiet);
    CHECK(v.next == t0 + 2000ms);
    v = live.check(t0 + 2000ms, false);  // nothing since: quiet, and back to the long cadence
    CHECK(v.quiet);
    CHECK(v.next == t0 + 32000ms);
    v = live.check(t0 + 32000ms, false);  // still quiet
    CHECK(v.quiet);
    live.on_received(t0 + 40000ms);
    v = live.check(t0 + 62000ms, false);  // busy again since: not quiet, and soon again
    CHECK_FALSE(v.quiet);
    CHECK(v.next == t0 + 63000ms);

    SECTION("without quiet_period, never quiet and nothing sooner") {
        Liveness plain(settings(30000ms, 0ms, 0ms));
        plain.start(t0);
        v = plain.check(t0 + 2000ms, false);
        CHECK_FALSE(v.quiet);
        CHECK(v.next == t0 + 32000ms);
    }
}

namespace {

Liveness::Settings in_mode(ipcxx::HeartbeatMode mode) {
    auto s = settings(30000ms, 100ms, 350ms);
    s.heartbeat = mode;
    return s;
}

}  // namespace

TEST_CASE("liveness: mode ping: a native client pings and watches, a peer's ping starts the watch",
          "[liveness][heartbeat_mode]") {
    Liveness client(in_mode(ipcxx::HeartbeatMode::ping));
    client.start(t0);
    client.native_client_ready(t0);
    CHECK(client.pinging());
    CHECK(client.watching());
    CHECK(client.check(t0 + 100ms, false).ping);
    Liveness server(in_mode(ipcxx::HeartbeatMode::ping));
    server.start(t0);
    CHECK(server.peer_pinged());
    CHECK_FALSE(server.peer_pinged());  // already watching
    CHECK(server.watching());
    CHECK_FALSE(server.pinging());
}

TEST_CASE("liveness: mode automatic: no pings and no wake-ups beyond message_timeout on an idle link, yet a "
          "pinging peer is watched",
          "[liveness][heartbeat_mode]") {
    Liveness client(in_mode(ipcxx::HeartbeatMode::automatic));
    client.start(t0);
    client.native_client_ready(t0);
    CHECK_FALSE(client.pinging());
    CHECK_FALSE(client.watching());
    // The kernel watches the link: the only check due is message_timeout's, once per 30 s.
    auto now = t0;
    for (int step = 0; step < 10; ++step) {
        const auto v = client.check(now, false);
        REQUIRE_FALSE(v.failure);
        REQUIRE_FALSE(v.ping);
        REQUIRE(v.next == now + 30000ms);
        now = v.next;
    }
    // A client of an older ipcxx, or one in mode ping, pings: its silence is watched.
    Liveness server(in_mode(ipcxx::HeartbeatMode::automatic));
    server.start(t0);
    CHECK(server.peer_pinged());
    CHECK(server.watching());
    CHECK(server.check(t0 + 350ms, false).failure == errc::heartbeat_timeout);
}

TEST_CASE("liveness: mode off: neither pings nor watches, even a pinging peer", "[liveness][heartbeat_mode]") {
    Liveness client(in_mode(ipcxx::HeartbeatMode::off));
    client.start(t0);
    client.native_client_ready(t0);
    CHECK_FALSE(client.pinging());
    CHECK_FALSE(client.watching());
    Liveness server(in_mode(ipcxx::HeartbeatMode::off));
    server.start(t0);
    CHECK_FALSE(server.peer_pinged());
    CHECK_FALSE(server.watching());
    const auto v = server.check(t0 + 1h, false);
    CHECK_FALSE(v.failure);
    CHECK_FALSE(v.ping);
}

TEST_CASE("liveness: with a granularity, deadlines round up onto one grid, so that links due about the same time "
          "share a wake-up",
          "[liveness][quiet]") {
    auto coarse = settings(30000ms, 0ms, 0ms, 7500ms);
    coarse.quiet_period = 1000ms;
    coarse.granularity = 250ms;
    const auto on_grid = [](Liveness::Clock::time_point t) { return t.time_since_epoch() % 250ms == 0ms; };
    Liveness a(coarse), b(coarse);
    a.start(t0 + 10ms);
    b.start(t0 + 190ms);
    const auto va = a.check(t0 + 10ms, false);
    const auto vb = b.check(t0 + 190ms, false);
    CHECK(va.next == vb.next);  // both due within the same quarter second: one wake-up
    CHECK(on_grid(va.next));
    CHECK(va.next >= t0 + 1190ms);  // never earlier than the exact deadline of either
    CHECK(va.next < t0 + 1010ms + 250ms);
    // A check at the rounded time is on time, not a stall: the link goes quiet as it would.
    const auto quiet = a.check(va.next, false);
    CHECK(quiet.quiet);
    CHECK(on_grid(quiet.next));
    CHECK(quiet.next >= va.next + 30000ms);
    SECTION("an incomplete frame still fails, at the first grid time after its timeout") {
        auto no_quiet = coarse;
        no_quiet.quiet_period = 0ms;
        Liveness live(no_quiet);
        live.start(t0);
        live.on_received(t0 + 100ms);
        auto v = live.check(t0 + 500ms, true);
        CHECK(v.next == t0 + 30250ms);
        CHECK(live.check(v.next, true).failure == errc::message_timeout);
    }
    SECTION("an unreachable deadline stays unreachable") {
        auto off = coarse;
        off.message_timeout = 0ms;
        off.quiet_period = 0ms;
        Liveness live(off);
        live.start(t0);
        CHECK(live.check(t0 + 7ms, false).next == Liveness::Clock::time_point::max());
    }
}
