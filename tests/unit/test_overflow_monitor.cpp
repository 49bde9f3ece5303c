#include "server/overflow_monitor.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using ipcxx::detail::OverflowMonitor;
using namespace std::chrono_literals;

namespace overflow_monitor_test {

// A fake clock: the monitor only ever sees the times it is given.
const OverflowMonitor::Clock::time_point monitor_t0{};

}  // namespace overflow_monitor_test

using overflow_monitor_test::monitor_t0;

TEST_CASE("overflow monitor: the first drop is reported at once, later ones coalesced per interval", "[fanout]") {
    OverflowMonitor monitor(0ms, 1000ms);
    CHECK(monitor.on_overflow(monitor_t0).report == 1);
    // Within the interval: counted, not reported.
    for (int i = 1; i <= 99; ++i) CHECK(monitor.on_overflow(monitor_t0 + std::chrono::milliseconds(i * 9)).report == 0);
    // The first event after the interval carries everything since the last report, even if it fits.
    CHECK(monitor.on_queued(monitor_t0 + 1000ms, 0).report == 99);
    CHECK(monitor.on_queued(monitor_t0 + 3000ms, 0).report == 0);  // nothing left to say
    CHECK(monitor.on_overflow(monitor_t0 + 3001ms).report == 1);
}

TEST_CASE("overflow monitor: watching only while over the limit or holding a count back", "[fanout]") {
    OverflowMonitor monitor(0ms, 1000ms);
    CHECK_FALSE(monitor.watching());
    CHECK(monitor.on_queued(monitor_t0, 0).report == 0);
    CHECK_FALSE(monitor.watching());
    CHECK(monitor.on_overflow(monitor_t0 + 1ms).report == 1);
    CHECK(monitor.watching());  // over the limit
    CHECK(monitor.on_overflow(monitor_t0 + 2ms).report == 0);
    CHECK(monitor.on_queued(monitor_t0 + 3ms, 0).report == 0);
    CHECK_FALSE(monitor.over_limit());
    CHECK(monitor.watching());  // one count held back, due at the next broadcast after the interval
    CHECK(monitor.on_queued(monitor_t0 + 1001ms, 0).report == 1);
    CHECK_FALSE(monitor.watching());
}

TEST_CASE("overflow monitor: evictions count as drops and keep the subscriber over its limit", "[fanout]") {
    OverflowMonitor monitor(5000ms, 1000ms);
    CHECK(monitor.on_queued(monitor_t0, 3).report == 3);
    CHECK(monitor.over_limit());
    CHECK(monitor.on_queued(monitor_t0 + 500ms, 2).report == 0);
    CHECK(monitor.take_unreported() == 2);  // what close() reports
    CHECK(monitor.take_unreported() == 0);
    CHECK(monitor.on_queued(monitor_t0 + 4000ms, 1).report == 1);
    CHECK(monitor.on_queued(monitor_t0 + 5000ms, 1).disconnect);
}

TEST_CASE("overflow monitor: disconnect once, after staying over the limit for disconnect_after", "[fanout]") {
    OverflowMonitor monitor(2000ms, 1000ms);
    CHECK_FALSE(monitor.on_overflow(monitor_t0).disconnect);
    CHECK_FALSE(monitor.on_overflow(monitor_t0 + 1999ms).disconnect);
    CHECK(monitor.on_overflow(monitor_t0 + 2000ms).disconnect);
    CHECK_FALSE(monitor.on_overflow(monitor_t0 + 3000ms).disconnect);
}

TEST_CASE("overflow monitor: a broadcast that fits ends the time over the limit", "[fanout]") {
    OverflowMonitor monitor(2000ms, 1000ms);
    CHECK_FALSE(monitor.on_overflow(monitor_t0).disconnect);
    CHECK_FALSE(monitor.on_queued(monitor_t0 + 1500ms, 0).disconnect);
    CHECK_FALSE(monitor.over_limit());
    // Over again: the clock starts afresh.
    CHECK_FALSE(monitor.on_overflow(monitor_t0 + 1600ms).disconnect);
    CHECK_FALSE(monitor.on_overflow(monitor_t0 + 3500ms).disconnect);
    CHECK(monitor.on_overflow(monitor_t0 + 3600ms).disconnect);
}

TEST_CASE("overflow monitor: disconnect_after 0 never disconnects, report_interval 0 reports every drop", "[fanout]") {
    OverflowMonitor monitor(0ms, 0ms);
    for (int i = 0; i < 10; ++i) {
        const auto verdict = monitor.on_overflow(monitor_t0 + std::chrono::hours(i));
        CHECK_FALSE(verdict.disconnect);
        CHECK(verdict.report == 1);
    }
}
