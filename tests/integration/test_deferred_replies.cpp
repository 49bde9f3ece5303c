// Deferred replies (Responder) end to end, on both wires and transports and in both directions: the
// promises of responder.hpp hold only if the deadline, the cancellation and the end of a connection
// all travel between real peers, so each is checked from the requester's side to the responder's.
#include <catch2/catch.hpp>

#include <deque>
#include <future>
#include <memory>
#include <optional>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

enum class Asker { client, server };

// Responders that handlers hand over, so that the test thread answers them: from another thread
// than the one the handler ran on.
class Mailbox {
public:
    void put(ipcxx::Responder r) {
        std::lock_guard<std::mutex> lock(mutex_);
        items_.push_back(std::move(r));
        cv_.notify_all();
    }
    ipcxx::Responder take(std::chrono::milliseconds timeout = 10s) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!cv_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return {};
        ipcxx::Responder r = std::move(items_.front());
        items_.pop_front();
        return r;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<ipcxx::Responder> items_;
};

std::string reason_entry(std::error_code reason) {
    if (reason == ipcxx::errc::request_timeout) return "cancel request_timeout";
    if (reason == ipcxx::errc::request_cancelled) return "cancel request_cancelled";
    if (reason == ipcxx::errc::connection_lost) return "cancel connection_lost";
    return "cancel other: " + reason.message();
}

std::vector<std::string> cancellations(const test::Log& log) {
    std::vector<std::string> out;
    for (const auto& entry : log.entries()) {
        if (entry.rfind("cancel ", 0) == 0) out.push_back(entry);
    }
    return out;
}

// A server and a client over one wire and transport. `asker` makes the requests; the other side
// (the responder) has the handlers, and what it sees lands in `log`.
class Peers {
public:
    Peers(ipcxx::Wire wire, Transport transport, Asker asker, std::size_t handler_threads = 0)
        : transport_(transport), asker_(asker) {
        auto server_config = test::config_in(dir_);
        server_config.handler_threads = handler_threads;
        // A JSON-wire client says no hello: its `connect` comes after this wait, 2 s by default.
        server_config.handshake_timeout = 200ms;
        auto client_config = test::config_in(dir_, "hello");
        client_config.wire = wire;
        client_config.handler_threads = handler_threads;
        native_ = wire != ipcxx::Wire::json;
        server.emplace(server_config);
        client.emplace(client_config);
        responder().on("error", [this](const ipcxx::ErrorEvent& e) {
            log.add(e.code == ipcxx::errc::undelivered ? "undelivered " + e.event : "error " + e.message);
        });
        server->on("connect", [this](ipcxx::Socket&) { log.add("server connect"); });
        client->on("disconnect", [this] { log.add("client disconnect"); });
    }
    ~Peers() {
        // The client first: its end is what the server's handlers may still be waiting on.
        client.reset();
        server.reset();
    }

    // A handler on the responder's side that hands its Responder to `mailbox` and logs its cancellation.
    void hold(const std::string& event, Mailbox& mailbox) {
        responder().handle(event, [this, &mailbox](ipcxx::Responder r) {
            r.on_cancel([this](std::error_code reason) { log.add(reason_entry(reason)); });
            mailbox.put(std::move(r));
        });
    }

    ipcxx::EventSource& responder() {
        return asker_ == Asker::client ? static_cast<ipcxx::EventSource&>(*server) : *client;
    }
    ipcxx::EventSource& requester() {
        return asker_ == Asker::client ? static_cast<ipcxx::EventSource&>(*client) : *server;
    }

    // After the handlers are in place: a client's hello lists its request handlers.
    void start() {
        test::serve(*server, transport_);
        test::connect(*client, transport_, server->port());
        REQUIRE(log.wait_for("server connect"));
        REQUIRE(test::eventually([&] { return server->sockets().size() == 1; }));
        if (native_) REQUIRE(test::eventually([&] { return client->native(); }));
        to_client = server->sockets().at(0);
    }

