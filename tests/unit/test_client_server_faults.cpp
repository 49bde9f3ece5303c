// A real client and server over the in-memory test stream: the connect, every read and every write
// in turn fails (hello and welcome, messages, the graceful close), and each time every message the
// client accepted still reaches the server's handler in order or is reported, both sides' events
// pair up, the client comes back by its retry, and everything is freed afterwards.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "client/client_impl.hpp"
#include "ipcxx/detail/handler.hpp"
#include "server/server_impl.hpp"
#include "support/test_stream.hpp"

namespace {

using ipcxx::detail::ClientImpl;
using ipcxx::detail::make_handler;
using ipcxx::detail::ServerImpl;
using ipcxx::detail::Stream;

struct Outcome {
    std::vector<int> accepted;  // what the client's emit accepted, in emit order
    std::vector<int> received;  // what the server's handler got, in order
    std::size_t reported = 0;   // messages the client's error events report undelivered
    std::size_t server_reported = 0;
    std::size_t attempts = 0, connected_attempts = 0;
    std::size_t client_connects = 0, client_disconnects = 0, destroys = 0;
    std::size_t server_connects = 0, server_disconnects = 0;
    std::size_t discarded_bytes = 0;  // written into a link that died before its peer read them
    bool finished = false, released = false, failure_injected = false;
    bool failed_connect = false, failed_before_announce = false, failed_closing = false;
};

template <class Done>
bool run_until(asio::io_context& io, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(100));
    return done();
}

// The client emits `count` events, half of them (one per task, so each gets writes of its own)
// before it has everything written on a live link, the other half right before disconnect().
Outcome run(std::size_t fail_at, int count) {
    Outcome out;
    auto fail = std::make_shared<test::FailCount>(fail_at);
    std::weak_ptr<ClientImpl> client_alive;
    std::weak_ptr<ServerImpl> server_alive;
    {
        asio::io_context io;
        ipcxx::Config config;
        config.retry = std::chrono::milliseconds(1);
        auto server = std::make_shared<ServerImpl>(io, config);
        auto client = std::make_shared<ClientImpl>(io, config);
        server_alive = server;
        client_alive = client;

        auto& server_events = server->events();
        server_events.add("n", make_handler([&](const ipcxx::Payload& data, ipcxx::Socket&) {
            out.received.push_back(data.as<int>());
        }), false);
        server_events.add("connect", make_handler([&] {
            // The first `connect` comes after the hello was answered: a failure before it hit the
            // attempt or its handshake.
            if (out.server_connects++ == 0 && fail->fired() && !out.failed_connect) out.failed_before_announce = true;
        }), false);
        server_events.add("socket.disconnected", make_handler([&] { ++out.server_disconnects; }), false);
        server_events.add("error", make_handler([&](const ipcxx::ErrorEvent& e) { out.server_reported += e.undelivered; }),
                          false);
        auto& client_events = client->events();
        client_events.add("connect", make_handler([&] { ++out.client_connects; }), false);
        client_events.add("disconnect", make_handler([&] { ++out.client_disconnects; }), false);
        client_events.add("destroy", make_handler([&] { ++out.destroys; }), false);
        client_events.add("error", make_handler([&](const ipcxx::ErrorEvent& e) { out.reported += e.undelivered; }),
                          false);

        // Each attempt: one operation of its own (the connect), then a fresh pair sharing the fail count.
        client->set_connector([&io, &out, fail, weak_server = server_alive](std::error_code& ec)
                                  -> std::unique_ptr<ipcxx::detail::ByteStream> {
            ++out.attempts;
            if ((ec = fail->next())) {
                out.failed_connect = true;
                return nullptr;
            }
            ++out.connected_attempts;
            auto [client_end, server_end] = test::TestStream::pair(io, fail);
            if (auto server = weak_server.lock()) server->add_stream(Stream(std::move(server_end), io.get_executor()), "test");
            return std::move(client_end);
        });
        client->start("test", ipcxx::detail::Target::unix_socket("test"));

        int next = 0;
        std::function<void(int)> emit_until = [&](int end) {
            if (next == end) return;
            const char packed = static_cast<char>(next);  // a msgpack positive fixint
            if (!client->emit("n", std::string_view(&packed, 1))) out.accepted.push_back(next);
            ++next;
            asio::post(io, [&, end] { emit_until(end); });
        };
        asio::post(io, [&] { emit_until(count / 2); });
        // A link the failure broke is replaced by the retry, which then writes what was queued.
        const bool settled = run_until(io, [&] {
            return next == count / 2 && client->connected() && client->pending_messages() == 0;
        });
        asio::post(io, [&] { emit_until(count); });
        run_until(io, [&] { return next == count; });
        out.failed_closing = !fail->fired();
        client->disconnect();
        out.finished = settled && run_until(io, [&] {
            return out.destroys == 1 && out.server_disconnects == out.server_connects;
        });
        out.failed_closing = out.failed_closing && fail->fired();

        client->events().registry().close();
        server->events().registry().close();
        server->stop();
        client.reset();
        server.reset();
        io.restart();
        io.run_for(std::chrono::seconds(5));  // what is left: cancelled timers, finished operations
        // No work left, and every stream (so every connection) is gone with its owner.
        out.released = io.stopped() && fail.use_count() == 1;
    }
    out.released = out.released && client_alive.expired() && server_alive.expired();
    out.failure_injected = fail->fired();
    out.discarded_bytes = fail->discarded();
    return out;
}

}  // namespace

