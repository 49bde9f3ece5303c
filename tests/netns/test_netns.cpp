// Fault tests across a real (virtual) network: the server in one network namespace, clients in
// another, joined by a veth pair. Skipped (exit 77) where namespaces cannot be made.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "netns/netns_pair.hpp"
#include "netns/peers.hpp"
#include "support/child_process.hpp"

using namespace std::chrono_literals;
using test::ChildProcess;
using test::PeerLine;
using netns::connected_client;
using netns::is_seq;
using netns::peer;
using netns::send_and_await_echo;
using netns::start_server;

namespace {

// Every seq in [from, to) appears exactly once among the lines `ev` (received in order).
void check_sequence(ChildProcess& process, const char* ev, long from, long to) {
    process.wait_count(test::ev_is(ev), static_cast<std::size_t>(to - from), 10s);
    const auto lines = process.lines(test::ev_is(ev));
    std::vector<long> seqs;
    for (const auto& l : lines) seqs.push_back(l.num("seq"));
    std::vector<long> expected;
    for (long i = from; i < to; ++i) expected.push_back(i);
    INFO(process.describe());
    CHECK(seqs == expected);
}

}  // namespace

TEST_CASE("normal traffic between two namespaces", "[netns]") {
    netns::skip_unless_available();
    netns::Pair pair;
    auto server = start_server(pair);
    auto client = connected_client(pair, server, "alice");
    send_and_await_echo(*client, 1000, 999);
    check_sequence(*client, "echo", 0, 1000);
    check_sequence(*server.process, "recv", 0, 1000);
    CHECK(client->count(test::ev_is("error")) == 0);
    CHECK(server.process->count(test::ev_is("error")) == 0);
}

TEST_CASE("the server process killed with SIGKILL and restarted: the client reconnects and its queue flows",
          "[netns]") {
    netns::skip_unless_available();
    netns::Pair pair;
    auto server = start_server(pair);
    auto client = connected_client(pair, server, "alice");
    send_and_await_echo(*client, 100, 99);

    server.process->kill();
    REQUIRE(client->wait_line(test::ev_is("disconnect"), 20s));
    // Accepted while the server is down: held by the client until it reconnects.
    REQUIRE(client->send("send 100"));
    REQUIRE(client->wait_line([](const PeerLine& l) { return l.is("sent") && l.num("count") == 200; }));
    auto restarted = start_server(pair, server.port);
    REQUIRE(client->wait_line(test::ev_is("connect"), 20s));
    REQUIRE(client->wait_line([](const PeerLine& l) { return is_seq(l, "echo", 199); }, 20s));
    check_sequence(*client, "echo", 0, 200);
    check_sequence(*restarted.process, "recv", 100, 200);
    CHECK(client->count(test::ev_is("refused")) == 0);
    CHECK(client->count([](const PeerLine& l) { return l.is("error") && l.num("undelivered") > 0; }) == 0);
}

TEST_CASE("a client killed mid-frame: the server reports it and serves the others", "[netns]") {
    const std::string wire = GENERATE("json", "native");
    INFO("wire " << wire);
    netns::skip_unless_available();
    netns::Pair pair;
    auto server = start_server(pair);
    auto good = connected_client(pair, server, "good");
    send_and_await_echo(*good, 10, 9);

    auto broken = peer(pair, pair.client_ns(), {"half-frame", pair.server_address(), server.port, wire});
    REQUIRE(broken->wait_line(test::ev_is("written")));
    INFO(server.process->describe());
    // A client without a hello has its `connect` (and so later its `socket.disconnected`) once
    // handshake_timeout has passed.
    REQUIRE(server.process->wait_line([](const PeerLine& l) { return l.is("joined") && l.str("id").empty(); }, 20s));
    broken->kill();
    // The connection without an id is the killed one; the good client's stays.
    REQUIRE(server.process->wait_line([](const PeerLine& l) { return l.is("gone") && l.str("id").empty(); }, 20s));
    CHECK(server.process->count([](const PeerLine& l) { return l.is("gone") && l.str("id") == "good"; }) == 0);

    send_and_await_echo(*good, 10, 19);
    check_sequence(*good, "echo", 0, 20);
    check_sequence(*server.process, "recv", 0, 20);
}
