// Topics: clients that subscribed to event names or prefixes get only those broadcasts; clients
// that never subscribed, and JSON-wire clients (no hello), get all of them.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "support/fixtures.hpp"
#include "support/raw_peer.hpp"

using namespace std::chrono_literals;

namespace topics_test {

// A client that logs every message it gets as "<name> got <event>".
std::unique_ptr<ipcxx::Client> client_of(test::TempDir& dir, test::Log& log, const std::string& name,
                                         void (*adjust)(ipcxx::Config&) = nullptr) {
    auto config = test::config_in(dir, name);
    if (adjust) adjust(config);
    auto client = std::make_unique<ipcxx::Client>(config);
    client->on("*", [&log, name](std::string_view event, const ipcxx::Payload&) {
        log.add(name + " got " + std::string(event));
    });
    client->connect_to("world");
    return client;
}

}  // namespace topics_test

using topics_test::client_of;

TEST_CASE("topics: each client gets the broadcasts of its topics, unsubscribed and JSON-wire clients get all",
          "[topics]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("connect", [&](ipcxx::Socket& s) { log.add("connect " + s.id()); });
    server.on("synced", [&](const ipcxx::Payload&, ipcxx::Socket& s) { log.add("synced " + s.id()); });
    server.serve();
    auto all = client_of(dir, log, "all");
    auto ticks = client_of(dir, log, "ticks", [](ipcxx::Config& c) { c.topics = {"ticks."}; });
    auto late = client_of(dir, log, "late");
    auto json = client_of(dir, log, "json", [](ipcxx::Config& c) {
        c.wire = ipcxx::Wire::json;
        c.topics = {"ticks."};  // no hello on this wire: the server never hears of them
    });
    REQUIRE(test::eventually([&] { return all->native() && ticks->native() && late->native(); }));
    REQUIRE(test::eventually([&] { return server.sockets().size() == 4; }));
    // Subscribed after connecting: the server knows once the message that follows has arrived.
    REQUIRE_FALSE(late->subscribe("news"));
    REQUIRE_FALSE(late->emit("synced", 1));
    REQUIRE(log.wait_for("synced late"));
    CHECK(late->topics() == std::vector<std::string>{"news"});

    const auto news = server.broadcast("news", 1);
    REQUIRE_FALSE(news);
    CHECK(news.queued == 3);  // all, late, json
    const auto tick = server.broadcast("ticks.a", 2);
    REQUIRE_FALSE(tick);
    CHECK(tick.queued == 3);  // all, ticks, json
    CHECK(server.broadcast("other", 3).queued == 2);  // all, json
    REQUIRE_FALSE(server.broadcast("ticks.end", 4));
    REQUIRE_FALSE(server.broadcast("news.end", 5));

    for (const char* name : {"all", "json"}) {
        const std::string who(name);
        REQUIRE(log.wait_for(who + " got news.end"));
        CHECK(log.wait_for(who + " got ticks.end"));
        for (const char* event : {"news", "ticks.a", "other"}) CHECK(log.count(who + " got " + event) == 1);
    }
    REQUIRE(log.wait_for("ticks got ticks.end"));
    CHECK(log.count("ticks got ticks.a") == 1);
    CHECK(log.count("ticks got news") == 0);
    CHECK(log.count("ticks got other") == 0);
    CHECK(log.count("ticks got news.end") == 0);
    REQUIRE(log.wait_for("late got news.end"));
    CHECK(log.count("late got news") == 1);
    CHECK(log.count("late got ticks.a") == 0);
    CHECK(log.count("late got other") == 0);
    CHECK(log.count("late got ticks.end") == 0);

    // Topics never filter an emit to one client.
    for (const auto& s : server.sockets()) {
        if (s.id() == "ticks") REQUIRE_FALSE(s.emit("direct", 6));
    }
    CHECK(log.wait_for("ticks got direct"));
}

TEST_CASE("topics: unsubscribing from everything stops broadcasts, the empty prefix brings them all back",
          "[topics]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("synced", [&](const ipcxx::Payload& p, ipcxx::Socket&) { log.add("synced " + p.to_json()); });
    server.serve();
    auto client = client_of(dir, log, "c", [](ipcxx::Config& c) { c.topics = {"a."}; });
    REQUIRE(test::eventually([&] { return client->native() && server.sockets().size() == 1; }));
    CHECK(server.broadcast("a.1", 1).queued == 1);
    REQUIRE_FALSE(client->unsubscribe("a."));
    REQUIRE_FALSE(client->emit("synced", 1));
    REQUIRE(log.wait_for("synced 1"));
    CHECK(client->topics().empty());
    CHECK(server.broadcast("a.2", 2).queued == 0);
    CHECK(server.broadcast("b", 3).queued == 0);
    REQUIRE_FALSE(client->subscribe(""));
    REQUIRE_FALSE(client->emit("synced", 2));
    REQUIRE(log.wait_for("synced 2"));
    CHECK(server.broadcast("b", 4).queued == 1);
    REQUIRE(log.wait_for("c got b"));
    CHECK(log.count("c got a.1") == 1);
    CHECK(log.count("c got a.2") == 0);
}

TEST_CASE("topics: a malformed ipcxx.topics closes the connection with invalid_message", "[topics]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::invalid_message) log.add("invalid_message");
    });
    server.serve();
    auto peer = test::RawPeer::unix_socket(server.path());
    REQUIRE(peer.connected());
    REQUIRE(peer.send(R"({"type":"ipcxx.topics","data":{"topics":5}})" "\f"));
    bool closed = false;
    peer.read_until_closed(10s, &closed);
    CHECK(closed);
    CHECK(log.wait_for("invalid_message"));
}
