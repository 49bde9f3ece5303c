// Responder and ResponderState without sockets: a fake owner records what a real server or client
// would be asked to do, so that each promise of responder.hpp is checked on its own.
#include <catch2/catch.hpp>

#include <deque>

#include <asio/io_context.hpp>
#include <asio/strand.hpp>

#include "dispatch/responder_state.hpp"
#include "ipcxx/error.hpp"

using namespace std::chrono_literals;
using ipcxx::detail::FrameKind;
using ipcxx::detail::NativeFrame;
using ipcxx::detail::ReceivedRequest;
using ipcxx::detail::ResponderState;

namespace {

// A NativeFrame views its strings; the fake keeps copies.
struct SentFrame {
    FrameKind kind;
    std::uint64_t id;
    std::string data, error_code, error_message;
};

class FakeOwner : public ipcxx::detail::RequestOwner {
public:
    std::vector<SentFrame> sent;
    std::vector<std::error_code> undelivered;
    int dropped = 0;
    int forgotten = 0;
    std::deque<std::function<void()>> queued;  // run_handler's tasks, run by drain()
    std::error_code send_result;               // what send_reply answers

    std::error_code send_reply(std::uint64_t link, const NativeFrame& f) override {
        CHECK(link == 7);
        sent.push_back({f.kind, f.id, std::string(f.data), std::string(f.error_code), std::string(f.error_message)});
        return send_result;
    }
    void reply_undelivered(const ReceivedRequest& r, std::error_code ec) override {
        CHECK(r.id == 42);
        undelivered.push_back(ec);
    }
    void reply_dropped(const ReceivedRequest&) override { ++dropped; }
    void forget(std::uint64_t, ipcxx::RequestId) override { ++forgotten; }
    void run_handler(std::uint64_t, std::function<void()> f) override { queued.push_back(std::move(f)); }

    // Bounded: a callback that queued more work forever would be a bug of its own.
    void drain() {
        for (int i = 0; i < 100 && !queued.empty(); ++i) {
            auto f = std::move(queued.front());
            queued.pop_front();
            f();
        }
        CHECK(queued.empty());
    }
};

ReceivedRequest request(std::uint64_t timeout_ms = 0) {
    return ReceivedRequest{42, 7, "job", ipcxx::Payload::from(1), ipcxx::Socket(), timeout_ms};
}

// A request as a server would hold it: the state (where cancellation comes in) and the handle.
struct Made {
    std::shared_ptr<FakeOwner> owner = std::make_shared<FakeOwner>();
    std::shared_ptr<ResponderState> state;
    ipcxx::Responder responder;
    explicit Made(std::uint64_t timeout_ms = 0)
        : state(std::make_shared<ResponderState>(request(timeout_ms), owner)),
          responder(ipcxx::detail::ResponderAccess::make(state)) {}
    // Leaves the handle as the only holder, as serve_request does once the handler has it.
    Made& handle_only() {
        state.reset();
        return *this;
    }
};

}  // namespace

TEST_CASE("responder: one answer goes out, a second is refused", "[responder]") {
    Made m;
    CHECK(m.responder.id() == 42);
    CHECK(m.responder.event() == "job");
    CHECK(m.responder.args().as<int>() == 1);
    CHECK_FALSE(m.responder.answered());
    CHECK_FALSE(m.responder.reply(5));
    CHECK(m.responder.answered());
    CHECK(m.responder.reply(6) == ipcxx::errc::already_answered);
    CHECK(m.responder.fail("late", "no") == ipcxx::errc::already_answered);
    REQUIRE(m.owner->sent.size() == 1);
    CHECK(m.owner->sent[0].kind == FrameKind::response);
    CHECK(m.owner->sent[0].id == 42);
    CHECK(m.owner->sent[0].data == "\x05");
    CHECK(m.owner->forgotten == 1);
    // The last copy going away after an answer says nothing more.
    m.handle_only().responder = ipcxx::Responder();
    CHECK(m.owner->sent.size() == 1);
    CHECK(m.owner->undelivered.empty());
}

