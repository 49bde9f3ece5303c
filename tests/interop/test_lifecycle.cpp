// Servers that die and come back, and max_connections, with node-ipc on the other side.
#include <functional>

#include "interop.hpp"

using namespace interop;

TEST_CASE("node-ipc clients reconnect to a restarted ipcxx server", "[interop]") {
    const std::string mode = GENERATE("stop", "destroy");
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(mode << " the server; node-ipc " << version << " over " << test::name(transport));
    test::TempDir dir;
    test::Log log;
    Inbox inbox;
    std::mutex mutex;
    ipcxx::Socket client_socket;
    auto make_server = [&] {
        auto server = std::make_unique<ipcxx::Server>(server_config_in(dir));
        server->on("connect", [&](ipcxx::Socket& s) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                client_socket = s;
            }
            log.add("connect");
        });
        server->on("*", [&](std::string_view event, const ipcxx::Payload& data, ipcxx::Socket&) {
            inbox.add(event, data);
        });
        server->on("error", [&](const ipcxx::ErrorEvent& e) { log.add("error " + e.message); });
        return server;
    };
    auto server = make_server();
    // Stop the server and drop our handle before the server goes, here and on every exit from
    // this scope, so that the node peer sees the close while the test still watches.
    auto stop_server = [&] {
        if (server) server->stop();
        std::lock_guard<std::mutex> lock(mutex);
        client_socket = ipcxx::Socket();
    };
    struct AtExit {
        std::function<void()> run;
        ~AtExit() { run(); }
    } at_exit{stop_server};
    const Address address = serve(*server, transport, dir);
    auto node = start_node_client(version, address);
    INFO(node->describe());
    REQUIRE(node->wait_line(ev_is("connect")));
    REQUIRE(log.wait_for("connect"));
    REQUIRE(node->send(emit_cmd("before", "1")));
    REQUIRE(inbox.wait_size(1));

    stop_server();
    if (mode == std::string("destroy")) server.reset();
    REQUIRE(node->wait_line(ev_is("disconnect")));
    // Serve again on the same path or port; the node-ipc client finds it on its next retry.
    if (!server) server = make_server();
    serve(*server, transport, dir, address.port);
    REQUIRE(node->wait_line(ev_is("connect")));
    REQUIRE(log.wait_for_count("connect", 2));

    REQUIRE(node->send(emit_cmd("after", "2")));
    REQUIRE(inbox.wait_size(2));
    {
        std::lock_guard<std::mutex> lock(mutex);
        REQUIRE_FALSE(client_socket.emit("hello", 3));
    }
    const auto hello = node->wait_line(message_is("hello"));
    REQUIRE(hello);
    CHECK(hello->text() == message_line("hello", "3"));
    const auto got = inbox.entries();
    CHECK(got[0].event == "before");
    CHECK(got[1].event == "after");
    CHECK(got[1].data.to_json() == "2");
    CHECK(log.entries() == std::vector<std::string>{"connect", "connect"});
}

TEST_CASE("an ipcxx client reconnects to a node-ipc server killed and started again", "[interop]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    test::TempDir dir;
    test::Log log;
    test::Log drops;  // one disconnect per failed attempt too, so kept apart from `log`
    Inbox inbox;
    auto node = start_node_server(version, transport, dir);
    ipcxx::Client client{test::config_in(dir, "client")};
    client.on("connect", [&] { log.add("connect"); });
    client.on("disconnect", [&] { drops.add("disconnect"); });
    client.on("*", [&](std::string_view event, const ipcxx::Payload& data) { inbox.add(event, data); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (!is_refused(e)) log.add("error " + e.message);
    });
    connect(client, node.address);
    REQUIRE(log.wait_for("connect"));
    REQUIRE(node.peer->wait_line(ev_is("connect")));
    REQUIRE_FALSE(client.emit("before", 1));
    REQUIRE(node.peer->wait_line(message_is("before")));

    node.peer->kill();
    REQUIRE(drops.wait_for("disconnect"));
    // ipcxx keeps what is emitted while disconnected and sends it on reconnect (node-ipc drops it).
    REQUIRE_FALSE(client.emit("queued", 2));

    auto again = start_node_server_at(version, node.address);
    INFO(again.peer->describe());
    REQUIRE(again.peer->wait_line(ev_is("connect")));
    REQUIRE(log.wait_for_count("connect", 2));
    const auto queued = again.peer->wait_line(message_is("queued"));
    REQUIRE(queued);
    CHECK(queued->text() == message_line("queued", "2", 1));

    REQUIRE(again.peer->send(emit_cmd("hello", "3")));
    REQUIRE(inbox.wait_size(1));
    CHECK(inbox.entries()[0].event == "hello");
    REQUIRE_FALSE(client.emit("after", 4));
    const auto after = again.peer->wait_line(message_is("after"));
    REQUIRE(after);
    CHECK(after->text() == message_line("after", "4", 1));
    CHECK(log.entries() == std::vector<std::string>{"connect", "connect"});
}

TEST_CASE("max_connections seen from a node-ipc client: it flaps and nothing it sends is processed",
          "[interop]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    test::TempDir dir;
    test::Log log;
    Inbox inbox;
    auto config = server_config_in(dir);
    config.max_connections = 1;
    ipcxx::Server server{config};
    server.on("connect", [&] { log.add("connect"); });
    server.on("socket.disconnected", [&] { log.add("gone"); });
    server.on("*", [&](std::string_view event, const ipcxx::Payload& data, ipcxx::Socket&) { inbox.add(event, data); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        log.add(e.code == ipcxx::errc::max_connections ? "refused" : "error " + e.message);
    });
    const Address address = serve(server, transport, dir);

    auto first = start_node_client(version, address);
    REQUIRE(first->wait_line(ev_is("connect")));
    REQUIRE(log.wait_for("connect"));

    auto second = start_node_client(version, address);
    INFO(first->describe() << "\n" << second->describe());
    // Each emit goes out on a connection that the kernel accepted and ipcxx then closed.
    for (int i = 0; i < 5; ++i) {
        REQUIRE(second->wait_line(ev_is("connect")));
        REQUIRE(second->send(emit_cmd("from-second", std::to_string(i))));
    }
    // Two more rounds, so no emit can still be waiting on an attempt in progress.
    REQUIRE(second->wait_line(ev_is("connect")));
    REQUIRE(second->wait_line(ev_is("connect")));
    REQUIRE(log.wait_for_count("refused", 7));

    // connect, disconnect, connect, disconnect, ...
    const auto flaps = second->lines([](const PeerLine& l) { return l.is("connect") || l.is("disconnect"); });
    REQUIRE(flaps.size() >= 13);
    for (std::size_t i = 0; i < 13; ++i) CHECK(flaps[i].ev() == (i % 2 == 0 ? "connect" : "disconnect"));

    // The first client is served all along.
    REQUIRE(first->send(emit_cmd("from-first", "1")));
    REQUIRE(inbox.wait_size(1));

    // Once it leaves, the second gets in and is served.
    REQUIRE(first->send("{\"cmd\":\"stop\"}"));
    REQUIRE(log.wait_for("gone"));
    REQUIRE(log.wait_for_count("connect", 2));
    REQUIRE(second->send(emit_cmd("late", "2")));
    REQUIRE(inbox.wait_size(2));
    CHECK(inbox.count("from-second") == 0);
    CHECK(inbox.entries()[1].event == "late");
    CHECK(log.count("connect") == 2);
    for (const auto& e : log.entries()) CHECK(e.rfind("error", 0) != 0);
}
