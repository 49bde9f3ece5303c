#include "client/reconnect_fsm.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "ipcxx/error.hpp"

using ipcxx::detail::CloseCause;
using ipcxx::detail::ReconnectFsm;
using ipcxx::detail::ReconnectSettings;
using ipcxx::detail::ReconnectStep;
using namespace std::chrono_literals;
using State = ReconnectFsm::State;

namespace {

ReconnectSettings settings_with(std::size_t max_retries) {
    ReconnectSettings settings;
    settings.max_retries = max_retries;
    return settings;
}

ReconnectFsm connected_fsm(ReconnectSettings settings, std::uint64_t seed = 0) {
    ReconnectFsm fsm(settings, seed);
    REQUIRE(fsm.start());
    fsm.on_connected();
    REQUIRE(fsm.state() == State::connected);
    return fsm;
}

void require_retry(const ReconnectStep& step, std::chrono::milliseconds delay) {
    CHECK(step.publish_disconnect);
    CHECK_FALSE(step.publish_destroy);
    CHECK(step.reconnect);
    CHECK(step.delay == delay);
}

void require_destroy(const ReconnectStep& step) {
    CHECK(step.publish_disconnect);
    CHECK(step.publish_destroy);
    CHECK_FALSE(step.reconnect);
}

bool is_empty(const ReconnectStep& step) {
    return !step.publish_disconnect && !step.publish_destroy && !step.reconnect;
}

}  // namespace

TEST_CASE("reconnect: node-ipc timeline, server stops and comes back", "[reconnect_fsm]") {
    // G.1: server stopped -> disconnect; two refused retries 500 ms apart; then connect.
    auto fsm = connected_fsm(ReconnectSettings{});
    CHECK(fsm.retries_remaining() == std::numeric_limits<std::size_t>::max());

    require_retry(fsm.on_closed(CloseCause::closed), 500ms);
    CHECK(fsm.state() == State::waiting);
    for (int failed_retry = 0; failed_retry < 2; ++failed_retry) {
        REQUIRE(fsm.on_timer());
        CHECK(fsm.state() == State::connecting);
        require_retry(fsm.on_closed(CloseCause::closed), 500ms);
    }
    CHECK(fsm.consecutive_failures() == 3);
    // Unlimited retries are never counted down.
    CHECK(fsm.retries_remaining() == std::numeric_limits<std::size_t>::max());

    REQUIRE(fsm.on_timer());
    fsm.on_connected();
    CHECK(fsm.state() == State::connected);
    CHECK(fsm.consecutive_failures() == 0);
}

TEST_CASE("reconnect: a client started before its server keeps retrying", "[reconnect_fsm]") {
    ReconnectFsm fsm(settings_with(5));
    REQUIRE(fsm.start());
    CHECK_FALSE(fsm.start());
    require_retry(fsm.on_closed(CloseCause::closed), 500ms);
    CHECK(fsm.retries_remaining() == 4);
    REQUIRE(fsm.on_timer());
    fsm.on_connected();
    CHECK(fsm.state() == State::connected);
    CHECK(fsm.retries_remaining() == 5);
}

TEST_CASE("reconnect: max_retries=2 destroys after the 2nd failed retry", "[reconnect_fsm]") {
    auto fsm = connected_fsm(settings_with(2));
    require_retry(fsm.on_closed(CloseCause::closed), 500ms);  // server stopped
    CHECK(fsm.retries_remaining() == 1);
    REQUIRE(fsm.on_timer());
    require_retry(fsm.on_closed(CloseCause::closed), 500ms);  // 1st retry refused
    CHECK(fsm.retries_remaining() == 0);
    REQUIRE(fsm.on_timer());
    require_destroy(fsm.on_closed(CloseCause::closed));  // 2nd retry refused
    CHECK(fsm.state() == State::destroyed);

    // The server coming back changes nothing: no attempt is ever made again.
    CHECK_FALSE(fsm.on_timer());
    CHECK_FALSE(fsm.start());
    fsm.on_connected();
    CHECK(fsm.state() == State::destroyed);
    CHECK(is_empty(fsm.on_closed(CloseCause::closed)));
}

TEST_CASE("reconnect: max_retries=0 destroys on the first close", "[reconnect_fsm]") {
    SECTION("close of a live connection") {
        auto fsm = connected_fsm(settings_with(0));
        require_destroy(fsm.on_closed(CloseCause::closed));
        CHECK(fsm.state() == State::destroyed);
    }
    SECTION("failed first attempt") {
        ReconnectFsm fsm(settings_with(0));
        REQUIRE(fsm.start());
        require_destroy(fsm.on_closed(CloseCause::closed));
        CHECK(fsm.state() == State::destroyed);
    }
}

