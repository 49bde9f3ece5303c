// The link between the namespaces cut (`ip link set ... down` on both veth ends: every packet of the
// peer dropped) while a client streams to the server, then restored; with Config::heartbeat ping (the
// pings notice) and automatic (the kernel's TCP_USER_TIMEOUT and keepalive notice). Skipped (exit 77)
// where namespaces cannot be made.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>

#include "netns/netns_pair.hpp"
#include "netns/peers.hpp"
#include "support/child_process.hpp"

using namespace std::chrono_literals;
using test::PeerLine;

namespace {

using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point start) {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// Both modes report the dead link so: the pings' silence, or the kernel's ETIMEDOUT in automatic.
const std::string dead_link_error = "peer silent beyond heartbeat_timeout";

long undelivered(const test::ChildProcess& process) {
    long n = 0;
    for (const auto& l : process.lines(test::ev_is("error"))) n += l.num("undelivered", 0);
    return n;
}

}  // namespace

TEST_CASE("the link cut mid-stream and restored: both ends notice within about heartbeat_timeout, the client "
          "reconnects, every message accepted is received or reported",
          "[netns]") {
    netns::skip_unless_available();
    const std::string mode = GENERATE(as<std::string>(), "ping", "automatic");
    INFO("heartbeat mode " << mode);
    const auto is_dead_link_error = [](const PeerLine& l) { return l.is("error") && l.str("code") == dead_link_error; };
    netns::Pair pair;
    // Interval and timeout (ms): short, yet a timeout no busy machine stalls for.
    const std::vector<std::string> heartbeat{"--heartbeat", "200,1500," + mode};
    auto server = netns::start_server(pair, "0", heartbeat);
    auto client = netns::connected_client(pair, server, "alice", heartbeat);
    INFO(client->describe());
    INFO(server.process->describe());
    long commands = 0;  // "send" commands, each answered by one "sent" line
    const auto send = [&](long count) {
        REQUIRE(client->send("send " + std::to_string(count)));
        ++commands;
    };
    // The total accepted once every command so far is answered.
    const auto accepted_so_far = [&] {
        REQUIRE(client->wait_count(test::ev_is("sent"), static_cast<std::size_t>(commands), 20s) ==
                static_cast<std::size_t>(commands));
        return client->lines(test::ev_is("sent")).back().num("count");
    };

    // Stream for a second, several heartbeat intervals, so that in mode ping the server has seen
    // pings and watches for silence too; each burst is echoed before the next.
    const auto connected = Clock::now();
    long before_cut = 0;
    for (int round = 0; round < 100000 && ms_since(connected) < 1000; ++round) {
        send(20);
        before_cut += 20;
        REQUIRE(client->wait_line([&](const PeerLine& l) { return netns::is_seq(l, "echo", before_cut - 1); }, 20s));
    }
    REQUIRE(accepted_so_far() == before_cut);

    // Cut, and go on streaming until the client notices (bounded: 20 s).
    REQUIRE(pair.set_link(false));
    const auto cut = Clock::now();
    bool noticed = false;
    for (int round = 0; round < 400 && !noticed; ++round) {
        send(20);
        noticed = client->wait_line(test::ev_is("disconnect"), 50ms).has_value();
    }
    REQUIRE(noticed);
    const long client_noticed_ms = ms_since(cut);
    std::string client_errors;  // for a failure's message
    for (const auto& l : client->lines(test::ev_is("error"))) client_errors += " [" + l.str("message") + "]";
    INFO("the client's errors:" << client_errors);
    const long dead_end = accepted_so_far();  // [before_cut, dead_end) went to the dead link
    CHECK(client->count(is_dead_link_error) == 1);
    // The server drops the silent client by its own watch, while the link is still down.
    CHECK(server.process->wait_line(is_dead_link_error, 20s));
    CHECK(server.process->wait_line([](const PeerLine& l) { return l.is("gone") && l.str("id") == "alice"; }, 20s));
    const long server_noticed_ms = ms_since(cut);
    // Accepted while disconnected: queued for the next connection. The client keeps retrying.
    send(100);
    REQUIRE(client->wait_line(
        [&](const PeerLine& l) { return l.is("error") && !is_dead_link_error(l) && l.num("undelivered") == 0; }, 20s));

    REQUIRE(pair.set_link(true));
    const auto restored = Clock::now();
    REQUIRE(client->wait_line(test::ev_is("connect"), 30s));
    const long reconnected_ms = ms_since(restored);
    send(100);
    const long accepted = accepted_so_far();
    REQUIRE(client->wait_line([accepted](const PeerLine& l) { return netns::is_seq(l, "echo", accepted - 1); }, 30s));
    // The server printed every "recv" line before its echo left, but this process reads the two
    // peers' output on threads of their own: the server's lines may not all be read yet.
    REQUIRE(server.process->wait_line([accepted](const PeerLine& l) { return netns::is_seq(l, "recv", accepted - 1); },
                                      20s));

    // What the dead link took is reported undelivered; everything else arrives, once.
    std::set<long> received;
    long received_lines = 0;
    for (const auto& l : server.process->lines(test::ev_is("recv"))) {
        received.insert(l.num("seq"));
        ++received_lines;
    }
    long missing_outside_dead_link = 0;
    std::string missing;  // the first few, for the failure message
    for (long seq = 0; seq < accepted; ++seq) {
        if (received.count(seq) || (seq >= before_cut && seq < dead_end)) continue;
        if (++missing_outside_dead_link <= 10) missing += " " + std::to_string(seq);
    }
    INFO("missing outside the dead link's range [" << before_cut << ", " << dead_end << "):" << missing);
    const long reported = undelivered(*client);
    std::printf("link cut (%s): the client noticed after %ld ms, the server's by %ld ms; reconnected %ld ms "
                "after the restore; %ld accepted = %ld received + %ld reported undelivered (%ld sent to the dead "
                "link); the server reported %ld echoes undelivered\n",
                mode.c_str(), client_noticed_ms, server_noticed_ms, reconnected_ms, accepted, received_lines, reported,
                dead_end - before_cut, undelivered(*server.process));
    std::fflush(stdout);
    CHECK(received_lines == static_cast<long>(received.size()));
    CHECK(missing_outside_dead_link == 0);
    CHECK(reported > 0);
    CHECK(accepted == received_lines + reported);
}