    // A request whose outcome arrives in the future; `calls` counts the callbacks of all requests.
    std::future<ipcxx::Response> ask(const std::string& event, std::chrono::milliseconds timeout,
                                     ipcxx::RequestId* id = nullptr) {
        auto done = std::make_shared<std::promise<ipcxx::Response>>();
        auto future = done->get_future();
        auto on_response = [this, done, first = std::make_shared<std::atomic<bool>>(true)](const ipcxx::Response& r) {
            ++calls;
            if (first->exchange(false)) done->set_value(r);
        };
        const auto made = asker_ == Asker::client ? client->request(event, 1, timeout, on_response)
                                                  : server->request(to_client, event, 1, timeout, on_response);
        if (id) *id = made;
        return future;
    }
    void cancel(ipcxx::RequestId id) { asker_ == Asker::client ? client->cancel(id) : server->cancel(id); }
    std::uint64_t dropped() const {
        return asker_ == Asker::client ? server->dropped_replies() : client->dropped_replies();
    }
    // Ends the link from the requester's end.
    void drop_requester() {
        if (asker_ == Asker::client) {
            client->disconnect();
        } else {
            to_client.disconnect();
        }
    }
    // True once the responder's side has seen the link end (and forgotten it).
    bool responder_saw_close() const {
        return asker_ == Asker::client ? server->sockets().empty() : log.count("client disconnect") > 0;
    }

    test::TempDir dir_;
    test::Log log;
    std::atomic<int> calls{0};
    std::optional<ipcxx::Server> server;
    std::optional<ipcxx::Client> client;
    ipcxx::Socket to_client;

private:
    Transport transport_;
    Asker asker_;
    bool native_ = true;
};

// Every combination the features must hold on.
struct Setting {
    ipcxx::Wire wire;
    Transport transport;
    Asker asker;
};

Setting any_setting() {
    const auto wire = GENERATE(ipcxx::Wire::automatic, ipcxx::Wire::json);
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    const Asker asker = GENERATE(Asker::client, Asker::server);
    return {wire, transport, asker};
}

#define DESCRIBE(s)                                                                                    \
    INFO((s.wire == ipcxx::Wire::json ? "json" : "native")                                             \
         << " over " << test::name(s.transport) << ", " << (s.asker == Asker::client ? "client" : "server") \
         << " asks")

std::optional<ipcxx::Response> wait(std::future<ipcxx::Response>& f, std::chrono::milliseconds limit = 10s) {
    if (f.wait_for(limit) != std::future_status::ready) return std::nullopt;
    return f.get();
}

// What every cancellation owes the responder: on_cancel once with `reason`, cancelled() and
// cancel_reason() saying so, and a late answer dropped and counted rather than sent.
void check_cancelled(Peers& peers, ipcxx::Responder& r, ipcxx::errc reason) {
    const std::string expected = reason_entry(make_error_code(reason));
    REQUIRE(test::eventually([&] { return !cancellations(peers.log).empty(); }));
    CHECK(cancellations(peers.log) == std::vector<std::string>{expected});
    CHECK(r.cancelled());
    CHECK(r.cancel_reason() == reason);
    CHECK(r.reply(1) == ipcxx::errc::request_cancelled);
    CHECK(peers.dropped() == 1);
}

}  // namespace

TEST_CASE("a deferred reply from another thread arrives; a second is refused; the deadline travels",
          "[responder]") {
    const Setting s = any_setting();
    DESCRIBE(s);
    Mailbox mailbox;
    Peers peers(s.wire, s.transport, s.asker);
    peers.responder().handle("later", [&](ipcxx::Responder r) { mailbox.put(std::move(r)); });
    peers.start();

    auto answer = peers.ask("later", 3s);
    ipcxx::Responder r = mailbox.take();
    REQUIRE(r);
    CHECK(r.event() == "later");
    CHECK(r.args().as<int>() == 1);
    REQUIRE(r.deadline());
    // The requester's 3 s, less what the trip took.
    CHECK(r.time_left() <= 3000ms);
    CHECK(r.time_left() > 2000ms);
    CHECK_FALSE(r.reply(42));
    CHECK(r.reply(43) == ipcxx::errc::already_answered);
    CHECK(r.fail("late", "again") == ipcxx::errc::already_answered);
    const auto response = wait(answer);
    REQUIRE(response);
    CHECK_FALSE(response->error);
    CHECK(response->data.as<int>() == 42);
    // Only one answer ever reached the requester: a second request gets its own.
    auto next = peers.ask("later", 3s);
    ipcxx::Responder second = mailbox.take();
    REQUIRE(second);
    CHECK_FALSE(second.fail("busy", "come back"));
    const auto failed = wait(next);
    REQUIRE(failed);
    CHECK(failed->error == ipcxx::errc::remote_error);
    CHECK(failed->remote_code == "busy");
    CHECK(peers.calls == 2);
    CHECK(peers.dropped() == 0);
}