TEST_CASE("reconnect: stop_retrying destroys immediately", "[reconnect_fsm]") {
    ReconnectSettings settings;
    settings.stop_retrying = true;
    auto fsm = connected_fsm(settings);
    require_destroy(fsm.on_closed(CloseCause::closed));
    CHECK(fsm.state() == State::destroyed);
}

TEST_CASE("reconnect: a successful connect resets the retry counter", "[reconnect_fsm]") {
    auto fsm = connected_fsm(settings_with(2));
    // Each outage may use both retries, however many outages there are.
    for (int outage = 0; outage < 3; ++outage) {
        require_retry(fsm.on_closed(CloseCause::closed), 500ms);
        REQUIRE(fsm.on_timer());
        require_retry(fsm.on_closed(CloseCause::closed), 500ms);
        CHECK(fsm.retries_remaining() == 0);
        CHECK(fsm.consecutive_failures() == 2);
        REQUIRE(fsm.on_timer());
        fsm.on_connected();
        CHECK(fsm.retries_remaining() == 2);
        CHECK(fsm.consecutive_failures() == 0);
    }
}

TEST_CASE("reconnect: a permanent failure never reconnects", "[reconnect_fsm]") {
    SECTION("while connected") {
        auto fsm = connected_fsm(ReconnectSettings{});
        require_destroy(fsm.on_closed(CloseCause::permanent));
        CHECK(fsm.state() == State::destroyed);
    }
    SECTION("during an attempt") {
        ReconnectFsm fsm(ReconnectSettings{});
        REQUIRE(fsm.start());
        require_destroy(fsm.on_closed(CloseCause::permanent));
        CHECK(fsm.state() == State::destroyed);
    }
}

TEST_CASE("reconnect: bad input from the server is retried; refusals of this client are not", "[reconnect_fsm]") {
    using ipcxx::errc;
    using ipcxx::detail::cause_of;
    for (const errc code : {errc::invalid_json, errc::invalid_utf8, errc::empty_frame, errc::invalid_message,
                            errc::invalid_event, errc::reserved_event, errc::frame_too_large,
                            errc::event_name_too_long, errc::event_not_allowed, errc::message_timeout,
                            errc::heartbeat_timeout, errc::connection_lost, errc::tls_handshake_failed}) {
        INFO(make_error_code(code).message());
        CHECK(cause_of(code) == CloseCause::closed);
    }
    CHECK(cause_of(std::make_error_code(std::errc::connection_refused)) == CloseCause::closed);
    for (const errc code : {errc::native_wire_refused, errc::handshake_timeout, errc::path_too_long,
                            errc::tls_configuration, errc::tls_certificate_expired, errc::tls_host_name_mismatch,
                            errc::tls_unknown_ca, errc::tls_client_certificate_required,
                            errc::tls_certificate_rejected, errc::tls_unavailable}) {
        INFO(make_error_code(code).message());
        CHECK(cause_of(code) == CloseCause::permanent);
    }
}

TEST_CASE("reconnect: explicit disconnect in each state", "[reconnect_fsm]") {
    SECTION("idle: destroy only") {
        ReconnectFsm fsm(ReconnectSettings{});
        const auto step = fsm.on_disconnect();
        CHECK_FALSE(step.publish_disconnect);
        CHECK(step.publish_destroy);
        CHECK(fsm.state() == State::destroyed);
        CHECK_FALSE(fsm.start());
    }
    SECTION("connecting: disconnect and destroy") {
        ReconnectFsm fsm(ReconnectSettings{});
        REQUIRE(fsm.start());
        require_destroy(fsm.on_disconnect());
        // The attempt finishing late must not revive the client.
        fsm.on_connected();
        CHECK(fsm.state() == State::destroyed);
        CHECK(is_empty(fsm.on_closed(CloseCause::closed)));
    }
    SECTION("connected: disconnect and destroy") {
        auto fsm = connected_fsm(ReconnectSettings{});
        require_destroy(fsm.on_disconnect());
        CHECK(fsm.state() == State::destroyed);
        // The close that follows the explicit disconnect publishes nothing more.
        CHECK(is_empty(fsm.on_closed(CloseCause::closed)));
    }
    SECTION("waiting: destroy only, the pending timer does nothing") {
        auto fsm = connected_fsm(ReconnectSettings{});
        require_retry(fsm.on_closed(CloseCause::closed), 500ms);
        const auto step = fsm.on_disconnect();
        CHECK_FALSE(step.publish_disconnect);
        CHECK(step.publish_destroy);
        CHECK(fsm.state() == State::destroyed);
        CHECK_FALSE(fsm.on_timer());
    }
    SECTION("destroyed: nothing") {
        auto fsm = connected_fsm(ReconnectSettings{});
        fsm.on_disconnect();
        CHECK(is_empty(fsm.on_disconnect()));
        CHECK(fsm.state() == State::destroyed);
    }
}

