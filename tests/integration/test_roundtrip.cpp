// Named events between a server and clients over Unix sockets and TCP.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <vector>

#include "support/fixtures.hpp"
#include "support/pair.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

struct Point {
    int x = 0;
    std::string label;
    std::vector<double> weights;
    MSGPACK_DEFINE_MAP(x, label, weights);
};

}  // namespace

TEST_CASE("hello world round trip", "[roundtrip]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;

    ipcxx::Server server{test::config_in(dir)};
    server.on("message", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        server.emit(from, "message", data.as<std::string>() + " world!");
    });
    server.on("connect", [&](ipcxx::Socket&) { log.add("server connect"); });
    test::serve(server, transport);

    ipcxx::Client hello{test::config_in(dir, "hello")};
    hello.on("connect", [&] {
        log.add("connect");
        hello.emit("message", "hello");
    });
    hello.on("message", [&](const ipcxx::Payload& data) { log.add(data.as<std::string>()); });
    test::connect(hello, transport, server.port());

    REQUIRE(log.wait_for("hello world!"));
    CHECK(log.count("connect") == 1);
    CHECK(log.count("server connect") == 1);
}

TEST_CASE("every payload kind survives the JSON wire", "[roundtrip]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    std::mutex mutex;
    std::map<std::string, ipcxx::Payload> received;

    ipcxx::Server server{test::config_in(dir)};
    server.on("*", [&](std::string_view event, const ipcxx::Payload& data, ipcxx::Socket& from) {
        from.emit(std::string(event), data);  // echo
    });
    test::serve(server, transport);

    ipcxx::Client client{test::config_in(dir, "hello")};
    client.on("*", [&](std::string_view event, const ipcxx::Payload& data) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            received[std::string(event)] = data;
        }
        log.add(std::string(event));
    });
    test::connect(client, transport, server.port());

    const std::string unicode = "caf\xC3\xA9 \xF0\x9F\x8C\x8D \xE2\x80\xA8 \"quoted\" \\ \f\n\t\x01";
    const std::vector<int> numbers{1, -2, 3};
    const std::map<std::string, int> object{{"a", 1}, {"b", 2}};
    const Point point{7, "seven", {0.5, -1.25e-7, 1e21}};
    const std::vector<char> binary{0, 1, 2, static_cast<char>(255)};
    REQUIRE_FALSE(client.emit("string", unicode));
    REQUIRE_FALSE(client.emit("int", -42));
    REQUIRE_FALSE(client.emit("uint64", std::uint64_t{18446744073709551615ull}));
    REQUIRE_FALSE(client.emit("double", 3.14159));
    REQUIRE_FALSE(client.emit("true", true));
    REQUIRE_FALSE(client.emit("nil", msgpack::type::nil_t()));
    REQUIRE_FALSE(client.emit("array", numbers));
    REQUIRE_FALSE(client.emit("object", object));
    REQUIRE_FALSE(client.emit("struct", point));
    REQUIRE_FALSE(client.emit("binary", binary));
    REQUIRE_FALSE(client.emit("empty-string", std::string()));
    REQUIRE_FALSE(client.emit("no-data"));
    REQUIRE(log.wait_for_size(12));

    std::lock_guard<std::mutex> lock(mutex);
    CHECK(received["string"].as<std::string>() == unicode);
    CHECK(received["int"].as<int>() == -42);
    CHECK(received["uint64"].as<std::uint64_t>() == 18446744073709551615ull);
    CHECK(received["double"].as<double>() == 3.14159);
    CHECK(received["true"].as<bool>());
    CHECK(received["nil"].is_nil());
    CHECK(received["array"].as<std::vector<int>>() == numbers);
    CHECK((received["object"].as<std::map<std::string, int>>() == object));
    const auto echoed = received["struct"].as<Point>();
    CHECK(echoed.x == 7);
    CHECK(echoed.label == "seven");
    CHECK(echoed.weights == point.weights);
    // The JSON wire carries bytes as node-ipc's JSON form of a Buffer.
    CHECK(received["binary"].to_json() == R"({"type":"Buffer","data":[0,1,2,255]})");
    CHECK(received["empty-string"].as<std::string>().empty());
    // node-ipc 14 sends {} for an emit without data.
    CHECK(received["no-data"].to_json() == "{}");
}

TEST_CASE("broadcast reaches every client exactly once", "[roundtrip]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    constexpr int clients_count = 20;

    ipcxx::Server server{test::config_in(dir)};
    server.on("connect", [&](ipcxx::Socket&) { log.add("accepted"); });
    test::serve(server, transport);

    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    for (int i = 0; i < clients_count; ++i) {
        auto client = std::make_unique<ipcxx::Client>(test::config_in(dir, "c" + std::to_string(i)));
        client->on("news", [&log, i](const ipcxx::Payload& data) {
            log.add("client " + std::to_string(i) + " got " + data.as<std::string>());
        });
        test::connect(*client, transport, server.port());
        clients.push_back(std::move(client));
    }
    REQUIRE(log.wait_for_count("accepted", clients_count));
    REQUIRE(test::eventually([&] { return server.sockets().size() == clients_count; }));
    REQUIRE_FALSE(server.broadcast("news", "flash"));
    REQUIRE(log.wait_for_size(clients_count * 2));
    for (int i = 0; i < clients_count; ++i) {
        CHECK(log.count("client " + std::to_string(i) + " got flash") == 1);
    }
}

TEST_CASE("messages from one connection arrive complete and in order", "[roundtrip]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    constexpr int total = 10000;
    std::atomic<int> next{0};
    std::atomic<int> out_of_order{0};
    test::Log log;

    ipcxx::Server server{test::config_in(dir)};
    server.on<int>("seq", [&](int n) {
        if (n != next.load()) ++out_of_order;
        if (++next == total) log.add("done");
    });
    test::serve(server, transport);

    ipcxx::Client client{test::config_in(dir, "hello")};
    test::connect(client, transport, server.port());
    for (int i = 0; i < total; ++i) REQUIRE_FALSE(client.emit("seq", i));
    REQUIRE(log.wait_for("done"));
    CHECK(out_of_order == 0);
}

TEST_CASE("a large message crosses intact", "[roundtrip]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    std::string big(1 << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);

    ipcxx::Server server{test::config_in(dir)};
    server.on("big", [&](const ipcxx::Payload& data) { log.add(data.as<std::string>() == big ? "same" : "different"); });
    test::serve(server, transport);
    ipcxx::Client client{test::config_in(dir, "hello")};
    test::connect(client, transport, server.port());
    REQUIRE_FALSE(client.emit("big", big));
    REQUIRE(log.wait_for_size(1));
    CHECK(log.entries() == std::vector<std::string>{"same"});
}

TEST_CASE("IPv6 loopback works", "[roundtrip][tcp]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("ping", [&](const ipcxx::Payload&, ipcxx::Socket& from) { from.emit("pong", 1); });
    std::error_code ec;
    server.serve_net("::1", 0, ec);
    if (ec) {
        WARN("no IPv6 loopback here: " << ec.message());
        return;
    }
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.on("pong", [&] { log.add("pong"); });
    client.connect_to_net("world", "::1", server.port());
    REQUIRE_FALSE(client.emit("ping"));
    CHECK(log.wait_for("pong"));
}
