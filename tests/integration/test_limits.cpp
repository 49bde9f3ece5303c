// Limits on what peers send and what the application emits: event name length, message size,
// incomplete frames that stop progressing, and the write backlog with its drain events. Each
// violation closes only the connection concerned, with its own error code.
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/raw_peer.hpp"

using namespace std::chrono_literals;
using test::raw_to;
using test::Transport;

namespace {

// A server that echoes "ping" and logs errors of `code` as "expected" (any other as "other"), with a
// well-behaved client beside the misbehaving peer, to show that it is unaffected.
struct Bystander {
    test::TempDir dir;
    test::Log log;
    std::unique_ptr<ipcxx::Server> server;
    std::unique_ptr<ipcxx::Client> good;

    Bystander(const std::function<void(ipcxx::Config&)>& configure, ipcxx::errc code, Transport transport) {
        auto config = test::config_in(dir);
        configure(config);
        server = std::make_unique<ipcxx::Server>(config);
        server->on("error", [this, code](const ipcxx::ErrorEvent& e) {
            log.add(e.code == code ? "expected" : "other: " + e.message);
        });
        server->on("ping", [](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("pong", data); });
        server->on("whole", [this] { log.add("whole"); });
        test::serve(*server, transport);
        good = std::make_unique<ipcxx::Client>(test::config_in(dir, "good"));
        good->on("pong", [this](const ipcxx::Payload& d) { log.add("pong " + d.to_json()); });
        test::connect(*good, transport, server->port());
    }

    // The misbehaving peer was closed with the expected error, and the good client still works.
    void check_only_offender_closed(test::RawPeer& offender) {
        bool closed = false;
        offender.read_until_closed(10s, &closed);
        CHECK(closed);
        REQUIRE(log.wait_for("expected"));
        REQUIRE_FALSE(good->emit("ping", 7));
        CHECK(log.wait_for("pong 7"));
        for (const auto& entry : log.entries()) CHECK(entry.rfind("other", 0) != 0);
    }
};

}  // namespace

TEST_CASE("an event name over max_event_name_length is refused on receive", "[limits]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    Bystander b([](ipcxx::Config& c) { c.max_event_name_length = 32; }, ipcxx::errc::event_name_too_long, transport);
    auto peer = raw_to(*b.server, transport);
    REQUIRE(peer.connected());
    REQUIRE(peer.send("{\"type\":\"whole\"}\f{\"type\":\"" + std::string(33, 'n') + "\",\"data\":1}\f"));
    b.check_only_offender_closed(peer);
    CHECK(b.log.count("whole") == 1);
}

TEST_CASE("an event name over max_event_name_length is refused on emit, broadcast and request", "[limits]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir);
    config.max_event_name_length = 8;
    ipcxx::Server server{config};
    server.on("*", [&](std::string_view event, const ipcxx::Payload&, ipcxx::Socket&) { log.add(std::string(event)); });
    server.on("connect", [&](ipcxx::Socket& s) {
        log.add("connect");
        if (s.emit("123456789", 1) == ipcxx::errc::event_name_too_long) log.add("socket emit refused");
    });
    server.serve();
    auto client_config = test::config_in(dir, "hello");
    client_config.max_event_name_length = 8;
    ipcxx::Client client{client_config};
    client.connect_to("world");
    REQUIRE(log.wait_for("connect"));
    CHECK(log.wait_for("socket emit refused"));
    CHECK(client.emit("12345678", 1) == std::error_code());
    CHECK(client.emit("123456789", 1) == ipcxx::errc::event_name_too_long);
    CHECK(server.broadcast("123456789", 1) == ipcxx::errc::event_name_too_long);
    auto response = client.request("123456789", 1, 5s);
    REQUIRE(response.wait_for(10s) == std::future_status::ready);
    try {
        response.get();
        FAIL("expected event_name_too_long");
    } catch (const ipcxx::Error& e) {
        CHECK(e.code() == ipcxx::errc::event_name_too_long);
    }
    REQUIRE_FALSE(client.emit("after", 1));
    REQUIRE(log.wait_for("after"));
    // Nothing refused reached the server: the accepted message and the marker only.
    CHECK(log.entries() == std::vector<std::string>{"connect", "socket emit refused", "12345678", "after"});
}

TEST_CASE("an oversized message is refused at once by emit, broadcast and request, and nothing is sent",
          "[limits]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir);
    config.max_message_size = 128;
    config.max_pending_bytes = 4096;
    ipcxx::Server server{config};
    server.on("*", [&](std::string_view event, const ipcxx::Payload&, ipcxx::Socket&) { log.add(std::string(event)); });
    server.on("connect", [&](ipcxx::Socket&) { log.add("connect"); });
    server.serve();
    auto client_config = config;
    client_config.id = "hello";
    ipcxx::Client client{client_config};
    client.on("*", [&](std::string_view event, const ipcxx::Payload&) { log.add("client got " + std::string(event)); });
    client.connect_to("world");
    REQUIRE(log.wait_for("connect"));
    const std::string big(200, 'x');
    CHECK(client.emit("big", big) == ipcxx::errc::frame_too_large);
    CHECK(server.broadcast("big", big) == ipcxx::errc::frame_too_large);
    CHECK(server.sockets().at(0).emit("big", big) == ipcxx::errc::frame_too_large);
    auto response = client.request("big", big, 5s);
    REQUIRE(response.wait_for(10s) == std::future_status::ready);
    CHECK_THROWS_AS(response.get(), ipcxx::Error);
    CHECK(client.pending_messages() == 0);
    REQUIRE_FALSE(client.emit("after", 1));
    REQUIRE_FALSE(server.broadcast("marker", 1));
    REQUIRE(log.wait_for("after"));
    REQUIRE(log.wait_for("client got marker"));
    CHECK(log.count("big") == 0);
    CHECK(log.count("client got big") == 0);
}

