// Delivery accounting: every message accepted by emit or request is either written to the peer's
// socket or reported undelivered (events in an `undelivered` count, requests by their own error),
// never both. The tests count both sides and check the sums. And a client's disconnect() flushes
// what it accepted before closing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/raw_peer.hpp"
#include "support/silent_listener.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

// Undelivered counts and lifecycle of one side.
struct Accounting {
    std::atomic<std::size_t> undelivered{0};
    test::Log log;

    template <class Endpoint>
    void watch(Endpoint& endpoint) {
        endpoint.on("error", [this](const ipcxx::ErrorEvent& e) {
            if (e.code == ipcxx::errc::undelivered) undelivered += e.undelivered;
        });
    }
};

std::size_t complete_frames(const std::string& bytes, const std::string& event) {
    std::size_t n = 0;
    for (std::size_t at = bytes.find("{\"type\":\"" + event + "\""); at != std::string::npos;
         at = bytes.find("{\"type\":\"" + event + "\"", at + 1)) {
        n += bytes.find('\f', at) != std::string::npos;
    }
    return n;
}

// Reads everything that reached `peer` until the sender closed, and checks that each of the
// `emitted` messages was either received whole or counted undelivered, and that some were lost.
void check_sums(test::RawPeer& peer, std::size_t undelivered, std::size_t emitted) {
    bool closed = false;
    const std::string got = peer.read_until_closed(20s, &closed);
    CHECK(closed);
    const std::size_t received = complete_frames(got, "chunk");
    INFO("received " << received << ", undelivered " << undelivered);
    CHECK(received + undelivered == emitted);
    CHECK(undelivered > 0);
}

}  // namespace

TEST_CASE("a client that gives up reports each event once and each request once", "[delivery]") {
    test::TempDir dir;
    Accounting client_side;
    auto config = test::config_in(dir, "hello");
    config.max_retries = 1;
    ipcxx::Client client{config};
    client_side.watch(client);
    client.on("destroy", [&] { client_side.log.add("destroy"); });
    std::map<ipcxx::RequestId, int> request_errors;
    std::mutex mutex;
    constexpr int events = 7;
    constexpr int requests = 3;
    for (int i = 0; i < events; ++i) REQUIRE_FALSE(client.emit("queued", i));
    for (int i = 0; i < requests; ++i) {
        client.request("ask", i, 60s, [&, i](const ipcxx::Response& r) {
            std::lock_guard<std::mutex> lock(mutex);
            CHECK(r.error);
            ++request_errors[static_cast<ipcxx::RequestId>(i)];
            client_side.log.add("request error");
        });
    }
    client.connect_to("nobody");
    REQUIRE(client_side.log.wait_for("destroy"));
    REQUIRE(client_side.log.wait_for_count("request error", requests));
    CHECK(client_side.undelivered == static_cast<std::size_t>(events));  // requests are not counted here
    std::lock_guard<std::mutex> lock(mutex);
    CHECK(request_errors.size() == static_cast<std::size_t>(requests));
    for (const auto& entry : request_errors) CHECK(entry.second == 1);
}

TEST_CASE("server stop with queues: received plus undelivered equals emitted", "[delivery]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    Accounting server_side;
    auto config = test::config_in(dir);
    config.max_pending_bytes = 64u << 20;
    ipcxx::Server server{config};
    server_side.watch(server);
    server.on("connect", [&](ipcxx::Socket&) { server_side.log.add("connect"); });
    server.on("socket.disconnected", [&](ipcxx::Socket&) { server_side.log.add("gone"); });
    test::serve(server, transport);
    auto peer = test::raw_to(server, transport);
    REQUIRE(server_side.log.wait_for("connect"));
    auto socket = server.sockets().at(0);
    const std::string chunk(20 * 1024, 'z');
    constexpr std::size_t emitted = 2000;  // 40 MB: far more than the socket buffers hold (8 MiB for Unix)
    for (std::size_t i = 0; i < emitted; ++i) REQUIRE_FALSE(socket.emit("chunk", chunk));
    server.stop();
    REQUIRE(server_side.log.wait_for("gone"));
    check_sums(peer, server_side.undelivered, emitted);
}