TEST_CASE("reconnect: a restart after destroy starts afresh, and only then", "[reconnect_fsm]") {
    ReconnectFsm fsm(settings_with(1));
    CHECK_FALSE(fsm.restart());  // idle: start() is the first attempt
    REQUIRE(fsm.start());
    CHECK_FALSE(fsm.restart());  // connecting
    require_retry(fsm.on_closed(CloseCause::closed), 500ms);
    CHECK_FALSE(fsm.restart());  // waiting
    REQUIRE(fsm.on_timer());
    require_destroy(fsm.on_closed(CloseCause::closed));  // max_retries ran out
    REQUIRE(fsm.state() == State::destroyed);
    CHECK_FALSE(fsm.start());

    REQUIRE(fsm.restart());
    CHECK(fsm.state() == State::connecting);
    CHECK(fsm.retries_remaining() == 1);
    CHECK(fsm.consecutive_failures() == 0);
    // The same rules as a first start: one retry, then destroy.
    require_retry(fsm.on_closed(CloseCause::closed), 500ms);
    REQUIRE(fsm.on_timer());
    fsm.on_connected();
    CHECK(fsm.state() == State::connected);
    require_destroy(fsm.on_disconnect());
    REQUIRE(fsm.restart());  // after an explicit disconnect too
    CHECK(fsm.state() == State::connecting);
}

TEST_CASE("reconnect: calls out of sequence are ignored", "[reconnect_fsm]") {
    ReconnectFsm fsm(ReconnectSettings{});
    CHECK(is_empty(fsm.on_closed(CloseCause::closed)));  // idle
    CHECK_FALSE(fsm.on_timer());
    fsm.on_connected();
    CHECK(fsm.state() == State::idle);

    REQUIRE(fsm.start());
    CHECK_FALSE(fsm.on_timer());  // connecting: no timer is pending
    fsm.on_connected();
    CHECK_FALSE(fsm.on_timer());
    REQUIRE(fsm.on_closed(CloseCause::closed).reconnect);
    CHECK(is_empty(fsm.on_closed(CloseCause::closed)));  // waiting: no socket to close
    CHECK(fsm.state() == State::waiting);
    CHECK(fsm.on_timer());
    CHECK_FALSE(fsm.on_timer());  // only once per close
}

TEST_CASE("reconnect: exponential backoff doubles up to its cap", "[reconnect_fsm]") {
    ReconnectSettings settings;
    settings.retry = 100ms;
    settings.backoff_max = 1000ms;
    auto fsm = connected_fsm(settings);

    const std::vector<std::chrono::milliseconds> expected{100ms, 200ms, 400ms, 800ms, 1000ms,
                                                          1000ms};
    for (const auto delay : expected) {
        require_retry(fsm.on_closed(CloseCause::closed), delay);
        REQUIRE(fsm.on_timer());
    }
    // Many failures must neither overflow nor leave the cap.
    for (int failure = 0; failure < 200; ++failure) {
        const auto step = fsm.on_closed(CloseCause::closed);
        REQUIRE(step.delay == 1000ms);
        REQUIRE(fsm.on_timer());
    }
    // A successful connect starts the sequence again.
    fsm.on_connected();
    require_retry(fsm.on_closed(CloseCause::closed), 100ms);
}

