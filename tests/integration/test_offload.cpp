// Config::handler_threads: handlers on a pool of the library's threads. A handler may then block for
// longer than heartbeat_timeout without its link being declared dead (the I/O thread keeps answering
// pings), while each connection's messages are still handled one at a time and in order, and
// different connections in parallel.
#include <catch2/catch.hpp>

#include <future>
#include <optional>
#include <thread>

#include "support/fixtures.hpp"
#include "support/pair.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

// Pings every 100 ms; 300 ms of silence closes the link. A handler blocking 1.2 s would cost the
// link four times over if it held up the I/O thread.
constexpr auto blocked_for = 1200ms;

ipcxx::Config pooled(const test::TempDir& dir, const std::string& id) {
    auto config = test::config_in(dir, id);
    config.handler_threads = 2;
    config.heartbeat = ipcxx::HeartbeatMode::ping;
    config.heartbeat_interval = 100ms;
    config.heartbeat_timeout = 300ms;
    return config;
}

// Everything that would say the link suffered: on either side.
void watch_link(ipcxx::Server& server, ipcxx::Client& client, test::Log& trouble) {
    server.on("socket.disconnected", [&](ipcxx::Socket&) { trouble.add("server: socket.disconnected"); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) { trouble.add("server error: " + e.message); });
    client.on("disconnect", [&] { trouble.add("client: disconnect"); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) { trouble.add("client error: " + e.message); });
}

void connect_native(ipcxx::Server& server, ipcxx::Client& client, Transport transport) {
    test::serve(server, transport);
    test::connect(client, transport, server.port());
    REQUIRE(test::eventually([&] { return client.native() && server.sockets().size() == 1; }));
}

}  // namespace

TEST_CASE("a request handler blocking past heartbeat_timeout on the pool keeps its link", "[offload]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    const bool server_asks = GENERATE(false, true);
    INFO(test::name(transport) << (server_asks ? ", server asks" : ", client asks"));
    test::TempDir dir;
    test::Log trouble;
    std::atomic<int> ran{0};
    ipcxx::Server server{pooled(dir, "world")};
    ipcxx::Client client{pooled(dir, "hello")};
    // Blocking is the point here: the work a handler does, not a wait for a condition.
    auto slow = [&](const ipcxx::Payload& p) {
        ++ran;
        std::this_thread::sleep_for(blocked_for);
        return p.as<int>() + 1;
    };
    server_asks ? client.handle("slow", slow) : server.handle("slow", slow);
    watch_link(server, client, trouble);
    connect_native(server, client, transport);

    std::atomic<int> responses{0};
    std::promise<ipcxx::Response> done;
    auto on_response = [&](const ipcxx::Response& r) {
        if (++responses == 1) done.set_value(r);
    };
    server_asks ? server.request(server.sockets().at(0), "slow", 41, 10s, on_response)
                : client.request("slow", 41, 10s, on_response);
    auto future = done.get_future();
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    const auto response = future.get();
    INFO(response.message);
    CHECK_FALSE(response.error);
    CHECK(response.data.as<int>() == 42);
    CHECK(ran == 1);
    CHECK(responses == 1);
    CHECK(trouble.entries().empty());
    CHECK(client.connected());
}

TEST_CASE("an event handler blocking past heartbeat_timeout on the pool keeps its link", "[offload]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    const bool on_server = GENERATE(true, false);
    INFO(test::name(transport) << (on_server ? ", server blocks" : ", client blocks"));
    test::TempDir dir;
    test::Log trouble;
    test::Log done;
    ipcxx::Server server{pooled(dir, "world")};
    ipcxx::Client client{pooled(dir, "hello")};
    watch_link(server, client, trouble);
    server.on("work", [&](const ipcxx::Payload&, ipcxx::Socket& from) {
        std::this_thread::sleep_for(blocked_for);
        from.emit("done");
    });
    client.on("work", [&](const ipcxx::Payload&) {
        std::this_thread::sleep_for(blocked_for);
        client.emit("done");
    });
    server.on("done", [&](const ipcxx::Payload&, ipcxx::Socket&) { done.add("done"); });
    client.on("done", [&](const ipcxx::Payload&) { done.add("done"); });
    connect_native(server, client, transport);

    const std::error_code sent = on_server ? client.emit("work") : server.sockets().at(0).emit("work");
    REQUIRE_FALSE(sent);
    REQUIRE(done.wait_for("done"));
    CHECK(done.count("done") == 1);
    CHECK(trouble.entries().empty());
    CHECK(client.connected());
}

TEST_CASE("the pool keeps each connection's events in order", "[offload]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    const bool to_server = GENERATE(true, false);
    INFO(test::name(transport) << (to_server ? ", to the server" : ", to the client"));
    constexpr int count = 200;
    test::TempDir dir;
    test::Log seen;
    ipcxx::Server server{pooled(dir, "world")};
    ipcxx::Client client{pooled(dir, "hello")};
    server.on("n", [&](const ipcxx::Payload& p, ipcxx::Socket&) { seen.add(std::to_string(p.as<int>())); });
    client.on("n", [&](const ipcxx::Payload& p) { seen.add(std::to_string(p.as<int>())); });
    connect_native(server, client, transport);

    const ipcxx::Socket to_client = server.sockets().at(0);
    for (int i = 0; i < count; ++i) {
        const std::error_code sent = to_server ? client.emit("n", i) : to_client.emit("n", i);
        REQUIRE_FALSE(sent);
    }
    REQUIRE(seen.wait_for_size(count));
    std::vector<std::string> expected;
    for (int i = 0; i < count; ++i) expected.push_back(std::to_string(i));
    CHECK(seen.entries() == expected);
}

TEST_CASE("the pool runs different connections' handlers in parallel", "[offload]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    std::mutex mutex;
    std::condition_variable cv;
    int entered = 0;
    ipcxx::Server server{pooled(dir, "world")};
    // Each handler waits (bounded) for the other one to have entered: only parallel handlers both see it.
    server.on("enter", [&](const ipcxx::Payload&, ipcxx::Socket&) {
        std::unique_lock<std::mutex> lock(mutex);
        ++entered;
        cv.notify_all();
        const bool both = cv.wait_for(lock, 10s, [&] { return entered == 2; });
        lock.unlock();
        log.add(both ? "both" : "alone");
    });
    test::serve(server, transport);
    ipcxx::Client first{pooled(dir, "first")};
    ipcxx::Client second{pooled(dir, "second")};
    test::connect(first, transport, server.port());
    test::connect(second, transport, server.port());
    REQUIRE(test::eventually([&] { return server.sockets().size() == 2; }));

    REQUIRE_FALSE(first.emit("enter"));
    REQUIRE_FALSE(second.emit("enter"));
    REQUIRE(log.wait_for_size(2, 15s));
    CHECK(log.count("both") == 2);
}

TEST_CASE("a Socket kept after its pooled server is destroyed is released safely", "[offload]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    std::optional<ipcxx::Socket> kept;
    {
        ipcxx::Server server{pooled(dir, "world")};
        ipcxx::Client client{pooled(dir, "hello")};
        connect_native(server, client, transport);
        kept = server.sockets().at(0);
    }
    // Its connection holds a lane on the server's handler pool: the lane's end must not touch a
    // pool that is gone (the sanitizers' trees see it).
    CHECK(kept->emit("late", 1));
    kept.reset();
}
