#include "ipcxx/config.hpp"

#include <catch2/catch.hpp>

#include <functional>

#include "ipcxx/error.hpp"

using namespace std::chrono_literals;

namespace {

// The message of the invalid_argument validate() throws for a config changed by `change`, or "".
std::string refusal(const std::function<void(ipcxx::Config&)>& change) {
    ipcxx::Config config;
    change(config);
    try {
        config.validate();
    } catch (const ipcxx::Error& e) {
        CHECK(e.code() == ipcxx::errc::invalid_argument);
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("config: reliability defaults are on and valid", "[config]") {
    ipcxx::Config config;
    CHECK_NOTHROW(config.validate());
    CHECK(config.max_event_name_length == 1024);
    CHECK(config.message_timeout == 30s);
    CHECK(config.heartbeat_interval == 5s);
    CHECK(config.heartbeat_timeout == 15s);
    CHECK(config.heartbeat == ipcxx::HeartbeatMode::automatic);
    CHECK(config.retry_backoff_max == 0ms);
    CHECK(config.retry_jitter == 0.0);
    CHECK(config.disconnect_timeout == 5s);
}

TEST_CASE("config: reliability keys that cannot work are refused, naming the key", "[config]") {
    using Catch::Matchers::Contains;
    CHECK_THAT(refusal([](auto& c) { c.max_event_name_length = 0; }), Contains("max_event_name_length"));
    CHECK_THAT(refusal([](auto& c) { c.message_timeout = -1ms; }), Contains("message_timeout"));
    CHECK_THAT(refusal([](auto& c) { c.heartbeat_interval = -1ms; }), Contains("heartbeat_interval"));
    CHECK_THAT(refusal([](auto& c) { c.heartbeat_timeout = -1ms; }), Contains("heartbeat_timeout"));
    CHECK_THAT(refusal([](auto& c) { c.heartbeat_timeout = c.heartbeat_interval; }), Contains("heartbeat_timeout"));
    CHECK_THAT(refusal([](auto& c) { c.retry_backoff_max = -1ms; }), Contains("retry_backoff_max"));
    CHECK_THAT(refusal([](auto& c) { c.retry_backoff_max = c.retry / 2; }), Contains("retry_backoff_max"));
    CHECK_THAT(refusal([](auto& c) { c.retry_jitter = 1.5; }), Contains("retry_jitter"));
    CHECK_THAT(refusal([](auto& c) { c.retry_jitter = -0.1; }), Contains("retry_jitter"));
    CHECK_THAT(refusal([](auto& c) { c.disconnect_timeout = -1ms; }), Contains("disconnect_timeout"));
}

TEST_CASE("config: zero turns each timeout off", "[config]") {
    CHECK(refusal([](auto& c) {
              c.message_timeout = 0ms;
              c.heartbeat_interval = 0ms;
              c.heartbeat_timeout = 0ms;
              c.disconnect_timeout = 0ms;
          }) == "");
    CHECK(refusal([](auto& c) { c.heartbeat_interval = 0ms; }) == "");  // watch silence without pinging
    CHECK(refusal([](auto& c) {
              c.retry_backoff_max = 10s;
              c.retry_jitter = 1.0;
          }) == "");
}