TEST_CASE("responder: fail() sends an error response; an empty code is refused", "[responder]") {
    Made m;
    CHECK(m.responder.fail("", "why") == ipcxx::errc::invalid_argument);
    CHECK_FALSE(m.responder.answered());  // the refused call did not use up the answer
    CHECK_FALSE(m.responder.reply(ipcxx::Reply::error("busy", "try later")));
    REQUIRE(m.owner->sent.size() == 1);
    CHECK(m.owner->sent[0].kind == FrameKind::error_response);
    CHECK(m.owner->sent[0].error_code == "busy");
    CHECK(m.owner->sent[0].error_message == "try later");
}

TEST_CASE("responder: the last copy dropped without an answer sends no_reply once", "[responder]") {
    Made m;
    ipcxx::Responder copy = m.responder;
    m.handle_only().responder = ipcxx::Responder();
    CHECK(m.owner->sent.empty());  // a copy still holds the request
    copy = ipcxx::Responder();
    REQUIRE(m.owner->sent.size() == 1);
    CHECK(m.owner->sent[0].kind == FrameKind::error_response);
    CHECK(m.owner->sent[0].id == 42);
    CHECK(m.owner->sent[0].error_code == "no_reply");
    CHECK(m.owner->sent[0].error_message.find("job") != std::string::npos);
    CHECK(m.owner->undelivered.empty());
}

TEST_CASE("responder: no_reply to a closed connection is reported undelivered", "[responder]") {
    Made m;
    m.owner->send_result = make_error_code(ipcxx::errc::not_connected);
    m.handle_only().responder = ipcxx::Responder();
    CHECK(m.owner->sent.size() == 1);
    REQUIRE(m.owner->undelivered.size() == 1);
    CHECK(m.owner->undelivered[0] == ipcxx::errc::not_connected);
}

TEST_CASE("responder: an answer to a closed connection is reported undelivered", "[responder]") {
    Made m;
    m.owner->send_result = make_error_code(ipcxx::errc::not_connected);
    CHECK(m.responder.reply(1) == ipcxx::errc::not_connected);
    REQUIRE(m.owner->undelivered.size() == 1);
    CHECK(m.owner->undelivered[0] == ipcxx::errc::not_connected);
    CHECK(m.responder.reply(2) == ipcxx::errc::already_answered);
    CHECK(m.owner->undelivered.size() == 1);
}

TEST_CASE("responder: cancellation runs on_cancel once, never inside a call", "[responder]") {
    Made m;
    ipcxx::Responder& r = m.responder;
    std::vector<std::error_code> seen;
    r.on_cancel([&](std::error_code reason) { seen.push_back(reason); });
    CHECK_FALSE(r.cancelled());
    CHECK_FALSE(r.cancel_reason());

    // What a server does when the cancel frame comes.
    m.state->cancel(make_error_code(ipcxx::errc::request_cancelled));
    m.state->cancel(make_error_code(ipcxx::errc::request_timeout));  // the first reason stays
    CHECK(r.cancelled());
    CHECK(r.cancel_reason() == ipcxx::errc::request_cancelled);
    CHECK(m.owner->forgotten == 1);
    CHECK(seen.empty());  // queued through the owner, not run inside cancel()
    m.owner->drain();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == ipcxx::errc::request_cancelled);

    // Registered after the cancellation: still called once, and not inside on_cancel().
    r.on_cancel([&](std::error_code reason) { seen.push_back(reason); });
    CHECK(seen.size() == 1);
    m.owner->drain();
    CHECK(seen.size() == 2);

    // A callback that registers another from inside itself does not run it there either.
    r.on_cancel([&](std::error_code) {
        r.on_cancel([&](std::error_code reason) { seen.push_back(reason); });
        CHECK(seen.size() == 2);
    });
    m.owner->drain();
    CHECK(seen.size() == 3);

    // An answer now is dropped and counted, and nothing is sent.
    CHECK(r.reply(3) == ipcxx::errc::request_cancelled);
    CHECK(r.fail("late", "too late") == ipcxx::errc::already_answered);
    CHECK(m.owner->dropped == 1);
    CHECK(m.owner->sent.empty());
    // Nor does the end of a cancelled request send no_reply.
    m.handle_only().responder = ipcxx::Responder();
    CHECK(m.owner->sent.empty());
}