TEST_CASE("a Responder dropped without an answer gives the requester no_reply", "[responder]") {
    const Setting s = any_setting();
    DESCRIBE(s);
    Peers peers(s.wire, s.transport, s.asker);
    peers.responder().handle("forget", [](ipcxx::Responder) {});
    peers.start();
    auto answer = peers.ask("forget", 5s);
    const auto response = wait(answer);
    REQUIRE(response);
    CHECK(response->error == ipcxx::errc::no_reply);
    CHECK(response->remote_code == "no_reply");
    CHECK(response->message.find("forget") != std::string::npos);
}

TEST_CASE("a handler that takes a Responder and throws answers handler_exception", "[responder]") {
    const Setting s = any_setting();
    DESCRIBE(s);
    Peers peers(s.wire, s.transport, s.asker);
    peers.responder().handle("throws", [](ipcxx::Responder) { throw std::runtime_error("broken"); });
    // One that answered first keeps its answer.
    peers.responder().handle("answers then throws", [](ipcxx::Responder r) {
        r.reply(7);
        throw std::runtime_error("after");
    });
    peers.start();
    auto thrown = peers.ask("throws", 5s);
    const auto response = wait(thrown);
    REQUIRE(response);
    CHECK(response->error == ipcxx::errc::remote_error);
    CHECK(response->remote_code == "handler_exception");
    CHECK(response->message.find("broken") != std::string::npos);
    auto kept = peers.ask("answers then throws", 5s);
    const auto answered = wait(kept);
    REQUIRE(answered);
    CHECK_FALSE(answered->error);
    CHECK(answered->data.as<int>() == 7);
}

TEST_CASE("the requester's deadline passing cancels the Responder with request_timeout", "[responder]") {
    const Setting s = any_setting();
    DESCRIBE(s);
    Mailbox mailbox;
    Peers peers(s.wire, s.transport, s.asker);
    peers.hold("slow", mailbox);
    peers.start();
    auto answer = peers.ask("slow", 300ms);
    ipcxx::Responder r = mailbox.take();
    REQUIRE(r);
    const auto response = wait(answer);
    REQUIRE(response);
    CHECK(response->error == ipcxx::errc::request_timeout);
    check_cancelled(peers, r, ipcxx::errc::request_timeout);
    CHECK(r.time_left() == 0ms);
    CHECK(peers.calls == 1);
}

TEST_CASE("cancel() reaches the Responder; its late answer is dropped, never delivered", "[responder]") {
    const Setting s = any_setting();
    DESCRIBE(s);
    Mailbox mailbox;
    Peers peers(s.wire, s.transport, s.asker);
    peers.hold("slow", mailbox);
    peers.responder().handle("echo", [](const ipcxx::Payload& p) { return p; });
    peers.start();
    ipcxx::RequestId id = 0;
    auto answer = peers.ask("slow", 30s, &id);
    ipcxx::Responder r = mailbox.take();
    REQUIRE(r);
    peers.cancel(id);
    const auto response = wait(answer);
    REQUIRE(response);
    CHECK(response->error == ipcxx::errc::request_cancelled);
    check_cancelled(peers, r, ipcxx::errc::request_cancelled);
    // Had the late answer gone out, it would reach the requester before the answer to this one.
    auto echo = peers.ask("echo", 5s);
    REQUIRE(wait(echo));
    CHECK(peers.calls == 2);
}

