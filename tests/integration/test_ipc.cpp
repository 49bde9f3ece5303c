// ipcxx::Ipc, node-ipc's module object: one I/O thread, clients found again with of(id).
#include <catch2/catch.hpp>

#include "load/process_stats.hpp"
#include "support/fixtures.hpp"

using namespace std::chrono_literals;

TEST_CASE("Ipc serves and holds several clients, found by id", "[ipc]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Ipc servers{test::config_in(dir, "world")};
    servers.serve([&](ipcxx::Server& server) {
        server.on("message", [](const ipcxx::Payload& data, ipcxx::Socket& from) {
            from.emit("message", data.as<std::string>() + " world!");
        });
    });
    ipcxx::Ipc stats_ipc{test::config_in(dir, "stats")};
    stats_ipc.serve([](ipcxx::Server& server) {
        server.handle("count", [](const ipcxx::Payload&) { return 7; });
    });

    ipcxx::Ipc ipc{test::config_in(dir, "hello")};
    ipc.connect_to("world", [&](ipcxx::Client& world) {
        world.on("connect", [&] { log.add("world connect"); });
        world.on("message", [&](const ipcxx::Payload& d) { log.add(d.as<std::string>()); });
    });
    ipc.connect_to("stats");
    REQUIRE(log.wait_for("world connect"));
    CHECK(ipc.has("world"));
    CHECK(&ipc.connect_to("world") == &ipc.of("world"));  // connecting again returns the same client
    REQUIRE_FALSE(ipc.of("world").emit("message", "hello"));
    CHECK(log.wait_for("hello world!"));
    CHECK(ipc.of("stats").request("count", msgpack::type::nil_t(), 5s).get().as<int>() == 7);

    ipc.disconnect("stats");
    CHECK_FALSE(ipc.has("stats"));
    CHECK_THROWS_AS(ipc.of("stats"), ipcxx::Error);
    CHECK_THROWS_AS(servers.serve_net("127.0.0.1", 0), ipcxx::Error);  // one server per Ipc, as node-ipc
    CHECK_NOTHROW(servers.server());
}

TEST_CASE("Ipc::disconnect releases the client once it has finished, also from its own handler", "[ipc]") {
    const bool from_handler = GENERATE(false, true);
    INFO((from_handler ? "from inside the client's handler" : "from the test thread"));
    test::TempDir dir;
    test::Log log;
    ipcxx::Ipc servers{test::config_in(dir, "world")};
    servers.serve([](ipcxx::Server& server) {
        server.on("connect", [](ipcxx::Socket& s) { s.emit("welcome", 1); });
    });
    ipcxx::Ipc ipc{test::config_in(dir, "hello")};
    // Handlers hold this token: it is released with the client that owns them.
    auto token = std::make_shared<int>(0);
    ipc.connect_to("world", [&](ipcxx::Client& world) {
        world.on("welcome", [&ipc, &log, from_handler, token] {
            log.add("welcome");
            if (from_handler) ipc.disconnect("world");
        });
        world.on("destroy", [&log, token] { log.add("destroy"); });
    });
    REQUIRE(log.wait_for("welcome"));
    if (!from_handler) ipc.disconnect("world");
    REQUIRE(log.wait_for("destroy"));  // its last events still reach its handlers
    CHECK_FALSE(ipc.has("world"));
    CHECK(test::eventually([&] { return token.use_count() == 1; }));
    // The Ipc goes on: the same id connects again.
    ipc.connect_to("world", [&](ipcxx::Client& world) { world.on("welcome", [&log] { log.add("welcome again"); }); });
    CHECK(log.wait_for("welcome again"));
}

TEST_CASE("a destroyed Ipc releases its clients and its I/O thread", "[ipc]") {
    test::TempDir dir;
    ipcxx::Ipc servers{test::single_threaded_config_in(dir, "world")};
    servers.serve();
    test::Log log;
    const std::size_t fds_before = test::open_fds();
    {
        ipcxx::Ipc ipc{test::config_in(dir, "hello")};
        ipc.connect_to("world", [&](ipcxx::Client& world) { world.on("connect", [&] { log.add("connect"); }); });
        ipc.connect_to("stats");  // never connects: retries until the Ipc goes
        REQUIRE(log.wait_for("connect"));
    }
    // A task left queued on the finished thread would hold its client, the client its io_context
    // (epoll and event descriptors included), for ever.
    CHECK(test::eventually([&] { return test::open_fds() == fds_before; }));
}

TEST_CASE("Ipc's configuration is read and changed through its accessors, for what it creates next", "[ipc]") {
    test::TempDir dir;
    ipcxx::Ipc ipc{test::config_in(dir, "first")};
    CHECK(ipc.config().id == "first");
    ipc.update_config([](ipcxx::Config& config) { config.id = "second"; });
    CHECK(ipc.config().id == "second");
    ipcxx::Server& server = ipc.serve();
    CHECK(server.config().id == "second");
    ipc.set_config(test::config_in(dir, "third"));
    CHECK(ipc.config().id == "third");
    CHECK(server.config().id == "second");  // what exists keeps the configuration it was made with
    CHECK(ipc.connect_to("second").config().id == "third");
}
