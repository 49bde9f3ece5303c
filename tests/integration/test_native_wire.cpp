// The native wire between ipcxx peers: negotiation in every pairing of wire settings, binary data,
// addressing clients by id, and falling back to JSON across reconnects.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/silent_listener.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

const char* name(ipcxx::Wire w) {
    return w == ipcxx::Wire::json ? "json" : w == ipcxx::Wire::native ? "native" : "automatic";
}


// Connects `client` to a server in `dir` on the native wire, then stops that server and waits
// until the client has seen the disconnect: what it emits next is queued, encoded for the native wire.
void lose_native_server(test::TempDir& dir, ipcxx::Client& client) {
    auto log = std::make_shared<test::Log>();  // the handlers may outlive this call
    auto server = std::make_unique<ipcxx::Server>(test::config_in(dir));
    server->serve();
    client.on("connect", [log] { log->add("connect"); });
    client.on("disconnect", [log] { log->add("disconnect"); });
    client.connect_to("world");
    REQUIRE(log->wait_for("connect"));
    REQUIRE(test::eventually([&] { return client.native(); }));
    server.reset();
    REQUIRE(log->wait_for("disconnect"));
}
}  // namespace

TEST_CASE("negotiation in every pairing of wire settings", "[native]") {
    const auto client_wire = GENERATE(ipcxx::Wire::automatic, ipcxx::Wire::json, ipcxx::Wire::native);
    const auto server_wire = GENERATE(ipcxx::Wire::automatic, ipcxx::Wire::json, ipcxx::Wire::native);
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("client " << name(client_wire) << ", server " << name(server_wire) << ", " << test::name(transport));
    test::TempDir dir;
    test::Log log;

    auto server_config = test::config_in(dir);
    server_config.wire = server_wire;
    ipcxx::Server server{server_config};
    server.on("ping", [](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("pong", data); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::native_wire_refused) log.add("server refused");
    });
    test::serve(server, transport);

    auto client_config = test::config_in(dir, "hello");
    client_config.wire = client_wire;
    client_config.handshake_timeout = 500ms;
    ipcxx::Client client{client_config};
    client.on("pong", [&](const ipcxx::Payload& data) { log.add("pong " + data.to_json()); });
    client.on("destroy", [&] { log.add("destroy"); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::native_wire_refused) log.add("client refused");
    });
    // Queued before the first connection: emitted after connect_to, it could find the client
    // already given up (a native client refused by a JSON server) on a loaded machine.
    REQUIRE_FALSE(client.emit("ping", 1));
    test::connect(client, transport, server.port());

    const bool json_only = client_wire == ipcxx::Wire::json || server_wire == ipcxx::Wire::json;
    if (json_only && client_wire == ipcxx::Wire::native) {
        CHECK(log.wait_for("client refused"));  // the server answered, but with JSON
        CHECK(log.wait_for("destroy"));
        return;
    }
    if (json_only && server_wire == ipcxx::Wire::native) {
        CHECK(log.wait_for("server refused"));  // the client never said hello
        return;
    }
    REQUIRE(log.wait_for("pong 1"));
    const bool native = !json_only;
    CHECK(test::eventually([&] { return client.native() == native; }));
    const auto sockets = server.sockets();
    REQUIRE(sockets.size() == 1);
    CHECK(sockets[0].native() == native);
    CHECK(sockets[0].id() == (client_wire == ipcxx::Wire::json ? "" : "hello"));
    // Traffic goes on after the switch.
    REQUIRE_FALSE(client.emit("ping", "after"));
    CHECK(log.wait_for("pong \"after\""));
}

TEST_CASE("binary data travels as msgpack bin on the native wire", "[native]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("blob", [](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("blob", data); });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    std::vector<char> received;
    client.on("blob", [&](const ipcxx::Payload& data) {
        received = data.as<std::vector<char>>();
        log.add(data.object().type == msgpack::type::BIN ? "bin" : "other");
    });
    client.on("connect", [&] { log.add("connect"); });
    client.connect_to("world");
    REQUIRE(log.wait_for("connect"));
    REQUIRE(test::eventually([&] { return client.native(); }));
    std::vector<char> blob(70000);
    for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>(i * 7);
    REQUIRE_FALSE(client.emit("blob", blob));
    REQUIRE(log.wait_for("bin"));
    CHECK(received == blob);
}

TEST_CASE("the server addresses ipcxx clients by id", "[native]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("connect", [&](ipcxx::Socket&) { log.add("accepted"); });
    server.serve();
    ipcxx::Client alice{test::config_in(dir, "alice")};
    ipcxx::Client bob{test::config_in(dir, "bob")};
    alice.on("note", [&](const ipcxx::Payload& d) { log.add("alice " + d.as<std::string>()); });
    bob.on("note", [&](const ipcxx::Payload& d) { log.add("bob " + d.as<std::string>()); });
    alice.connect_to("world");
    bob.connect_to("world");
    REQUIRE(test::eventually([&] {
        int named = 0;
        for (const auto& s : server.sockets()) named += !s.id().empty();
        return named == 2;
    }));
    REQUIRE_FALSE(server.emit_to("bob", "note", "for bob"));
    REQUIRE(log.wait_for("bob for bob"));
    CHECK(log.count("alice for bob") == 0);
    CHECK(server.emit_to("carol", "note", "nobody") == ipcxx::errc::not_connected);
}

