// UDP endpoints: datagrams of frames, senders as sockets, per-sender partial frames, bad input
// confined to its sender, broadcast to recent senders.
#include <catch2/catch.hpp>

#include <mutex>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

#include "support/fixtures.hpp"

using namespace std::chrono_literals;
using ipcxx::NetProtocol;

namespace {

// A plain UDP socket, to send exactly the datagrams a test wants.
class RawUdp {
public:
    explicit RawUdp(bool v6 = false) : socket_(io_) {
        socket_.open(v6 ? asio::ip::udp::v6() : asio::ip::udp::v4());
        socket_.bind({asio::ip::make_address(v6 ? "::1" : "127.0.0.1"), 0});
    }
    void send(std::string_view bytes, std::uint16_t port) {
        socket_.send_to(asio::buffer(bytes.data(), bytes.size()),
                        {socket_.local_endpoint().address(), port});
    }
    // The next datagram, or "" when none arrives before the deadline.
    std::string receive(std::chrono::milliseconds timeout = 10s) {
        socket_.non_blocking(true);
        std::string out;
        test::eventually([&] {
            if (socket_.available() == 0) return false;
            char buffer[65536];
            asio::ip::udp::endpoint from;
            std::error_code ec;
            const std::size_t n = socket_.receive_from(asio::buffer(buffer), from, 0, ec);
            if (!ec) out.assign(buffer, n);
            return true;
        }, timeout);
        return out;
    }
    std::size_t available() { return socket_.available(); }
    std::uint16_t port() const { return socket_.local_endpoint().port(); }

private:
    asio::io_context io_;
    asio::ip::udp::socket socket_;
};

struct Received {
    std::string event;
    std::string data;
    std::string from;
};

// A UDP server that records every message and error.
struct Endpoint {
    explicit Endpoint(ipcxx::Config config, NetProtocol protocol = NetProtocol::udp4) : server(std::move(config)) {
        server.on("*", [this](std::string_view event, const ipcxx::Payload& data, ipcxx::Socket& from) {
            std::lock_guard<std::mutex> lock(mutex);
            received.push_back({std::string(event), data.to_json(), from.remote_address()});
            last = from;
            log.add(std::string(event));
        });
        server.on("error", [this](const ipcxx::ErrorEvent& e) {
            log.add("error " + std::string(e.code == ipcxx::errc::frame_too_large ? "too large" : e.code.message()) +
                    " " + e.socket.remote_address());
        });
        server.serve_net(protocol == NetProtocol::udp6 ? "::1" : "127.0.0.1", 0, protocol);
    }
    std::vector<Received> all() {
        std::lock_guard<std::mutex> lock(mutex);
        return received;
    }
    ipcxx::Socket last_sender() {
        std::lock_guard<std::mutex> lock(mutex);
        return last;
    }
    test::Log log;
    std::mutex mutex;
    std::vector<Received> received;
    ipcxx::Socket last;
    ipcxx::Server server;  // last: its handlers use the members above
};

ipcxx::Config udp_config(const test::TempDir& dir, const std::string& id) {
    auto config = test::config_in(dir, id);
    config.max_message_size = 1024;
    config.max_pending_bytes = 4096;
    config.max_event_name_length = 32;
    return config;
}

}  // namespace

TEST_CASE("udp: request and reply between two endpoints, udp4 and udp6", "[udp]") {
    const NetProtocol protocol = GENERATE(NetProtocol::udp4, NetProtocol::udp6);
    const std::string host = protocol == NetProtocol::udp6 ? "::1" : "127.0.0.1";
    INFO(host);
    test::TempDir dir;
    Endpoint a(udp_config(dir, "a"), protocol);
    Endpoint b(udp_config(dir, "b"), protocol);
    b.server.on("ping", [&](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("pong", data); });
    REQUIRE(a.server.port() != 0);
    REQUIRE(a.server.running());

    const ipcxx::Socket to_b = a.server.udp_peer(host, b.server.port());
    REQUIRE(to_b.connected());
    REQUIRE_FALSE(to_b.emit("ping", std::map<std::string, int>{{"seq", 1}}));
    REQUIRE(a.log.wait_for("pong"));
    const auto got = a.all();
    CHECK(got[0].data == R"({"seq":1})");
    CHECK(got[0].from == to_b.remote_address());
    // b knows a by the address it sent from: a's own port.
    CHECK(b.all()[0].from == (protocol == NetProtocol::udp6 ? "[::1]:" : "127.0.0.1:") + std::to_string(a.server.port()));
    CHECK(b.server.sockets().size() == 1);
    CHECK(a.server.sockets().size() == 1);  // a heard b's pong
}