TEST_CASE("a request outstanding when its connection closes is reported once, by its own error", "[delivery]") {
    test::TempDir dir;
    Accounting server_side;
    ipcxx::Server server{test::config_in(dir)};
    server_side.watch(server);
    server.on("connect", [&](ipcxx::Socket&) { server_side.log.add("connect"); });
    server.on("socket.disconnected", [&](ipcxx::Socket&) { server_side.log.add("gone"); });
    server.serve();
    auto peer = test::RawPeer::unix_socket(server.path());  // never answers, never reads
    REQUIRE(server_side.log.wait_for("connect"));
    auto socket = server.sockets().at(0);
    const std::string chunk(20 * 1024, 'r');
    std::atomic<int> errors{0};
    constexpr int requests = 100;  // most still queued when the connection goes
    for (int i = 0; i < requests; ++i) {
        server.request(socket, "ask", chunk, 60s, [&](const ipcxx::Response& r) {
            if (r.error) ++errors;
        });
    }
    socket.disconnect();
    REQUIRE(server_side.log.wait_for("gone"));
    REQUIRE(test::eventually([&] { return errors.load() == requests; }));
    CHECK(server_side.undelivered == 0);
}

TEST_CASE("disconnect() flushes what the client accepted before it closes", "[delivery]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log server_log;
    std::atomic<int> received{0};
    auto config = test::config_in(dir);
    ipcxx::Server server{config};
    server.on("chunk", [&](const ipcxx::Payload&, ipcxx::Socket& from) {
        ++received;
        from.emit("ack", 1);  // incoming data the client may not have read when it closes
    });
    server.on("connect", [&](ipcxx::Socket&) { server_log.add("connect"); });
    test::serve(server, transport);

    Accounting client_side;
    auto client_config = test::config_in(dir, "hello");
    client_config.max_pending_bytes = 64u << 20;
    ipcxx::Client client{client_config};
    client_side.watch(client);
    client.on("destroy", [&] { client_side.log.add("destroy"); });
    test::connect(client, transport, server.port());
    REQUIRE(server_log.wait_for("connect"));
    const std::string chunk(50 * 1024, 'c');
    constexpr int emitted = 200;  // 10 MB, most of it still queued at disconnect()
    for (int i = 0; i < emitted; ++i) REQUIRE_FALSE(client.emit("chunk", chunk));
    client.disconnect();
    REQUIRE(client_side.log.wait_for("destroy", 30s));
    CHECK(client_side.undelivered == 0);
    CHECK(test::eventually([&] { return received.load() == emitted; }, 30s));
}

TEST_CASE("disconnect() to a peer that reads nothing gives up after disconnect_timeout and counts",
          "[delivery]") {
    test::TempDir dir;
    test::SilentListener listener;
    Accounting client_side;
    auto config = test::config_in(dir, "hello");
    config.disconnect_timeout = 300ms;
    config.max_pending_bytes = 64u << 20;
    config.wire = ipcxx::Wire::json;
    ipcxx::Client client{config};
    client_side.watch(client);
    client.on("connect", [&] { client_side.log.add("connect"); });
    client.on("destroy", [&] { client_side.log.add("destroy"); });
    client.connect_to_net("stuck", "127.0.0.1", listener.port());
    auto peer = listener.accept(10s);
    REQUIRE(peer.connected());
    REQUIRE(client_side.log.wait_for("connect"));
    const std::string chunk(20 * 1024, 'q');
    constexpr std::size_t emitted = 800;  // 16 MB: more than the socket buffers of both ends hold
    for (std::size_t i = 0; i < emitted; ++i) REQUIRE_FALSE(client.emit("chunk", chunk));
    const auto asked = std::chrono::steady_clock::now();
    client.disconnect();
    REQUIRE(client_side.log.wait_for("destroy", 20s));
    CHECK(std::chrono::steady_clock::now() - asked >= 250ms);
    check_sums(peer, client_side.undelivered, emitted);
}