TEST_CASE("the requester's connection dropping cancels the Responder with connection_lost", "[responder]") {
    const Setting s = any_setting();
    DESCRIBE(s);
    Mailbox mailbox;
    Peers peers(s.wire, s.transport, s.asker);
    peers.hold("slow", mailbox);
    peers.start();
    auto answer = peers.ask("slow", 30s);
    ipcxx::Responder r = mailbox.take();
    REQUIRE(r);
    peers.drop_requester();
    check_cancelled(peers, r, ipcxx::errc::connection_lost);
    const auto response = wait(answer);
    REQUIRE(response);
    CHECK(response->error != std::error_code());
}

TEST_CASE("a reply whose connection closed first is reported undelivered, naming the request",
          "[responder]") {
    const Setting s = any_setting();
    DESCRIBE(s);
    // On the pool, so that the handler can outlast its connection without holding up the I/O thread.
    Peers peers(s.wire, s.transport, s.asker, 1);
    peers.responder().handle("outlived", [&peers](const ipcxx::Payload&) {
        peers.log.add("entered");
        // Answers only once the responder's side has forgotten the connection.
        const bool closed = test::eventually([&] { return peers.responder_saw_close(); });
        peers.log.add(closed ? "saw close" : "close not seen");
        return 5;
    });
    peers.start();
    auto answer = peers.ask("outlived", 30s);
    REQUIRE(peers.log.wait_for("entered"));
    peers.drop_requester();
    REQUIRE(peers.log.wait_for("undelivered outlived"));
    CHECK(peers.log.count("saw close") == 1);
    CHECK(peers.log.count("undelivered outlived") == 1);
    const auto response = wait(answer);
    REQUIRE(response);
    CHECK(response->error != std::error_code());
}

TEST_CASE("the future-form request inside a handler: would_deadlock on the I/O thread, works on the pool",
          "[responder]") {
    const Setting s = any_setting();
    const std::size_t threads = GENERATE(0u, 2u);
    DESCRIBE(s);
    INFO("handler_threads = " << threads);
    Peers peers(s.wire, s.transport, s.asker, threads);
    peers.responder().handle("double", [](const ipcxx::Payload& p) { return 2 * p.as<int>(); });
    // The requester's handler for an event the responder sends: it makes a request from inside.
    peers.requester().on("go", [&](const ipcxx::Payload&) {
        try {
            auto future = s.asker == Asker::client ? peers.client->request("double", 21, 5s)
                                                   : peers.server->request(peers.to_client, "double", 21, 5s);
            if (future.wait_for(10s) != std::future_status::ready) return peers.log.add("future not ready");
            peers.log.add("result " + std::to_string(future.get().as<int>()));
        } catch (const ipcxx::Error& e) {
            peers.log.add(e.code() == ipcxx::errc::would_deadlock ? "would_deadlock" : "error " + std::string(e.what()));
        }
    });
    peers.start();
    if (s.asker == Asker::client) {
        REQUIRE_FALSE(peers.to_client.emit("go"));
    } else {
        REQUIRE_FALSE(peers.client->emit("go"));
    }
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(peers.log.wait_for(threads == 0 ? "would_deadlock" : "result 42"));
    CHECK(std::chrono::steady_clock::now() - started < 5s);  // at once, not after the request's timeout
}

TEST_CASE("a server destroyed while a Responder is held does not wait for the request's deadline", "[responder]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    Mailbox mailbox;
    ipcxx::Responder kept;
    {
        Peers peers(ipcxx::Wire::automatic, transport, Asker::client);
        peers.responder().handle("slow", [&](ipcxx::Responder r) { mailbox.put(std::move(r)); });
        peers.start();
        auto answer = peers.ask("slow", 60s);
        kept = mailbox.take();
        REQUIRE(kept);
        test::Watchdog dog(10s, "destroying a server and client while a Responder with a 60 s deadline is held");
        peers.client.reset();
        peers.server.reset();
    }
    // Its server is gone: the answer goes nowhere, and neither it nor the handle's end may crash.
    CHECK(kept.cancelled());
    CHECK(kept.reply(1));
    kept = ipcxx::Responder();
}
