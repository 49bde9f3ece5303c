// node-ipc's sync mode as a state machine: one message out, then one per reception.
#include <catch2/catch.hpp>

#include "client/sync_gate.hpp"

using ipcxx::detail::HeldMessage;
using ipcxx::detail::SyncGate;

namespace {

HeldMessage named(const std::string& name) {
    HeldMessage m;
    m.name = name;
    m.data = "\xA1x";
    return m;
}

}  // namespace

TEST_CASE("sync gate: node-ipc 14's release rule", "[sync]") {
    SyncGate gate(1024);
    REQUIRE_FALSE(gate.closed());  // the first message goes at once
    gate.sent();
    REQUIRE(gate.closed());
    for (const char* name : {"m2", "m3", "m4"}) REQUIRE(gate.hold(named(name)));
    CHECK(gate.held() == 3);

    HeldMessage out;
    REQUIRE(gate.release(out));  // one reception releases one message
    CHECK(out.name == "m2");
    CHECK(gate.closed());
    REQUIRE(gate.release(out));
    CHECK(out.name == "m3");
    REQUIRE(gate.release(out));
    CHECK(out.name == "m4");
    CHECK(gate.held() == 0);
    CHECK(gate.closed());  // m4 is out and waits for its reception

    CHECK_FALSE(gate.release(out));  // nothing waits: the gate opens
    CHECK_FALSE(gate.closed());
    CHECK_FALSE(gate.release(out));  // unsolicited receptions change nothing more
    CHECK_FALSE(gate.closed());
}

TEST_CASE("sync gate: held bytes are bounded, clear reports what was held", "[sync]") {
    SyncGate gate(10);
    gate.sent();
    REQUIRE(gate.hold(named("abcd")));     // 6 bytes
    CHECK_FALSE(gate.hold(named("efgh")));  // 12 > 10: refused, nothing kept
    CHECK(gate.held() == 1);
    CHECK(gate.held_bytes() == 6);
    REQUIRE(gate.hold(named("ef")));  // 10
    CHECK(gate.clear() == 2);
    CHECK(gate.held_bytes() == 0);
    CHECK_FALSE(gate.closed());
}

TEST_CASE("sync gate: clear leaves held requests to their own errors", "[sync]") {
    SyncGate gate(1024);
    gate.sent();
    HeldMessage request = named("ask");
    request.kind = ipcxx::detail::FrameKind::request;
    request.id = 3;
    REQUIRE(gate.hold(named("event")));
    REQUIRE(gate.hold(request));
    CHECK(gate.held() == 2);
    CHECK(gate.clear() == 1);
    CHECK(gate.held() == 0);
}

TEST_CASE("sync gate: a held message keeps every field", "[sync]") {
    ipcxx::detail::Outgoing message;
    message.kind = ipcxx::detail::FrameKind::error_response;
    message.id = 7;
    message.error_code = "code";
    message.error_message = "text";
    const HeldMessage held = HeldMessage::copy_of(message);
    const auto view = held.view();
    CHECK(view.kind == message.kind);
    CHECK(view.id == 7);
    CHECK(view.error_code == "code");
    CHECK(view.error_message == "text");
    CHECK(held.size() == 8);
}
