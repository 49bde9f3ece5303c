// The senders a UDP endpoint remembers: one record each, and forgotten after the expiry.
#include <catch2/catch.hpp>

#include "server/udp_peers.hpp"

using ipcxx::detail::Clock;
using ipcxx::detail::UdpPeerTable;
using namespace std::chrono_literals;

namespace {

asio::ip::udp::endpoint at(std::uint16_t port) { return {asio::ip::make_address("127.0.0.1"), port}; }

}  // namespace

TEST_CASE("udp peers: one record per sender, kept while heard from", "[udp]") {
    UdpPeerTable table(100ms, "\f", 1024);
    const auto t0 = Clock::now();
    const auto a = table.heard({}, at(1000), t0);
    const auto b = table.heard({}, at(1001), t0);
    CHECK(a != b);
    CHECK(a->serial != b->serial);
    CHECK(a->remote == "127.0.0.1:1000");
    CHECK(table.heard({}, at(1000), t0 + 50ms) == a);  // the same record, heard again
    CHECK(table.active(t0 + 120ms) == std::vector<std::shared_ptr<ipcxx::detail::UdpPeer>>{a});  // b expired
    CHECK(table.active(t0 + 200ms).empty());

    // A sender heard again after its expiry starts afresh (its old partial frame is stale).
    const auto again = table.heard({}, at(1000), t0 + 300ms);
    CHECK(again != a);
    CHECK(again->serial > b->serial);
}

TEST_CASE("udp peers: addresses emitted to are not broadcast to; forget and clear", "[udp]") {
    UdpPeerTable table(1s, "\f", 1024);
    const auto t0 = Clock::now();
    const auto quiet = table.address({}, at(2000));
    CHECK(table.active(t0).empty());
    const auto heard = table.heard({}, at(2001), t0);
    CHECK(table.address({}, at(2001)) == heard);  // a known sender keeps its record
    table.forget(*quiet);                         // not in the list: nothing happens
    CHECK(table.active(t0).size() == 1);
    table.forget(*heard);
    CHECK(table.active(t0).empty());
    table.heard({}, at(2002), t0);
    table.clear();
    CHECK(table.active(t0).empty());
}