TEST_CASE("client and server over test streams: a failed Nth operation loses no accepted message in silence",
          "[client][server][fail_count]") {
    constexpr int count = 20;
    bool clean_run = false, saw_failed_connect = false, saw_failed_handshake = false, saw_failed_close = false;
    for (std::size_t n = 1; n <= 1000 && !clean_run; ++n) {
        INFO("operation " << n << " fails");
        const Outcome out = run(n, count);
        REQUIRE(out.finished);
        REQUIRE(out.released);
        REQUIRE(out.destroys == 1);
        // Every attempt ends once, with one `disconnect`; `connect` for each link made.
        REQUIRE(out.client_disconnects == out.attempts);
        REQUIRE(out.client_connects == out.connected_attempts);
        REQUIRE(out.server_connects <= out.connected_attempts);
        REQUIRE(out.server_disconnects == out.server_connects);
        REQUIRE(out.server_reported == 0);

        // The server got what the client accepted in order, each at most once. What it did not
        // get is the client's reported tail (never written), or one run of messages written into
        // the link the failure broke before the server read them.
        std::size_t i = 0;
        for (const int got : out.received) {
            while (i < out.accepted.size() && out.accepted[i] != got) ++i;
            REQUIRE(i < out.accepted.size());
            ++i;
        }
        REQUIRE(out.reported <= out.accepted.size() - out.received.size());
        const std::size_t unreported_end = out.accepted.size() - out.reported;
        std::vector<std::size_t> lost;  // positions in `accepted`
        for (std::size_t k = 0, r = 0; k < unreported_end; ++k) {
            if (r < out.received.size() && out.received[r] == out.accepted[k]) ++r;
            else lost.push_back(k);
        }
        if (!lost.empty()) {
            REQUIRE(out.failure_injected);
            REQUIRE(out.discarded_bytes > 0);
            REQUIRE(lost.back() - lost.front() + 1 == lost.size());
        }
        for (std::size_t k = unreported_end; k < out.accepted.size(); ++k) {
            REQUIRE(std::find(out.received.begin(), out.received.end(), out.accepted[k]) == out.received.end());
        }

        saw_failed_connect = saw_failed_connect || out.failed_connect;
        saw_failed_handshake = saw_failed_handshake || out.failed_before_announce;
        saw_failed_close = saw_failed_close || out.failed_closing;
        clean_run = !out.failure_injected;
        if (clean_run) {
            REQUIRE(out.attempts == 1);
            REQUIRE(out.accepted.size() == static_cast<std::size_t>(count));
            REQUIRE(out.received == out.accepted);
        }
    }
    REQUIRE(clean_run);
    REQUIRE(saw_failed_connect);
    REQUIRE(saw_failed_handshake);
    REQUIRE(saw_failed_close);
}
