#include "server/connect_gate.hpp"

#include <catch2/catch.hpp>

using ipcxx::detail::ConnectGate;

TEST_CASE("connect gate: no hello can come, so `connect` is due at the start", "[connect_gate]") {
    ConnectGate gate(false, false);
    CHECK(gate.on_start());
    CHECK_FALSE(gate.waits_for_timeout());
    CHECK(gate.announced());
    CHECK_FALSE(gate.on_first_frame());  // once only
    CHECK_FALSE(gate.on_timeout());
    gate.on_closed();
    CHECK(gate.announced());  // socket.disconnected is owed
}

TEST_CASE("connect gate: on a wire that allows a hello, the first frame or the timeout, whichever comes first",
          "[connect_gate]") {
    ConnectGate gate(true, true);
    REQUIRE_FALSE(gate.on_start());
    CHECK(gate.waits_for_timeout());
    CHECK_FALSE(gate.announced());
    SECTION("the first frame (a hello or not)") {
        CHECK(gate.on_first_frame());
        CHECK(gate.announced());
        CHECK_FALSE(gate.waits_for_timeout());
        CHECK_FALSE(gate.on_timeout());
        CHECK_FALSE(gate.on_first_frame());
    }
    SECTION("the timeout, then a late hello") {
        CHECK(gate.on_timeout());
        CHECK(gate.announced());
        CHECK_FALSE(gate.on_first_frame());
    }
    SECTION("closed before either: never announced, nothing due after") {
        gate.on_closed();
        CHECK_FALSE(gate.announced());
        CHECK_FALSE(gate.on_timeout());
        CHECK_FALSE(gate.on_first_frame());
    }
    SECTION("refused when due: never announced") {
        REQUIRE(gate.on_first_frame());
        gate.on_refused();
        CHECK_FALSE(gate.announced());
        gate.on_closed();
        CHECK_FALSE(gate.announced());
        CHECK_FALSE(gate.on_timeout());
    }
}

TEST_CASE("connect gate: a native-only server waits for the hello, not for the timeout", "[connect_gate]") {
    ConnectGate gate(true, false);
    REQUIRE_FALSE(gate.on_start());
    CHECK_FALSE(gate.waits_for_timeout());
    CHECK_FALSE(gate.on_timeout());
    CHECK_FALSE(gate.announced());
    CHECK(gate.on_first_frame());
    CHECK(gate.announced());
}