TEST_CASE("udp: partial frames are kept per sender; bad input drops only its sender's", "[udp]") {
    test::TempDir dir;
    Endpoint server(udp_config(dir, "server"));
    RawUdp one;
    RawUdp two;
    const std::uint16_t port = server.server.port();

    // Several frames per datagram, and a frame split over two datagrams of one sender while another
    // sender's frames arrive in between.
    one.send(R"({"type":"a","data":1})" "\f" R"({"type":"b","da)", port);
    two.send(R"({"type":"c","data":2})" "\f", port);
    REQUIRE(server.log.wait_for_size(2));
    one.send(R"(ta":3})" "\f", port);
    REQUIRE(server.log.wait_for("b"));
    auto got = server.all();
    REQUIRE(got.size() == 3);
    CHECK(got[0].event == "a");
    CHECK(got[1].event == "c");
    CHECK(got[2].event == "b");
    CHECK(got[2].data == "3");
    CHECK(got[0].from == "127.0.0.1:" + std::to_string(one.port()));
    CHECK(got[1].from == "127.0.0.1:" + std::to_string(two.port()));

    // Malformed JSON from one: reported with that sender, its partial frame dropped; the other's
    // partial frame survives, and one's next datagram is served.
    two.send(R"({"type":"d",)", port);
    one.send("{bad json\f" R"({"type":"lost","data":0})" "\f" R"({"type":"partial)", port);
    REQUIRE(server.log.wait_for_size(4));
    one.send(R"({"type":"e","data":5})" "\f", port);
    two.send(R"("data":4})" "\f", port);
    REQUIRE(server.log.wait_for("d"));
    REQUIRE(server.log.wait_for("e"));
    const auto log = server.log.entries();
    CHECK(log[3] == "error " + ipcxx::make_error_code(ipcxx::errc::invalid_json).message() + " 127.0.0.1:" +
                        std::to_string(one.port()));
    CHECK(server.log.count("lost") == 0);
    CHECK(server.log.count("partial") == 0);

    // Oversize datagrams, reserved names and names over max_event_name_length are refused the same way.
    const std::string long_name(40, 'n');
    one.send(std::string(2000, ' '), port);
    one.send(R"({"type":"connect","data":1})" "\f", port);
    one.send(R"({"type":")" + long_name + R"(","data":1})" "\f", port);
    one.send(R"({"type":"f","data":6})" "\f", port);
    REQUIRE(server.log.wait_for("f"));
    const std::string from_one = " 127.0.0.1:" + std::to_string(one.port());
    CHECK(server.log.count("error too large" + from_one) == 1);
    CHECK(server.log.count("connect") == 0);
    CHECK(server.log.count("error " + ipcxx::make_error_code(ipcxx::errc::reserved_event).message() + from_one) == 1);
    CHECK(server.log.count(long_name) == 0);
    CHECK(server.log.count("error " + ipcxx::make_error_code(ipcxx::errc::event_name_too_long).message() + from_one) ==
          1);
}

TEST_CASE("udp: broadcast reaches the senders heard within the expiry", "[udp]") {
    test::TempDir dir;
    auto config = udp_config(dir, "server");
    config.udp_peer_expiry = 300ms;
    Endpoint server(config);
    const std::uint16_t port = server.server.port();
    RawUdp old_sender;
    RawUdp fresh;
    old_sender.send(R"({"type":"hi","data":1})" "\f", port);
    REQUIRE(server.log.wait_for("hi"));
    REQUIRE_FALSE(server.server.broadcast("news", "first"));
    CHECK(old_sender.receive() == R"({"type":"news","data":"first"})" "\f");

    // The old sender goes quiet past the expiry; the fresh one speaks.
    REQUIRE(test::eventually([&] { return server.server.sockets().empty(); }));
    fresh.send(R"({"type":"hi","data":2})" "\f", port);
    REQUIRE(server.log.wait_for_count("hi", 2));
    REQUIRE_FALSE(server.server.broadcast("news", "second"));
    CHECK(fresh.receive() == R"({"type":"news","data":"second"})" "\f");
    CHECK(old_sender.available() == 0);

    // disconnect() drops a sender from the list until it speaks again.
    server.last_sender().disconnect();
    CHECK(server.server.broadcast("news", "third") == std::error_code());
    CHECK(server.server.sockets().empty());
}