TEST_CASE("a native client facing a peer that never answers fails with handshake_timeout", "[native]") {
    test::TempDir dir;
    test::Log log;
    test::SilentListener silent;
    REQUIRE(silent.port() != 0);
    auto config = test::config_in(dir, "hello");
    config.wire = ipcxx::Wire::native;
    config.handshake_timeout = 200ms;
    ipcxx::Client client{config};
    client.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::handshake_timeout) log.add("timeout");
    });
    client.on("destroy", [&] { log.add("destroy"); });
    REQUIRE_FALSE(client.emit("held", 1));  // never sent to a peer that is not ipcxx
    client.connect_to_net("silent", "127.0.0.1", silent.port());
    REQUIRE(log.wait_for("timeout"));
    REQUIRE(log.wait_for("destroy"));
}

TEST_CASE("messages queued on a native connection reach a JSON-only server after a reconnect", "[native]") {
    test::TempDir dir;
    ipcxx::Client client{test::config_in(dir, "hello")};
    lose_native_server(dir, client);
    for (int i = 0; i < 20; ++i) REQUIRE_FALSE(client.emit("n", i));  // encoded for the native wire

    auto json_config = test::config_in(dir);
    json_config.wire = ipcxx::Wire::json;
    test::Log server_log;
    ipcxx::Server json_server{json_config};
    json_server.on<int>("n", [&](int n) { server_log.add(std::to_string(n)); });
    json_server.serve();
    REQUIRE(server_log.wait_for_size(20));
    const auto entries = server_log.entries();
    for (int i = 0; i < 20; ++i) CHECK(entries[i] == std::to_string(i));
    CHECK_FALSE(client.native());
}

namespace {

// Message i of a mixed stream: every third one large enough to be queued by reference.
std::string mixed_message(int i) {
    if (i % 3 != 0) return std::to_string(i);
    std::string large(200 * 1024 + static_cast<std::size_t>(i), static_cast<char>('a' + i % 26));
    large[static_cast<std::size_t>(i)] = '#';
    return large;
}

// Logs message [i, text] of a mixed stream as i, or as corrupt; returns it.
std::tuple<int, std::string> record_mixed(test::Log& log, const ipcxx::Payload& data) {
    auto message = data.as<std::tuple<int, std::string>>();
    const auto& [i, text] = message;
    log.add(text == mixed_message(i) ? std::to_string(i) : "corrupt " + std::to_string(i));
    return message;
}

}  // namespace

TEST_CASE("large and small messages interleaved cross intact and in order, both ways", "[native]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    constexpr int total = 60;
    test::TempDir dir;
    test::Log server_log;
    test::Log client_log;

    ipcxx::Server server{test::config_in(dir)};
    server.on("m", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        const auto [i, text] = record_mixed(server_log, data);
        from.emit("echo", std::make_tuple(i, text));  // from the handler: the server's I/O thread packs
    });
    test::serve(server, transport);

    ipcxx::Client client{test::config_in(dir, "hello")};
    client.on("echo", [&](const ipcxx::Payload& data) {
        record_mixed(client_log, data);
    });
    test::connect(client, transport, server.port());
    REQUIRE(test::eventually([&] { return client.native(); }));
    for (int i = 0; i < total; ++i) REQUIRE_FALSE(client.emit("m", std::make_tuple(i, mixed_message(i))));

    REQUIRE(server_log.wait_for_size(total));
    REQUIRE(client_log.wait_for_size(total));
    for (int i = 0; i < total; ++i) {
        CHECK(server_log.entries()[i] == std::to_string(i));
        CHECK(client_log.entries()[i] == std::to_string(i));
    }
}

TEST_CASE("large messages queued for the native wire reach a JSON-only server intact", "[native]") {
    test::TempDir dir;
    ipcxx::Client client{test::config_in(dir, "hello")};
    lose_native_server(dir, client);
    constexpr int total = 9;
    for (int i = 0; i < total; ++i) REQUIRE_FALSE(client.emit("m", std::make_tuple(i, mixed_message(i))));

    auto json_config = test::config_in(dir);
    json_config.wire = ipcxx::Wire::json;
    test::Log server_log;
    ipcxx::Server json_server{json_config};
    json_server.on("m", [&](const ipcxx::Payload& data) {
        const auto [i, text] = record_mixed(server_log, data);
    });
    json_server.serve();
    REQUIRE(server_log.wait_for_size(total));
    for (int i = 0; i < total; ++i) CHECK(server_log.entries()[i] == std::to_string(i));
}

