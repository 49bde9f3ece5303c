// Request/response on both wires and in both directions: results, errors, deadlines,
// cancellation, and what happens to requests when connections drop.
#include <catch2/catch.hpp>

#include <future>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/silent_listener.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

struct AddArgs {
    int a = 0;
    int b = 0;
    MSGPACK_DEFINE_MAP(a, b);
};

void serve_calculator(ipcxx::Server& server) {
    server.handle<AddArgs>("add", [](AddArgs args) { return args.a + args.b; });
    server.handle("fail", [](const ipcxx::Payload&) { return ipcxx::Reply::error("out_of_range", "too big"); });
    server.handle("throw", [](const ipcxx::Payload&) -> int { throw std::runtime_error("broken"); });
    server.handle("who", [](const ipcxx::Payload&, ipcxx::Socket& from) { return from.id(); });
    server.handle("nothing", [](const ipcxx::Payload&) {});
}

}  // namespace

TEST_CASE("requests get results and errors on both wires", "[requests]") {
    const auto wire = GENERATE(ipcxx::Wire::automatic, ipcxx::Wire::json);
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO((wire == ipcxx::Wire::json ? "json" : "native") << " over " << test::name(transport));
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    serve_calculator(server);
    test::serve(server, transport);
    auto config = test::config_in(dir, "hello");
    config.wire = wire;
    ipcxx::Client client{config};
    test::connect(client, transport, server.port());

    CHECK(client.request("add", AddArgs{2, 3}, 5s).get().as<int>() == 5);
    CHECK(client.request("who", 0, 5s).get().as<std::string>() == (wire == ipcxx::Wire::json ? "" : "hello"));
    CHECK(client.request("nothing", 0, 5s).get().is_nil());

    auto expect_error = [&](const char* event, ipcxx::errc code, const std::string& remote_code,
                            const std::string& message_part) {
        std::promise<ipcxx::Response> done;
        client.request(event, AddArgs{}, 5s, [&](const ipcxx::Response& r) { done.set_value(r); });
        auto future = done.get_future();
        REQUIRE(future.wait_for(10s) == std::future_status::ready);
        const auto response = future.get();
        INFO(event << ": " << response.message);
        CHECK(response.error == code);
        CHECK(response.remote_code == remote_code);
        CHECK(response.message.find(message_part) != std::string::npos);
    };
    expect_error("fail", ipcxx::errc::remote_error, "out_of_range", "too big");
    expect_error("throw", ipcxx::errc::remote_error, "handler_exception", "broken");
    expect_error("missing", ipcxx::errc::no_handler, "no_handler", "missing");
    // A future's get() throws the error.
    CHECK_THROWS_AS(client.request("add", "not a map", 5s).get(), ipcxx::Error);
}

TEST_CASE("the server requests from a client", "[requests]") {
    const auto wire = GENERATE(ipcxx::Wire::automatic, ipcxx::Wire::json);
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("connect", [&](ipcxx::Socket&) { log.add("connect"); });
    server.serve();
    auto config = test::config_in(dir, "hello");
    config.wire = wire;
    ipcxx::Client client{config};
    client.handle<int>("double", [](int n) { return 2 * n; });
    client.connect_to("world");
    REQUIRE(log.wait_for("connect"));
    REQUIRE(test::eventually([&] { return server.sockets().size() == 1; }));
    CHECK(server.request(server.sockets()[0], "double", 21, 5s).get().as<int>() == 42);
    CHECK_THROWS_AS(client.handle("bad", [](const ipcxx::Payload&, ipcxx::Socket&) { return 1; }), ipcxx::Error);
}

TEST_CASE("a request without an answer times out; cancel ends it at once", "[requests]") {
    test::TempDir dir;
    test::SilentListener silent;
    auto config = test::config_in(dir, "hello");
    config.disconnect_timeout = 100ms;  // the listener never closes: the destructor waits this long for it
    ipcxx::Client client{config};
    client.connect_to_net("silent", "127.0.0.1", silent.port());

    const auto started = std::chrono::steady_clock::now();
    auto timed_out = client.request("slow", 1, 150ms);
    REQUIRE(timed_out.wait_for(10s) == std::future_status::ready);
    try {
        timed_out.get();
        FAIL("expected a timeout");
    } catch (const ipcxx::Error& e) {
        CHECK(e.code() == ipcxx::errc::request_timeout);
    }
    CHECK(std::chrono::steady_clock::now() - started >= 150ms);

    std::promise<ipcxx::Response> done;
    const auto id = client.request("slow", 1, 60s, [&](const ipcxx::Response& r) { done.set_value(r); });
    client.cancel(id);
    auto future = done.get_future();
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    CHECK(future.get().error == ipcxx::errc::request_cancelled);
}

TEST_CASE("a request made while disconnected waits for the connection under its deadline", "[requests]") {
    test::TempDir dir;
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.connect_to("world");  // not there yet
    auto answer = client.request("add", AddArgs{20, 22}, 10s);
    auto expires = client.request("add", AddArgs{1, 1}, 50ms);
    REQUIRE(expires.wait_for(10s) == std::future_status::ready);
    CHECK_THROWS_AS(expires.get(), ipcxx::Error);

    ipcxx::Server server{test::config_in(dir)};
    serve_calculator(server);
    server.serve();
    REQUIRE(answer.wait_for(10s) == std::future_status::ready);
    CHECK(answer.get().as<int>() == 42);
}

TEST_CASE("a request written before its connection dropped fails with connection_lost", "[requests]") {
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    server.handle("drop", [&](const ipcxx::Payload&, ipcxx::Socket& from) {
        from.disconnect();
        return 1;
    });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.connect_to("world");
    auto dropped = client.request("drop", 0, 10s);
    REQUIRE(dropped.wait_for(10s) == std::future_status::ready);
    try {
        dropped.get();
        FAIL("expected connection_lost");
    } catch (const ipcxx::Error& e) {
        CHECK(e.code() == ipcxx::errc::connection_lost);
    }
}

TEST_CASE("requests outstanding when the client is destroyed end with an error", "[requests]") {
    test::TempDir dir;
    std::future<ipcxx::Payload> pending;
    {
        ipcxx::Client client{test::config_in(dir, "hello")};
        client.connect_to("nobody");
        pending = client.request("add", AddArgs{}, 60s);
    }
    REQUIRE(pending.wait_for(10s) == std::future_status::ready);
    CHECK_THROWS_AS(pending.get(), ipcxx::Error);
}
