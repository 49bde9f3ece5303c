// Topics on an ipcxx server with node-ipc clients beside ipcxx ones: node-ipc says no hello, so it
// gets every broadcast, as node-ipc's own server would give it.
#include <atomic>

#include "interop.hpp"

using namespace interop;

TEST_CASE("topics: a node-ipc client gets every broadcast, a subscribed ipcxx client only its topics", "[interop]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc 14 over " << test::name(transport));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{server_config_in(dir)};
    server.on("connect", [&] { log.add("connect"); });
    const Address address = serve(server, transport, dir);

    auto node = start_node_client("14", address);
    REQUIRE(node->wait_line(ev_is("connect")));
    auto config = server_config_in(dir, "subscriber");
    config.topics = {"ticks."};
    ipcxx::Client client{config};
    client.on("*", [&](std::string_view event, const ipcxx::Payload&) { log.add("ipcxx got " + std::string(event)); });
    connect(client, address);
    REQUIRE(log.wait_for_count("connect", 2));
    REQUIRE(test::eventually([&] { return client.native(); }));

    const auto news = server.broadcast("news", 1);
    REQUIRE_FALSE(news);
    CHECK(news.queued == 1);  // the node-ipc client only
    REQUIRE_FALSE(server.broadcast("ticks.a", 2));
    REQUIRE_FALSE(server.broadcast("ticks.end", 3));
    REQUIRE(node->wait_line(message_is("ticks.end")));
    CHECK(node->count(message_is("news")) == 1);
    CHECK(node->count(message_is("ticks.a")) == 1);
    REQUIRE(log.wait_for("ipcxx got ticks.end"));
    CHECK(log.count("ipcxx got ticks.a") == 1);
    CHECK(log.count("ipcxx got news") == 0);
}
