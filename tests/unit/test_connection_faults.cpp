// Connection over the in-memory test stream: every read and write in turn fails, and each message
// the sender accepted is still either delivered to the peer or accounted for, never lost in silence.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>

#include "connection/connection.hpp"
#include "support/test_stream.hpp"

namespace {

using ipcxx::detail::Connection;
using ipcxx::detail::NativeFrame;
using ipcxx::detail::Outbox;

// Records what a connection tells its owner.
struct Recorder : ipcxx::detail::ConnectionOwner {
    std::vector<int> received;
    std::size_t undelivered = 0;
    bool closed = false;
    void on_frame(Connection&, const NativeFrame&, const ipcxx::Payload& data) override { received.push_back(data.as<int>()); }
    void on_handshake(Connection&, std::string_view, std::string_view) override {}
    void on_raw_data(Connection&, std::string_view) override {}
    void on_input_error(Connection&, std::error_code, const std::string&) override {}
    void on_write_result(Connection&, const Outbox::Completion& result) override { undelivered += result.undelivered; }
    void on_closed(Connection&, std::error_code) override { closed = true; }
};

struct Outcome {
    std::size_t accepted = 0, written = 0, undelivered = 0, discarded = 0;
    std::vector<int> received;
    bool both_closed = false, released = false, failure_injected = false;
};

std::shared_ptr<Connection> make_connection(asio::io_context& io, std::unique_ptr<test::TestStream> end,
                                            const std::shared_ptr<Recorder>& owner, std::uint64_t serial) {
    return std::make_shared<Connection>(asio::make_strand(io), ipcxx::detail::Stream(std::move(end), io.get_executor()),
                                        std::make_shared<Outbox>(1 << 20, Outbox::OnFailure::drop), owner,
                                        std::make_shared<const ipcxx::Config>(), nullptr, serial, "test");
}

// Sends `count` events from one end to the other, one per task, then closes gracefully.
Outcome run(std::size_t fail_at, int count) {
    Outcome out;
    auto fail = std::make_shared<test::FailCount>(fail_at);
    std::weak_ptr<Connection> sender_alive, receiver_alive;
    {
        asio::io_context io;
        auto [a, b] = test::TestStream::pair(io, fail);
        auto sender_owner = std::make_shared<Recorder>(), receiver_owner = std::make_shared<Recorder>();
        auto sender = make_connection(io, std::move(a), sender_owner, 1);
        auto receiver = make_connection(io, std::move(b), receiver_owner, 2);
        sender_alive = sender;
        receiver_alive = receiver;
        asio::post(sender->strand(), [&] { sender->start(); });
        asio::post(receiver->strand(), [&] { receiver->start(); });
        // Each event is emitted after the write started by the one before, so that each gets a
        // write of its own and so operations of its own to fail.
        // Tasks left after the loop below ends find the connection gone.
        std::function<void(int)> emit_from = [&, weak = sender_alive](int i) {
            const auto conn = weak.lock();
            if (!conn) return;
            if (i == count) return conn->close_gracefully(std::chrono::seconds(5));
            const char packed = static_cast<char>(i);  // a msgpack positive fixint
            if (!conn->emit("n", std::string_view(&packed, 1))) ++out.accepted;
            asio::post(conn->strand(), [&, i] { emit_from(i + 1); });
        };
        asio::post(sender->strand(), [&] { emit_from(0); });

        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!(sender_owner->closed && receiver_owner->closed) && std::chrono::steady_clock::now() < deadline) {
            io.run_one_for(std::chrono::milliseconds(100));
        }
        out.both_closed = sender_owner->closed && receiver_owner->closed;
        out.written = sender->outbox().written_count();
        out.discarded = sender->outbox().close();
        out.undelivered = sender_owner->undelivered;
        out.received = receiver_owner->received;
        out.failure_injected = fail->fired();
        sender.reset();
        receiver.reset();
        io.restart();
        io.run_for(std::chrono::seconds(5));  // what is left: cancelled timers, finished operations
        out.released = sender_alive.expired() && receiver_alive.expired();
    }
    return out;
}

}  // namespace

TEST_CASE("connection over a test stream: a failed Nth operation loses no accepted message in silence",
          "[connection][fail_count]") {
    constexpr int count = 20;
    bool clean_run = false;
    for (std::size_t n = 1; n <= 500 && !clean_run; ++n) {
        INFO("operation " << n << " fails");
        const Outcome out = run(n, count);
        REQUIRE(out.both_closed);
        REQUIRE(out.released);
        // What reached the peer is what was written, in order, as a prefix of what was sent.
        REQUIRE(out.received.size() <= out.written);
        for (std::size_t i = 0; i < out.received.size(); ++i) REQUIRE(out.received[i] == static_cast<int>(i));
        // Every accepted message was written, or reported undelivered, or discarded (and so
        // reported by the owner) at the close.
        REQUIRE(out.written + out.undelivered + out.discarded == out.accepted);
        clean_run = !out.failure_injected;
        if (clean_run) {
            REQUIRE(out.accepted == static_cast<std::size_t>(count));
            REQUIRE(out.received.size() == out.accepted);
        }
    }
    REQUIRE(clean_run);
}