TEST_CASE("SharedBytes cross intact both ways and are queued without a copy", "[native]") {
    test::TempDir dir;
    ipcxx::Client client{test::config_in(dir, "hello")};
    lose_native_server(dir, client);  // what the client emits now waits, encoded for the native wire
    constexpr int total = 12;
    std::vector<std::shared_ptr<const std::string>> bodies;
    auto emit = [&](int i) {
        bodies.push_back(std::make_shared<const std::string>(mixed_message(i)));
        const ipcxx::SharedBytes body(bodies.back(), ipcxx::SharedBytes::Kind::text);
        REQUIRE_FALSE(client.emit("m", std::make_tuple(i, body)));
    };
    for (int i = 0; i < total / 2; ++i) emit(i);
    CHECK(bodies[0].use_count() == 2);  // large: the queue holds the body itself, not a copy
    CHECK(bodies[3].use_count() == 2);
    CHECK(bodies[1].use_count() == 1);  // small: copied

    test::Log server_log;
    test::Log client_log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("m", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        const auto [i, text] = record_mixed(server_log, data);
        // From the handler: last in the message, by reference; first, copied.
        const ipcxx::SharedBytes echo(std::string(text), ipcxx::SharedBytes::Kind::text);
        from.emit("echo", std::make_tuple(i, echo));
        from.emit("first", std::make_tuple(echo, i));
    });
    client.on("echo", [&](const ipcxx::Payload& data) {
        record_mixed(client_log, data);
    });
    client.on("first", [&](const ipcxx::Payload& data) {
        const auto [text, i] = data.as<std::tuple<std::string, int>>();
        client_log.add(text == mixed_message(i) ? "first " + std::to_string(i) : "corrupt first");
    });
    server.serve();
    REQUIRE(test::eventually([&] { return client.connected() && client.native(); }));
    for (int i = total / 2; i < total; ++i) emit(i);

    REQUIRE(server_log.wait_for_size(total));
    REQUIRE(client_log.wait_for_size(2 * total));
    const auto received = client_log.entries();
    for (int i = 0; i < total; ++i) {
        CHECK(server_log.entries()[i] == std::to_string(i));
        CHECK(std::count(received.begin(), received.end(), std::to_string(i)) == 1);
        CHECK(std::count(received.begin(), received.end(), "first " + std::to_string(i)) == 1);
    }
    REQUIRE(test::eventually([&] { return bodies[0].use_count() == 1; }));  // released once written
}

TEST_CASE("a SharedBytes owner released once written may emit from its deleter", "[native]") {
    // Each large body's release (on the I/O thread, as its write completes) emits the next one: an
    // application refilling a pool of buffers. Nothing deadlocks and every message arrives in order.
    test::TempDir dir;
    test::Log server_log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("m", [&](const ipcxx::Payload& data) { record_mixed(server_log, data); });
    server.serve();
    constexpr int total = 6;
    std::atomic<bool> chaining{true};
    std::function<void(int)> emit_from;  // outlives the client, whose destructor may release owners
    ipcxx::Client client{test::config_in(dir, "hello")};
    struct StopChain {
        std::atomic<bool>& chaining;
        ~StopChain() { chaining = false; }
    } stop_chain{chaining};  // before the client goes, on success or failure
    client.connect_to("world");
    REQUIRE(test::eventually([&] { return client.connected() && client.native(); }));

    emit_from = [&](int i) {
        auto body = std::make_shared<const std::string>(mixed_message(3 * i));  // each one large
        const std::string_view bytes(*body);
        std::shared_ptr<const void> owner(body.get(), [&emit_from, &chaining, body, i](const void*) {
            if (chaining && i + 1 < total) emit_from(i + 1);
        });
        CHECK_FALSE(client.emit("m", std::make_tuple(3 * i, ipcxx::SharedBytes(std::move(owner), bytes,
                                                                                ipcxx::SharedBytes::Kind::text))));
    };
    test::Watchdog watchdog(std::chrono::seconds(20), "emits from SharedBytes deleters");
    emit_from(0);
    REQUIRE(server_log.wait_for_size(total));
    for (int i = 0; i < total; ++i) CHECK(server_log.entries()[i] == std::to_string(3 * i));
}

TEST_CASE("SharedBytes on the JSON wire are sent as their bytes", "[native]") {
    test::TempDir dir;
    test::Log log;
    auto server_config = test::config_in(dir);
    server_config.wire = ipcxx::Wire::json;
    ipcxx::Server server{server_config};
    server.on("m", [&](const ipcxx::Payload& data) {
        const auto [i, text] = data.as<std::tuple<int, std::string>>();
        log.add(text == mixed_message(i) ? std::to_string(i) : "corrupt");
    });
    server.serve();
    auto client_config = test::config_in(dir, "hello");
    client_config.wire = ipcxx::Wire::json;
    ipcxx::Client client{client_config};
    client.connect_to("world");
    REQUIRE_FALSE(client.emit("m", std::make_tuple(0, ipcxx::SharedBytes(mixed_message(0), ipcxx::SharedBytes::Kind::text))));
    REQUIRE(log.wait_for_size(1));
    CHECK(log.entries() == std::vector<std::string>{"0"});
}