TEST_CASE("udp: emits are checked, stop reports, restart keeps the port", "[udp]") {
    test::TempDir dir;
    Endpoint server(udp_config(dir, "server"));
    RawUdp peer;
    const ipcxx::Socket to = server.server.udp_peer("127.0.0.1", peer.port());
    CHECK(to.emit("big", std::string(2000, 'x')) == ipcxx::errc::frame_too_large);
    CHECK(to.emit("connect", 1) == ipcxx::errc::reserved_event);
    CHECK(to.emit_raw("bytes") == ipcxx::errc::invalid_argument);
    REQUIRE_FALSE(to.emit("hello"));
    CHECK(peer.receive() == R"({"type":"hello","data":{}})" "\f");

    const std::uint16_t port = server.server.port();
    server.server.stop();
    CHECK_FALSE(server.server.running());
    CHECK_FALSE(to.connected());
    CHECK(to.emit("hello") == ipcxx::errc::not_connected);
    server.server.start();
    CHECK(server.server.port() == port);
    peer.send(R"({"type":"back","data":1})" "\f", port);
    REQUIRE(server.log.wait_for("back"));

    ipcxx::Server stream{test::config_in(dir, "stream")};
    stream.serve_net("127.0.0.1", 0);
    std::error_code ec;
    stream.serve_net("127.0.0.1", 0, NetProtocol::udp4, ec);
    CHECK(ec == ipcxx::errc::invalid_argument);
    CHECK(stream.udp_peer("127.0.0.1", 1, ec) == ipcxx::Socket());
    CHECK(ec == ipcxx::errc::not_connected);

    auto tls_config = test::config_in(dir, "tls");
    tls_config.tls.enabled = true;
    tls_config.tls.insecure_skip_verify = true;
    ipcxx::Server tls{tls_config};
    tls.serve_net("127.0.0.1", 0, NetProtocol::udp4, ec);
    CHECK(ec == ipcxx::errc::invalid_argument);  // no silent fall back to plain text
}

TEST_CASE("udp: a server serves one kind at a time; after stop it may serve the other", "[udp]") {
    test::TempDir dir;
    Endpoint server(udp_config(dir, "server"));
    const std::uint16_t udp_port = server.server.port();
    std::error_code ec;
    server.server.serve_net("127.0.0.1", 0, ec);
    CHECK(ec == ipcxx::errc::invalid_argument);
    CHECK(server.server.port() == udp_port);
    RawUdp peer;
    peer.send(R"({"type":"still","data":1})" "\f", udp_port);
    REQUIRE(server.log.wait_for("still"));

    server.server.stop();
    server.server.serve_net("127.0.0.1", 0, ec);
    REQUIRE_FALSE(ec);
    CHECK(server.server.running());
    CHECK(server.server.udp_peer("127.0.0.1", peer.port(), ec) == ipcxx::Socket());
    CHECK(ec == ipcxx::errc::not_connected);
    ipcxx::Client client{test::config_in(dir, "client")};
    client.connect_to_net("server", "127.0.0.1", server.server.port());
    REQUIRE(test::eventually([&] { return server.server.sockets().size() == 1; }));
}

TEST_CASE("udp: Ipc's serve_net takes the protocol", "[udp]") {
    test::TempDir dir;
    ipcxx::Ipc ipc;
    ipc.set_config(test::config_in(dir, "ipc"));
    test::Log log;
    auto& server = ipc.serve_net("127.0.0.1", 0, NetProtocol::udp4, [&](ipcxx::Server& s) {
        s.on("hi", [&](const ipcxx::Payload&) { log.add("hi"); });
    });
    RawUdp peer;
    peer.send(R"({"type":"hi","data":1})" "\f", server.port());
    CHECK(log.wait_for("hi"));
}

TEST_CASE("udp: raw buffers, one data event per datagram", "[udp][raw]") {
    test::TempDir dir;
    auto config = udp_config(dir, "server");
    config.raw_buffer = true;
    Endpoint server(config);
    RawUdp peer;
    peer.send(std::string("\xFF\x00\x0C", 3), server.server.port());
    REQUIRE(server.log.wait_for("data"));
    CHECK(server.all()[0].data == R"({"type":"Buffer","data":[255,0,12]})");
    REQUIRE_FALSE(server.last_sender().emit_raw(std::string("\x01\x02", 2)));
    CHECK(peer.receive() == std::string("\x01\x02", 2));
    REQUIRE_FALSE(server.server.broadcast_raw("zz"));
    CHECK(peer.receive() == "zz");
}
