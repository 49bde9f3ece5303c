// No call runs a handler inside itself: a handler that holds a lock while it disconnects a peer or
// stops its server must not find the disconnect handlers, which take that lock, running inside
// the call. Such nesting deadlocks the I/O thread: a watchdog ends the program instead of a hang.
#include <catch2/catch.hpp>

#include <mutex>
#include <string>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

constexpr auto deadline = 10s;

}  // namespace

TEST_CASE("Socket::disconnect() and Server::stop() from a handler holding a lock the handlers take", "[shutdown]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    const bool stop = GENERATE(false, true);
    INFO(test::name(transport) << (stop ? ", Server::stop()" : ", Socket::disconnect()"));
    test::Watchdog dog(deadline, stop ? "Server::stop() from a handler holding a lock"
                                      : "Socket::disconnect() from a handler holding a lock");
    test::TempDir dir;
    test::Log log;
    std::mutex mutex;  // not recursive: a handler nested in the call below would deadlock
    ipcxx::Server server{test::config_in(dir)};
    server.on("connect", [&](ipcxx::Socket&) { log.add("connect"); });
    server.on("bye", [&](const ipcxx::Payload&, ipcxx::Socket& from) {
        std::lock_guard<std::mutex> lock(mutex);
        if (stop) {
            server.stop();
        } else {
            from.disconnect();
        }
        log.add("returned");
    });
    server.on("socket.disconnected", [&](ipcxx::Socket&) {
        std::lock_guard<std::mutex> lock(mutex);
        log.add("disconnected");
    });
    server.on("error", [&](const ipcxx::ErrorEvent&) {
        std::lock_guard<std::mutex> lock(mutex);
        log.add("error");
    });
    test::serve(server, transport);
    // Two clients: stop() closes the other one's connection too, on a strand of its own.
    ipcxx::Client leaving{test::config_in(dir, "leaving")};
    ipcxx::Client staying{test::config_in(dir, "staying")};
    test::connect(leaving, transport, server.port());
    test::connect(staying, transport, server.port());
    REQUIRE(log.wait_for_count("connect", 2));

    REQUIRE_FALSE(leaving.emit("bye"));
    const std::size_t closed = stop ? 2 : 1;
    REQUIRE(log.wait_for_count("disconnected", closed, deadline));
    const auto entries = log.entries();
    CHECK(entries.at(2) == "returned");
    CHECK(log.count("disconnected") == closed);
}

TEST_CASE("Client::disconnect() from a handler holding a lock the handlers take", "[shutdown]") {
    test::Watchdog dog(deadline, "Client::disconnect() from a handler holding a lock");
    test::TempDir dir;
    test::Log log;
    std::mutex mutex;
    ipcxx::Client client{test::config_in(dir, "hello")};
    // Between attempts (nobody listens), where disconnect() has no connection to wait for.
    client.once("disconnect", [&] {
        std::lock_guard<std::mutex> lock(mutex);
        log.add("disconnect");
        client.disconnect();
        log.add("returned");
    });
    client.on("destroy", [&] {
        std::lock_guard<std::mutex> lock(mutex);
        log.add("destroy");
    });
    client.connect_to("nobody");
    REQUIRE(log.wait_for("destroy", deadline));
    CHECK(log.entries() == std::vector<std::string>{"disconnect", "returned", "destroy"});
}
