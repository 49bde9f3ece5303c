// The names a received event may not carry, told apart by length first: every reserved name is
// caught, and names close to one are not.
#include <catch2/catch.hpp>

#include <string>

#include "codec/event_names.hpp"

using ipcxx::detail::is_allowed_event;
using ipcxx::detail::is_protocol_event;
using ipcxx::detail::is_reserved_event;

TEST_CASE("event names: every lifecycle and protocol name is reserved", "[event_names]") {
    for (const char* name : {"start", "connect", "disconnect", "destroy", "close", "socket.disconnected", "error",
                             "data", "*", "drain", "socket.drain", "ipcxx.", "ipcxx.hello", "ipcxx.topics", "ipcxx.x",
                             "ipcxx.abcd", "ipcxx.abcdef", "ipcxx.abcdefghijklm"}) {
        INFO(name);
        CHECK(is_reserved_event(name));
    }
    CHECK(is_protocol_event("ipcxx.welcome"));
    CHECK_FALSE(is_protocol_event("ipcxx"));
    CHECK_FALSE(is_protocol_event("ipcx.hello"));
}

TEST_CASE("event names: names near a reserved one are free", "[event_names]") {
    for (const char* name : {"", "**", "x", "msg", "dat", "datum", "Data", "stars", "closes", "errors", "drain!",
                             "connects", "destroy!", "disconnec", "disconnect.", "socket.drai", "socket.drainn",
                             "socket.disconnecte", "socket.disconnectedx", "ipcxx", "ipcxy.hello", "xipcxx.hello",
                             "Ipcxx.hello", "socket.connected_x", "abcdefghijklmnopqrs"}) {
        INFO(name);
        CHECK_FALSE(is_reserved_event(name));
    }
}

TEST_CASE("event names: allowed_events, empty or listing the names", "[event_names]") {
    ipcxx::Config config;
    CHECK(is_allowed_event(config, "anything"));
    config.allowed_events = {"a", "bc"};
    CHECK(is_allowed_event(config, "a"));
    CHECK(is_allowed_event(config, "bc"));
    CHECK_FALSE(is_allowed_event(config, "b"));
    CHECK_FALSE(is_allowed_event(config, "anything"));
}
