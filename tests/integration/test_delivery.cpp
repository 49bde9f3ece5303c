// Delivery accounting: every message accepted by emit or request is either written to the peer's
// socket or reported undelivered (events in an `undelivered` count, requests by their own error),
// never both. The tests count both sides and check the sums.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/raw_peer.hpp"

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
    constexpr std::size_t emitted = 400;  // 8 MB: far more than the socket buffers hold
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