TEST_CASE("responder: a cancelled request dropped unanswered sends nothing", "[responder]") {
    Made m;
    m.state->cancel(make_error_code(ipcxx::errc::connection_lost));
    m.handle_only().responder = ipcxx::Responder();
    CHECK(m.owner->sent.empty());
    CHECK(m.owner->dropped == 0);
}

TEST_CASE("responder: a cancellation after the answer changes nothing", "[responder]") {
    Made m;
    int called = 0;
    m.responder.on_cancel([&](std::error_code) { ++called; });
    CHECK_FALSE(m.responder.reply(1));
    m.state->cancel(make_error_code(ipcxx::errc::connection_lost));
    m.owner->drain();
    CHECK_FALSE(m.responder.cancelled());
    CHECK(called == 0);
    CHECK(m.owner->dropped == 0);
}

TEST_CASE("responder: time_left follows the requester's deadline", "[responder]") {
    Made none;
    CHECK_FALSE(none.responder.deadline());
    CHECK(none.responder.time_left() == std::chrono::milliseconds::max());

    Made with(5000);
    REQUIRE(with.responder.deadline());
    const auto left = with.responder.time_left();
    CHECK(left <= 5000ms);
    CHECK(left > 4000ms);
    // Fixed at arrival: arrival + the 5 s the requester said it waits.
    const auto expected = std::chrono::steady_clock::now() + 5000ms;
    CHECK(*with.responder.deadline() <= expected);
    CHECK(*with.responder.deadline() > expected - 1000ms);
}

TEST_CASE("responder: the deadline timer cancels with request_timeout", "[responder]") {
    asio::io_context io;
    Made m(30);
    ipcxx::Responder& r = m.responder;
    std::vector<std::error_code> seen;
    r.on_cancel([&](std::error_code reason) { seen.push_back(reason); });
    m.state->watch_deadline(asio::make_strand(io));
    io.run_for(5s);  // returns once the timer has fired: nothing else is queued
    CHECK(r.cancelled());
    CHECK(r.cancel_reason() == ipcxx::errc::request_timeout);
    CHECK(r.time_left() == 0ms);
    m.owner->drain();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == ipcxx::errc::request_timeout);
}

TEST_CASE("responder: an owner that is gone makes answers fail quietly", "[responder]") {
    auto owner = std::make_shared<FakeOwner>();
    ipcxx::Responder r =
        ipcxx::detail::ResponderAccess::make(std::make_shared<ResponderState>(request(), owner));
    std::weak_ptr<FakeOwner> weak = owner;
    owner.reset();
    REQUIRE(weak.expired());
    CHECK(r.reply(1) == ipcxx::errc::not_connected);
    r = ipcxx::Responder();  // and its destruction touches nothing
}

TEST_CASE("responder: a default-constructed handle returns errors, never crashes", "[responder]") {
    ipcxx::Responder r;
    CHECK_FALSE(r);
    CHECK(r.id() == 0);
    CHECK(r.event().empty());
    CHECK(r.args().empty());
    CHECK_FALSE(r.socket());
    CHECK_FALSE(r.deadline());
    CHECK(r.time_left() == std::chrono::milliseconds::max());
    CHECK_FALSE(r.cancelled());
    CHECK_FALSE(r.cancel_reason());
    r.on_cancel([](std::error_code) { FAIL("no request to cancel"); });
    CHECK(r.reply(1) == ipcxx::errc::invalid_argument);
    CHECK(r.reply(ipcxx::Payload::from(1)) == ipcxx::errc::invalid_argument);
    CHECK(r.fail("x", "y") == ipcxx::errc::invalid_argument);
    CHECK_FALSE(r.answered());
}
