// node-ipc's reconnect rules, and the queue that keeps what is emitted while disconnected.
#include <catch2/catch.hpp>

#include <atomic>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/silent_listener.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

void record_lifecycle(ipcxx::Client& client, test::Log& log) {
    client.on("connect", [&log] { log.add("connect"); });
    client.on("disconnect", [&log] { log.add("disconnect"); });
    client.on("destroy", [&log] { log.add("destroy"); });
    client.on("error", [&log](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::undelivered) log.add("undelivered " + std::to_string(e.undelivered));
    });
}

}  // namespace

TEST_CASE("a client reconnects when its server comes back", "[reconnect]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    test::Log server_log;

    ipcxx::Server server{test::config_in(dir)};
    server.on("msg", [&](const ipcxx::Payload& data) { server_log.add(data.as<std::string>()); });
    test::serve(server, transport);
    const std::uint16_t port = server.port();

    ipcxx::Client client{test::config_in(dir, "hello")};
    record_lifecycle(client, log);
    test::connect(client, transport, port);
    REQUIRE(log.wait_for("connect"));
    REQUIRE_FALSE(client.emit("msg", "before"));
    REQUIRE(server_log.wait_for("before"));

    server.stop();
    REQUIRE(log.wait_for_count("disconnect", 3));  // the close, then failed attempts
    CHECK(log.count("connect") == 1);
    REQUIRE_FALSE(client.emit("msg", "during"));  // queued while down

    test::serve(server, transport, port);
    REQUIRE(log.wait_for_count("connect", 2));
    REQUIRE(server_log.wait_for("during"));
    REQUIRE_FALSE(client.emit("msg", "after"));
    REQUIRE(server_log.wait_for("after"));
    CHECK(server_log.entries() == std::vector<std::string>{"before", "during", "after"});
    CHECK(log.count("destroy") == 0);
}

TEST_CASE("a client started before its server connects when it appears", "[reconnect]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    test::Log server_log;

    // Reserve a port for TCP by serving once and stopping.
    std::uint16_t port = 0;
    if (transport == Transport::tcp) {
        ipcxx::Server probe{test::config_in(dir)};
        probe.serve_net("127.0.0.1", 0);
        port = probe.port();
    }

    ipcxx::Client client{test::config_in(dir, "hello")};
    record_lifecycle(client, log);
    for (int i = 0; i < 100; ++i) REQUIRE_FALSE(client.emit("n", i));  // before connect_to
    test::connect(client, transport, port);
    REQUIRE(log.wait_for_count("disconnect", 2));  // attempts fail: nobody listens yet
    for (int i = 100; i < 200; ++i) REQUIRE_FALSE(client.emit("n", i));

    ipcxx::Server server{test::config_in(dir)};
    server.on<int>("n", [&](int n) { server_log.add(std::to_string(n)); });
    test::serve(server, transport, port);
    REQUIRE(log.wait_for("connect"));
    REQUIRE(server_log.wait_for_size(200));
    const auto entries = server_log.entries();
    for (int i = 0; i < 200; ++i) REQUIRE(entries[i] == std::to_string(i));
}

TEST_CASE("max_retries ends in destroy and reports what was never delivered", "[reconnect]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir, "hello");
    config.max_retries = 2;
    ipcxx::Client client{config};
    record_lifecycle(client, log);
    REQUIRE_FALSE(client.emit("lost", 1));
    REQUIRE_FALSE(client.emit("lost", 2));
    client.connect_to("nobody");
    REQUIRE(log.wait_for("destroy"));
    // The first attempt and two retries each end in `disconnect`; then destroy, once.
    CHECK(log.count("disconnect") == 3);
    CHECK(log.count("undelivered 2") == 1);
    CHECK(log.entries().back() == "destroy");
    CHECK(client.emit("late", 3) == ipcxx::errc::not_connected);
}

TEST_CASE("max_retries = 0 and stop_retrying give up at the first close", "[reconnect]") {
    const bool stop_retrying = GENERATE(false, true);
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir, "hello");
    if (stop_retrying) {
        config.stop_retrying = true;
    } else {
        config.max_retries = 0;
    }
    ipcxx::Server server{test::config_in(dir)};
    server.serve();
    ipcxx::Client client{config};
    record_lifecycle(client, log);
    client.connect_to("world");
    REQUIRE(log.wait_for("connect"));
    server.stop();
    REQUIRE(log.wait_for("destroy"));
    CHECK(log.entries() == std::vector<std::string>{"connect", "disconnect", "destroy"});
}

TEST_CASE("the retry counter resets after a successful connect", "[reconnect]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir, "hello");
    config.max_retries = 1;
    ipcxx::Server server{test::config_in(dir)};
    server.serve();
    ipcxx::Client client{config};
    record_lifecycle(client, log);
    client.connect_to("world");
    REQUIRE(log.wait_for("connect"));
    // Drop the connection from the server side three times: each time one retry suffices.
    for (int round = 2; round <= 4; ++round) {
        REQUIRE(test::eventually([&] { return server.sockets().size() == 1; }));
        for (auto& socket : server.sockets()) socket.disconnect();
        REQUIRE(log.wait_for_count("connect", round));
    }
    CHECK(log.count("destroy") == 0);
}