TEST_CASE("a frame over max_message_size is refused before it is buffered whole", "[limits]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    const bool native = GENERATE(false, true);
    INFO(test::name(transport) << (native ? " native header" : " partial JSON frame"));
    Bystander b(
        [](ipcxx::Config& c) {
            c.max_message_size = 1000;
            c.max_pending_bytes = 1000;
        },
        ipcxx::errc::frame_too_large, transport);
    auto peer = raw_to(*b.server, transport);
    REQUIRE(peer.connected());
    // Never completed: the refusal cannot wait for the end of the frame.
    REQUIRE(peer.send(native ? std::string("\xC1\x00\x10\x00\x00", 5)
                             : "{\"type\":\"x\",\"data\":\"" + std::string(2000, 'a')));
    b.check_only_offender_closed(peer);
}

TEST_CASE("an incomplete frame that stops progressing closes the link after message_timeout", "[limits]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    const std::string partial = GENERATE(std::string("{\"type\":\"whole\""), std::string("\xC1\x00\x00", 3));
    INFO(test::name(transport));
    Bystander b([](ipcxx::Config& c) { c.message_timeout = 200ms; }, ipcxx::errc::message_timeout, transport);
    auto peer = raw_to(*b.server, transport);
    REQUIRE(peer.connected());
    REQUIRE(peer.send("{\"type\":\"whole\"}\f" + partial));
    b.check_only_offender_closed(peer);
    CHECK(b.log.count("whole") == 1);
}

TEST_CASE("a peer that keeps delivering bytes is never cut off by message_timeout", "[limits]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    Bystander b([](ipcxx::Config& c) { c.message_timeout = 300ms; }, ipcxx::errc::message_timeout, transport);
    auto peer = raw_to(*b.server, transport);
    REQUIRE(peer.connected());
    // One frame taking about 40 x 30 ms, four times message_timeout; every pause is a wait for
    // the failure that must not come.
    const std::string frame = "{\"type\":\"whole\",\"data\":\"" + std::string(15, 's') + "\"}\f";
    for (char byte : frame) {
        REQUIRE(peer.send(std::string(1, byte)));
        REQUIRE_FALSE(b.log.wait_for("expected", 30ms));
    }
    CHECK(b.log.wait_for("whole"));
    CHECK(b.log.count("expected") == 0);
}

TEST_CASE("message_timeout 0 waits for an incomplete frame indefinitely", "[limits]") {
    Bystander b([](ipcxx::Config& c) { c.message_timeout = 0ms; }, ipcxx::errc::message_timeout,
                Transport::unix_socket);
    auto peer = raw_to(*b.server, Transport::unix_socket);
    REQUIRE(peer.send("{\"type\":\"wh"));
    CHECK_FALSE(b.log.wait_for("expected", 500ms));
    REQUIRE(peer.send("ole\"}\f"));
    CHECK(b.log.wait_for("whole"));
}

TEST_CASE("a client's full queue refuses emits, then publishes drain when room is back", "[limits]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir, "hello");
    config.max_message_size = 500;
    config.max_pending_bytes = 1000;
    ipcxx::Client client{config};
    client.on("drain", [&] { log.add("drain"); });
    client.connect_to("world");
    const std::string chunk(100, 'x');
    std::error_code ec;
    int accepted = 0;
    for (int i = 0; i < 100 && !ec; ++i) {
        ec = client.emit("chunk", chunk);
        if (!ec) ++accepted;
    }
    REQUIRE(ec == ipcxx::errc::queue_full);
    CHECK(log.count("drain") == 0);

    test::Log server_log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("chunk", [&] { server_log.add("chunk"); });
    server.serve();
    REQUIRE(log.wait_for("drain"));
    CHECK(server_log.wait_for_count("chunk", static_cast<std::size_t>(accepted)));
    CHECK_FALSE(client.emit("chunk", chunk));
    CHECK(server_log.wait_for_count("chunk", static_cast<std::size_t>(accepted) + 1));
}

TEST_CASE("a server socket's full queue refuses emits, then publishes socket.drain", "[limits]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir);
    config.max_message_size = 64 * 1024;
    config.max_pending_bytes = 256 * 1024;
    ipcxx::Server server{config};
    std::atomic<std::uint64_t> drained_serial{0};
    server.on("socket.drain", [&](ipcxx::Socket& s) {
        drained_serial = s.serial();
        log.add("drain");
    });
    server.on("connect", [&](ipcxx::Socket&) { log.add("connect"); });
    test::serve(server, transport);
    auto peer = raw_to(server, transport);  // reads nothing until the queue is full
    REQUIRE(peer.connected());
    REQUIRE(log.wait_for("connect"));
    auto socket = server.sockets().at(0);
    const std::string chunk(60 * 1024, 'y');
    std::error_code ec;
    std::size_t accepted = 0;
    for (int i = 0; i < 10000 && !ec; ++i) {
        ec = socket.emit("chunk", chunk);
        if (!ec) ++accepted;
    }
    REQUIRE(ec == ipcxx::errc::queue_full);
    const std::string got = peer.read_frames(accepted, 20s);
    CHECK(static_cast<std::size_t>(std::count(got.begin(), got.end(), '\f')) == accepted);
    REQUIRE(log.wait_for("drain"));
    CHECK(drained_serial.load() == socket.serial());
    CHECK_FALSE(socket.emit("chunk", chunk));
}
