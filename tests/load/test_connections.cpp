// 10,000 concurrent connections to one server, all served; the memory each idle connection costs
// is measured (resident set growth / connections) and printed. The clients live in a test_peer
// process, so that this process's figures are the server's alone. Then 100,000, over Unix sockets
// and over TCP, the clients in four test_peer processes (IPCXX_LOAD_CONNECTIONS sets that count).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/fixtures.hpp"
#include "load/process_stats.hpp"

using namespace std::chrono_literals;

// ThreadSanitizer's shadow state costs about 250 KiB per connection in each process (2.5 GB for
// the server alone): under it, a tenth of the connections.
#if defined(__SANITIZE_THREAD__)
#define IPCXX_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IPCXX_TEST_TSAN 1
#endif
#endif
#ifdef IPCXX_TEST_TSAN
constexpr std::size_t connections = 1'000;
#else
constexpr std::size_t connections = 10'000;
#endif

TEST_CASE("10,000 concurrent connections to one server, all served", "[load]") {
    // The server holds one descriptor per connection, the client process as many (it inherits the limit).
    const std::size_t limit = test::raise_fd_limit(connections + 1'000);
    INFO("RLIMIT_NOFILE " << limit);
    REQUIRE(limit >= connections + 1'000);

    test::TempDir dir;
    auto config = test::config_in(dir);
    config.max_connections = connections;
    ipcxx::Server server{config};
    std::atomic<std::size_t> connected{0}, served{0}, disconnected{0};
    server.on("connect", [&](ipcxx::Socket&) { ++connected; });
    server.on("socket.disconnected", [&](ipcxx::Socket&) { ++disconnected; });
    server.on("hi", [&](const ipcxx::Payload&, ipcxx::Socket& from) {
        if (!from.emit("reply")) ++served;
    });
    server.serve_net("127.0.0.1", 0);
    const std::size_t sockets_before = test::open_fds(true);
    const std::size_t rss_before = test::resident_bytes();

    test::ChildProcess clients({IPCXX_TEST_PEER, "many-clients", "127.0.0.1", std::to_string(server.port()),
                                std::to_string(connections)});
    INFO(clients.describe());
    REQUIRE(clients.wait_line(test::ev_is("served"), 120s));
    CHECK(served == connections);
    CHECK(connected == connections);
    CHECK(server.sockets().size() == connections);
    CHECK(test::open_fds(true) - sockets_before == connections);

    const std::size_t rss_idle = test::resident_bytes();
    const double per_connection = (static_cast<double>(rss_idle) - static_cast<double>(rss_before)) / connections;
    std::printf("memory per idle connection (server RSS growth / %zu connections): %.0f bytes (%.1f KiB)\n",
                connections, per_connection, per_connection / 1024);

    clients.close_stdin();
    REQUIRE(test::eventually([&] { return disconnected.load() == connections; }, 120s));
    CHECK(test::eventually([&] { return test::open_fds(true) == sockets_before; }, 10s));
    CHECK(server.sockets().empty());
}

namespace hundred_thousand_test {

#ifdef IPCXX_TEST_TSAN
constexpr std::size_t default_many = 10'000;
#else
constexpr std::size_t default_many = 100'000;
#endif
// Client processes, each with its share of the connections on one I/O thread; over TCP each
// connects to a loopback address of its own (127.0.0.1, .2, ...), so that every one has the
// ephemeral ports of a whole range.
constexpr std::size_t client_processes = 4;

// IPCXX_LOAD_CONNECTIONS lowers (or raises) the count, so that a machine whose descriptor limit
// stops short of 100,000 still proves the rest at the largest count it allows.
std::size_t connection_count() {
    const char* text = std::getenv("IPCXX_LOAD_CONNECTIONS");
    if (text == nullptr || *text == '\0') return default_many;
    char* end = nullptr;
    const unsigned long long count = std::strtoull(text, &end, 10);
    if (*end != '\0' || count < client_processes) {
        FAIL("IPCXX_LOAD_CONNECTIONS=" << text << " is not a count of at least " << client_processes);
    }
    return static_cast<std::size_t>(count);
}

// Opt-in (`ctest -L load`, docs/tests.md): `many` connections to one server, every one answered.
void hold_many(bool tcp) {
    // A multiple of the client processes, so that their shares add up to it.
    const std::size_t many = connection_count() / client_processes * client_processes;
    const std::size_t wanted = many + 1'000;
    const std::size_t limit = test::raise_fd_limit(wanted);
    if (limit < wanted) {
        WARN("skipped: RLIMIT_NOFILE reaches only " << limit << " of the " << wanted
                                                    << " descriptors needed (raise the hard limit and fs.nr_open)");
        return;
    }
    test::TempDir dir;
    auto config = test::config_in(dir);
    config.max_connections = many;
    ipcxx::Server server{config};
    std::atomic<std::size_t> served{0}, disconnected{0};
    server.on("socket.disconnected", [&](ipcxx::Socket&) { ++disconnected; });
    server.on("hi", [&](const ipcxx::Payload&, ipcxx::Socket& from) {
        if (!from.emit("reply")) ++served;
    });
    if (tcp) server.serve_net("0.0.0.0", 0);
    else server.serve(dir.path() + "/many.sock");
    REQUIRE(test::eventually([&] { return tcp ? server.port() != 0 : !server.path().empty(); }, 10s));
    const std::size_t rss_before = test::resident_bytes();
    const auto started = std::chrono::steady_clock::now();

    std::vector<std::unique_ptr<test::ChildProcess>> clients;
    for (std::size_t i = 0; i < client_processes; ++i) {
        const std::string host = tcp ? "127.0.0." + std::to_string(i + 1) : "unix:" + server.path();
        clients.push_back(std::make_unique<test::ChildProcess>(std::vector<std::string>{
            IPCXX_TEST_PEER, "many-clients", host, std::to_string(server.port()), std::to_string(many / client_processes)}));
    }
    for (auto& client : clients) {
        INFO(client->describe());
        REQUIRE(client->wait_line(test::ev_is("served"), 240s));
    }
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK(served == many);
    CHECK(server.sockets().size() == many);
    const double per_connection = (static_cast<double>(test::resident_bytes()) - static_cast<double>(rss_before)) / many;
    std::printf("%zu connections over %s: all answered in %.1f s; server memory per connection %.0f bytes (%.1f KiB)\n",
                many, tcp ? "TCP" : "Unix sockets", seconds, per_connection, per_connection / 1024);

    for (auto& client : clients) client->close_stdin();
    REQUIRE(test::eventually([&] { return disconnected.load() == many; }, 240s));
    CHECK(server.sockets().empty());
}

}  // namespace hundred_thousand_test

TEST_CASE("100,000 concurrent connections to one server over Unix sockets, every one answered", "[load]") {
    hundred_thousand_test::hold_many(false);
}

TEST_CASE("100,000 concurrent connections to one server over TCP on four loopback addresses, every one answered",
          "[load]") {
    hundred_thousand_test::hold_many(true);
}