TEST_CASE("reconnect: backoff edge cases", "[reconnect_fsm]") {
    SECTION("off when backoff_max <= retry: every retry waits `retry`") {
        ReconnectSettings settings;
        settings.retry = 300ms;
        settings.backoff_max = 300ms;
        auto fsm = connected_fsm(settings);
        for (int failure = 0; failure < 5; ++failure) {
            require_retry(fsm.on_closed(CloseCause::closed), 300ms);
            REQUIRE(fsm.on_timer());
        }
    }
    SECTION("jitter spreads the fixed retry too") {
        ReconnectSettings settings;
        settings.retry = 300ms;
        settings.jitter_ratio = 0.5;
        auto fsm = connected_fsm(settings, 11);
        std::vector<std::chrono::milliseconds> delays;
        for (int failure = 0; failure < 20; ++failure) {
            const auto step = fsm.on_closed(CloseCause::closed);
            REQUIRE(step.reconnect);
            CHECK(step.delay >= 150ms);
            CHECK(step.delay <= 450ms);
            delays.push_back(step.delay);
            REQUIRE(fsm.on_timer());
        }
        CHECK(std::count(delays.begin(), delays.end(), delays.front()) < 20);
    }
    SECTION("a cap that is not a power-of-two multiple of retry") {
        ReconnectSettings settings;
        settings.retry = 3ms;
        settings.backoff_max = 10ms;
        auto fsm = connected_fsm(settings);
        for (const auto delay : {3ms, 6ms, 10ms, 10ms}) {
            require_retry(fsm.on_closed(CloseCause::closed), delay);
            REQUIRE(fsm.on_timer());
        }
    }
    SECTION("the largest cap does not overflow") {
        ReconnectSettings settings;
        settings.retry = 1ms;
        settings.backoff_max = std::chrono::milliseconds::max();
        auto fsm = connected_fsm(settings);
        std::chrono::milliseconds last{0};
        for (int failure = 0; failure < 100; ++failure) {
            const auto step = fsm.on_closed(CloseCause::closed);
            REQUIRE(step.delay >= last);
            last = step.delay;
            REQUIRE(fsm.on_timer());
        }
        CHECK(last == std::chrono::milliseconds::max());
    }
    SECTION("jitter at the largest cap does not overflow") {
        ReconnectSettings settings;
        settings.retry = 1ms;
        settings.backoff_max = std::chrono::milliseconds::max();
        settings.jitter_ratio = 1.0;
        auto fsm = connected_fsm(settings, 5);
        for (int failure = 0; failure < 200; ++failure) {
            REQUIRE(fsm.on_closed(CloseCause::closed).delay >= 0ms);
            REQUIRE(fsm.on_timer());
        }
    }
    SECTION("retry=0 stays 0") {
        ReconnectSettings settings;
        settings.retry = 0ms;
        settings.backoff_max = 100ms;
        settings.jitter_ratio = 0.5;
        auto fsm = connected_fsm(settings);
        for (int failure = 0; failure < 5; ++failure) {
            require_retry(fsm.on_closed(CloseCause::closed), 0ms);
            REQUIRE(fsm.on_timer());
        }
    }
}

namespace {

std::vector<std::chrono::milliseconds> jittered_delays(std::uint64_t seed, double ratio,
                                                       int count) {
    ReconnectSettings settings;
    settings.retry = 100ms;
    settings.backoff_max = 1600ms;
    settings.jitter_ratio = ratio;
    auto fsm = connected_fsm(settings, seed);
    std::vector<std::chrono::milliseconds> delays;
    for (int failure = 0; failure < count; ++failure) {
        const auto step = fsm.on_closed(CloseCause::closed);
        REQUIRE(step.reconnect);
        delays.push_back(step.delay);
        REQUIRE(fsm.on_timer());
    }
    return delays;
}

}  // namespace

TEST_CASE("reconnect: jitter stays within its bounds", "[reconnect_fsm]") {
    const double ratio = 0.25;
    const int count = 1000;
    for (const std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xffffffffffffffffULL}) {
        const auto delays = jittered_delays(seed, ratio, count);
        bool below = false;
        bool above = false;
        for (int failure = 0; failure < count; ++failure) {
            const double nominal = std::min(100.0 * std::pow(2.0, std::min(failure, 10)), 1600.0);
            const auto delay = static_cast<double>(delays[static_cast<std::size_t>(failure)].count());
            REQUIRE(delay >= std::floor(nominal * (1 - ratio)));
            REQUIRE(delay <= std::ceil(nominal * (1 + ratio)));
            below = below || delay < nominal;
            above = above || delay > nominal;
        }
        // Jitter spreads both ways rather than only shortening or lengthening.
        CHECK(below);
        CHECK(above);
    }
}

TEST_CASE("reconnect: jitter is deterministic for a seed", "[reconnect_fsm]") {
    CHECK(jittered_delays(7, 0.5, 50) == jittered_delays(7, 0.5, 50));
    CHECK(jittered_delays(7, 0.5, 50) != jittered_delays(8, 0.5, 50));
}

TEST_CASE("reconnect: a jitter ratio above 1 never gives a negative delay", "[reconnect_fsm]") {
    for (const auto delay : jittered_delays(3, 3.0, 200)) {
        REQUIRE(delay >= 0ms);
        REQUIRE(delay <= 4 * 1600ms);
    }
}