TEST_CASE("disconnect() reports queued messages, then disconnect and destroy", "[reconnect]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Client client{test::config_in(dir, "hello")};
    record_lifecycle(client, log);
    client.connect_to("nobody");
    REQUIRE(log.wait_for("disconnect"));
    for (int i = 0; i < 5; ++i) REQUIRE_FALSE(client.emit("queued", i));
    client.disconnect();
    REQUIRE(log.wait_for("destroy"));
    CHECK(log.count("undelivered 5") == 1);
    CHECK(log.count("destroy") == 1);
    CHECK(client.emit("after", 1) == ipcxx::errc::not_connected);
}

TEST_CASE("a full queue refuses emits instead of growing", "[reconnect]") {
    test::TempDir dir;
    auto config = test::config_in(dir, "hello");
    config.max_message_size = 500;
    config.max_pending_bytes = 1000;
    ipcxx::Client client{config};
    client.connect_to("nobody");
    const std::string chunk(100, 'x');
    int accepted = 0;
    std::error_code ec;
    for (int i = 0; i < 100 && !ec; ++i) {
        ec = client.emit("chunk", chunk);
        if (!ec) ++accepted;
    }
    CHECK(ec == ipcxx::errc::queue_full);
    CHECK(accepted > 0);
    CHECK(accepted < 10);
}

TEST_CASE("destroying a client reports what it could not deliver", "[reconnect]") {
    test::TempDir dir;
    test::Log log;
    {
        ipcxx::Client client{test::config_in(dir, "hello")};
        record_lifecycle(client, log);
        client.connect_to("nobody");
        REQUIRE_FALSE(client.emit("queued", 1));
    }
    CHECK(log.count("undelivered 1") == 1);
    CHECK(log.count("destroy") == 1);
}

TEST_CASE("a client that got bad input from its server reports it and reconnects", "[reconnect]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    struct Case {
        std::string bytes;  // after the client's hello
        ipcxx::errc code;
    };
    const std::string welcome =
        "{\"type\":\"ipcxx.welcome\",\"data\":{\"protocol\":1,\"id\":\"fake\",\"wire\":\"native\"}}\f";
    // A native event [0, "x", data] whose data is not msgpack (0xC1).
    const std::string bad_native("\xc1\x00\x00\x00\x05\x93\x00\xa1x\xc1", 10);
    const Case c = GENERATE_COPY(Case{"{bad json\f", ipcxx::errc::invalid_json},
                                 Case{"[1,2]\f", ipcxx::errc::invalid_message},
                                 Case{"{\"type\":\"x\",\"data\":\"\xff\"}\f", ipcxx::errc::invalid_utf8},
                                 Case{"{\"type\":\"destroy\"}\f", ipcxx::errc::reserved_event},
                                 Case{"{\"type\":\"ipcxx.welcome\",\"data\":7}\f", ipcxx::errc::invalid_message},
                                 Case{welcome + bad_native, ipcxx::errc::invalid_message});
    INFO(test::name(transport) << ", input " << c.bytes);
    test::TempDir dir;
    test::SilentListener listener = transport == Transport::tcp ? test::SilentListener()
                                                                 : test::SilentListener(dir.path() + "/fake.sock");
    REQUIRE(listener.listening());
    test::Log log;
    ipcxx::Client client{test::config_in(dir, "hello")};
    record_lifecycle(client, log);
    client.on("error", [&](const ipcxx::ErrorEvent& e) { log.add("error " + e.code.message()); });
    client.on("news", [&](const ipcxx::Payload& data) { log.add("news " + data.to_json()); });
    if (transport == Transport::tcp) {
        client.connect_to_net("fake", "127.0.0.1", listener.port());
    } else {
        client.connect_to("fake", dir.path() + "/fake.sock");
    }

    // A fake server: broken on the first connection, fixed on the next.
    auto broken = listener.accept(10s);
    REQUIRE(broken.connected());
    REQUIRE(broken.read_frames(1, 10s).find("ipcxx.hello") != std::string::npos);
    REQUIRE(broken.send(c.bytes));
    bool closed = false;
    broken.read_until_closed(10s, &closed);
    CHECK(closed);
    auto fixed = listener.accept(10s);
    REQUIRE(fixed.connected());
    REQUIRE(fixed.read_frames(1, 10s).find("ipcxx.hello") != std::string::npos);
    REQUIRE(fixed.send("{\"type\":\"news\",\"data\":1}\f"));
    REQUIRE(log.wait_for("news 1"));
    CHECK(log.entries() == std::vector<std::string>{"connect", "error " + make_error_code(c.code).message(),
                                                    "disconnect", "connect", "news 1"});
}
