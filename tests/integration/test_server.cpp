// Server behaviour: limits, bad input, handler failures, stopping and destroying from handlers,
// and the Unix socket file.
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <fstream>

#include <asio/io_context.hpp>
#include <thread>

#include <sys/stat.h>

#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/raw_peer.hpp"

using namespace std::chrono_literals;
using test::Transport;

using test::raw_to;

namespace {

// Runs a caller's io_context until `done`, for at most about a second.
bool run_until(asio::io_context& io, const std::function<bool()>& done) {
    for (int i = 0; i < 200 && !done(); ++i) io.run_for(std::chrono::milliseconds(5));
    return done();
}

}  // namespace

TEST_CASE("max_connections: the extra client is accepted, closed, and reported", "[server]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir);
    config.max_connections = 1;
    ipcxx::Server server{config};
    server.on("connect", [&](ipcxx::Socket&) { log.add("server connect"); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::max_connections) log.add("refused");
    });
    test::serve(server, transport);

    ipcxx::Client first{test::config_in(dir, "first")};
    first.on("connect", [&] { log.add("first connect"); });
    test::connect(first, transport, server.port());
    REQUIRE(log.wait_for("server connect"));

    auto extra = raw_to(server, transport);
    REQUIRE(extra.connected());
    bool closed = false;
    extra.read_until_closed(5s, &closed);
    CHECK(closed);
    REQUIRE(log.wait_for("refused"));
    CHECK(log.count("server connect") == 1);
}

TEST_CASE("bad input closes that connection only, with an error naming it", "[server]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    struct Case {
        std::string bytes;
        ipcxx::errc code;
    };
    // Native frames (0xC1, u32 body length, body [0, "x", data]) whose data is not one msgpack value.
    auto native_event_x = [](std::string data) {
        const std::string body = std::string("\x93\x00\xa1x", 4) + data;
        return std::string("\xc1\x00\x00\x00", 4) + static_cast<char>(body.size()) + body;
    };
    const Case c = GENERATE_COPY(Case{"{bad json\f", ipcxx::errc::invalid_json}, Case{"\f", ipcxx::errc::empty_frame},
                            Case{"123\f", ipcxx::errc::invalid_message}, Case{"null\f", ipcxx::errc::invalid_message},
                            Case{"[1]\f", ipcxx::errc::invalid_message},
                            Case{"{\"data\":1}\f", ipcxx::errc::invalid_event},
                            Case{"{\"type\":5}\f", ipcxx::errc::invalid_event},
                            Case{"{\"type\":\"\"}\f", ipcxx::errc::invalid_event},
                            Case{"{\"type\":\"connect\",\"data\":1}\f", ipcxx::errc::reserved_event},
                            Case{"{\"type\":\"socket.drain\"}\f", ipcxx::errc::reserved_event},
                            Case{"{\"type\":\"x\",\"data\":\"\xff\"}\f", ipcxx::errc::invalid_utf8},
                            Case{native_event_x("\xc1"), ipcxx::errc::invalid_message},
                            Case{native_event_x("\x92\x01"), ipcxx::errc::invalid_message},
                            Case{native_event_x("\x01\x02"), ipcxx::errc::invalid_message});
    INFO(test::name(transport) << " input: " << c.bytes);
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        log.add(e.code == c.code ? "expected error" : "other error: " + e.message);
    });
    server.on("ping", [&](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("pong", data); });
    server.on("before", [&] { log.add("before"); });
    test::serve(server, transport);

    ipcxx::Client good{test::config_in(dir, "good")};
    good.on("pong", [&](const ipcxx::Payload& d) { log.add("pong " + d.to_json()); });
    test::connect(good, transport, server.port());

    auto bad = raw_to(server, transport);
    REQUIRE(bad.connected());
    // A frame before the bad one in the same write is still dispatched.
    REQUIRE(bad.send(std::string("{\"type\":\"before\",\"data\":1}\f") + c.bytes));
    bool closed = false;
    bad.read_until_closed(5s, &closed);
    CHECK(closed);
    REQUIRE(log.wait_for("expected error"));
    CHECK(log.count("before") == 1);

    REQUIRE_FALSE(good.emit("ping", 1));
    CHECK(log.wait_for("pong 1"));
}

TEST_CASE("a peer that vanishes mid-frame is just a closed connection", "[server]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("socket.disconnected", [&](ipcxx::Socket&) { log.add("gone"); });
    server.on("whole", [&] { log.add("whole"); });
    server.serve();
    {
        auto peer = test::RawPeer::unix_socket(server.path());
        REQUIRE(peer.send("{\"type\":\"whole\"}\f{\"type\":\"hal"));
        REQUIRE(log.wait_for("whole"));
    }
    REQUIRE(log.wait_for("gone"));
    CHECK(server.running());
}

TEST_CASE("frames written one byte at a time and many per write", "[server]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    server.on("echo", [&](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("echo", data); });
    test::serve(server, transport);

    auto peer = raw_to(server, transport);
    REQUIRE(peer.connected());
    const std::string frame = "{\"type\":\"echo\",\"data\":\"\xC3\xA9\xF0\x9F\x8C\x8D\"}\f";
    for (char byte : frame) REQUIRE(peer.send(std::string(1, byte)));
    std::string many;
    for (int i = 0; i < 50; ++i) many += "{\"type\":\"echo\",\"data\":" + std::to_string(i) + "}\f";
    REQUIRE(peer.send(many));
    const std::string got = peer.read_frames(51, 10s);
    std::string expected = frame;
    expected += many;
    CHECK(got == expected);
}

TEST_CASE("a handler that moves or replaces its Socket& does not change the next message's", "[server]") {
    // The frames of one read share one handle (made once per read): what a handler does to it
    // must not reach the handlers of the frames after it.
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    std::vector<ipcxx::Socket> taken;
    ipcxx::Socket other;
    server.on("connect", [&](ipcxx::Socket& s) {
        if (other.serial() == 0) other = s;  // the first connection's: the bystander's
        log.add("connect");
    });
    server.on("take", [&](ipcxx::Socket& from) { taken.push_back(std::move(from)); });
    server.on("swap", [&](ipcxx::Socket& from) { from = other; });
    server.on("echo", [&](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("echo", data); });
    test::serve(server, transport);

    auto bystander = raw_to(server, transport);
    REQUIRE(bystander.connected());
    REQUIRE(log.wait_for_count("connect", 1));
    auto peer = raw_to(server, transport);
    REQUIRE(peer.connected());
    REQUIRE(log.wait_for_count("connect", 2));
    // One write, so that the server reads the frames in one go.
    REQUIRE(peer.send("{\"type\":\"take\"}\f{\"type\":\"echo\",\"data\":1}\f"
                      "{\"type\":\"swap\"}\f{\"type\":\"echo\",\"data\":2}\f"));
    CHECK(peer.read_frames(2, 10s) == "{\"type\":\"echo\",\"data\":1}\f{\"type\":\"echo\",\"data\":2}\f");
}

TEST_CASE("handler exceptions become error events and the connection goes on", "[server]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("boom", [](const ipcxx::Payload&) { throw std::runtime_error("kaput"); });
    server.on<int>("typed", [](int) {});
    server.on("ping", [](const ipcxx::Payload&, ipcxx::Socket& from) { from.emit("pong"); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::handler_exception && e.event == "boom" &&
            e.message.find("kaput") != std::string::npos) {
            log.add("handler exception");
        }
        if (e.code == ipcxx::errc::conversion_failed && e.event == "typed" &&
            e.message.find("typed") != std::string::npos) {
            log.add("conversion failed");
        }
    });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.on("pong", [&] { log.add("pong"); });
    client.connect_to("world");
    REQUIRE_FALSE(client.emit("boom", 1));
    REQUIRE_FALSE(client.emit("typed", "not a number"));
    REQUIRE_FALSE(client.emit("ping"));
    REQUIRE(log.wait_for("pong"));
    CHECK(log.count("handler exception") == 1);
    CHECK(log.count("conversion failed") == 1);
}

TEST_CASE("client handler exceptions reach the client's error event", "[client]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("connect", [](ipcxx::Socket& s) { s.emit("hi", 1); });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.on("hi", [](const ipcxx::Payload&) { throw std::logic_error("client side"); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::handler_exception) log.add("caught");
    });
    client.connect_to("world");
    CHECK(log.wait_for("caught"));
}

TEST_CASE("handler signatures that do not fit the event are refused at registration", "[server][client]") {
    test::TempDir dir;
    ipcxx::Server server{test::config_in(dir)};
    ipcxx::Client client{test::config_in(dir, "hello")};
    CHECK_THROWS_AS(server.on("connect", [](const ipcxx::Payload&) {}), ipcxx::Error);
    CHECK_THROWS_AS(server.on("error", [](ipcxx::Socket&) {}), ipcxx::Error);
    CHECK_THROWS_AS(client.on("connect", [](ipcxx::Socket&) {}), ipcxx::Error);
    CHECK_THROWS_AS(client.on("message", [](const ipcxx::Payload&, ipcxx::Socket&) {}), ipcxx::Error);
    CHECK_THROWS_AS(client.on("", [] {}), ipcxx::Error);
    CHECK_NOTHROW(server.on("connect", [](ipcxx::Socket&) {}));
    CHECK_NOTHROW(client.on("message", [](const ipcxx::Payload&) {}));
}

TEST_CASE("emit refuses what cannot be sent", "[client]") {
    test::TempDir dir;
    ipcxx::Client client{test::config_in(dir, "hello")};
    CHECK(client.emit("connect", 1) == ipcxx::errc::reserved_event);
    CHECK(client.emit("ipcxx.hello", 1) == ipcxx::errc::reserved_event);
    CHECK(client.emit("", 1) == ipcxx::errc::invalid_argument);
    CHECK(client.emit("bad", std::string("\xff")) == ipcxx::errc::invalid_utf8);
    auto config = test::config_in(dir, "small");
    config.max_message_size = 64;
    ipcxx::Client small{config};
    CHECK(small.emit("big", std::string(100, 'x')) == ipcxx::errc::frame_too_large);
}

TEST_CASE("stop() from inside a handler", "[server]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("stop", [&](const ipcxx::Payload&, ipcxx::Socket&) {
        server.stop();
        log.add("stopped");
    });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.on("disconnect", [&] { log.add("client saw disconnect"); });
    client.connect_to("world");
    REQUIRE_FALSE(client.emit("stop"));
    REQUIRE(log.wait_for("stopped"));
    REQUIRE(log.wait_for("client saw disconnect"));
    CHECK_FALSE(server.running());
    struct stat st {};
    CHECK(::stat((dir.path() + "/app.world").c_str(), &st) != 0);  // socket file removed
}

TEST_CASE("destroying a server or a client from inside its own handler", "[server][client]") {
    test::TempDir dir;
    test::Log log;
    auto server = std::make_unique<ipcxx::Server>(test::config_in(dir));
    server->on("die", [&](const ipcxx::Payload&) {
        server.reset();
        log.add("server destroyed");
    });
    server->serve();
    auto client = std::make_unique<ipcxx::Client>(test::config_in(dir, "hello"));
    client->on("connect", [&] {
        client->emit("die");
    });
    client->on("disconnect", [&] {
        client.reset();
        log.add("client destroyed");
    });
    client->connect_to("world");
    REQUIRE(log.wait_for("server destroyed"));
    REQUIRE(log.wait_for("client destroyed"));
}

TEST_CASE("emit and broadcast from many threads at once", "[server]") {
    test::TempDir dir;
    test::Log log;
    std::atomic<int> received{0};
    ipcxx::Server server{test::config_in(dir)};
    server.on("n", [&](const ipcxx::Payload&) {
        if (++received == 4 * 500) log.add("all");
    });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    std::atomic<int> broadcasts{0};
    client.on("b", [&] { ++broadcasts; });
    client.on("connect", [&] { log.add("connect"); });
    client.connect_to("world");
    REQUIRE(log.wait_for("connect"));
    REQUIRE(test::eventually([&] { return server.sockets().size() == 1; }));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                client.emit("n", i);
                server.broadcast("b", i);
            }
        });
    }
    for (auto& t : threads) t.join();
    REQUIRE(log.wait_for("all"));
    CHECK(test::eventually([&] { return broadcasts == 4 * 500; }));
}

TEST_CASE("the Unix socket file: stale replaced, live kept, non-socket kept, long path refused", "[server][unix]") {
    test::TempDir dir;
    const auto config = test::config_in(dir);
    const std::string path = config.socket_path("world");

    SECTION("a live server's socket is never stolen") {
        ipcxx::Server first{config};
        first.serve();
        ipcxx::Server second{config};
        std::error_code ec;
        second.serve(ec);
        CHECK(ec == ipcxx::errc::address_in_use);
        CHECK_THROWS_AS(second.serve(), ipcxx::Error);
        CHECK(first.running());
    }
    SECTION("a stale socket file is replaced") {
        {
            // A socket file nobody listens on, as a crashed server leaves it.
            auto listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un addr{};
            addr.sun_family = AF_UNIX;
            std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
            ::mkdir(dir.path().c_str(), 0700);
            REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
            ::close(listener);
        }
        ipcxx::Server server{config};
        std::error_code ec;
        server.serve(ec);
        CHECK_FALSE(ec);
    }
    SECTION("a file that is not a socket is left alone") {
        std::ofstream(path) << "precious";
        ipcxx::Server server{config};
        std::error_code ec;
        server.serve(ec);
        CHECK(ec == ipcxx::errc::not_a_socket);
        std::ifstream in(path);
        std::string content;
        in >> content;
        CHECK(content == "precious");
    }
    SECTION("a path longer than sun_path is a clear error") {
        ipcxx::Server server{config};
        std::error_code ec;
        server.serve(dir.path() + "/" + std::string(200, 'p'), ec);
        CHECK(ec == ipcxx::errc::path_too_long);
    }
    SECTION("the socket root is created owner-only and the file follows readable_all/writable_all") {
        auto nested = config;
        nested.socket_root = dir.path() + "/a/b/";
        nested.readable_all = true;
        ipcxx::Server server{nested};
        server.serve();
        struct stat st {};
        REQUIRE(::stat((dir.path() + "/a/b").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0700);
        REQUIRE(::stat(server.path().c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0644);
    }
}

TEST_CASE("serve_net reports an address in use", "[server][tcp]") {
    test::TempDir dir;
    ipcxx::Server first{test::config_in(dir)};
    first.serve_net("127.0.0.1", 0);
    ipcxx::Server second{test::config_in(dir)};
    std::error_code ec;
    second.serve_net("127.0.0.1", first.port(), ec);
    CHECK(ec == ipcxx::errc::address_in_use);
}

TEST_CASE("a config that cannot work is refused at construction", "[config]") {
    test::TempDir dir;
    auto config = test::config_in(dir);
    config.delimiter.clear();
    CHECK_THROWS_AS(ipcxx::Server{config}, ipcxx::Error);
    CHECK_THROWS_AS(ipcxx::Client{config}, ipcxx::Error);
    config = test::config_in(dir);
    config.max_pending_bytes = config.max_message_size - 1;
    CHECK_THROWS_AS(ipcxx::Client{config}, ipcxx::Error);
    config = test::config_in(dir);
    config.busy_poll = std::chrono::microseconds(-1);
    CHECK_THROWS_AS(ipcxx::Server{config}, ipcxx::Error);
    CHECK_THROWS_AS(ipcxx::Client{config}, ipcxx::Error);
}

TEST_CASE("busy_poll = 0: a purely event-driven I/O thread serves as well", "[server][client]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir);
    config.busy_poll = std::chrono::microseconds(0);
    ipcxx::Server server{config};
    server.on("ping", [&](const ipcxx::Payload& p, ipcxx::Socket& from) { from.emit("pong", p); });
    server.serve();
    auto client_config = test::config_in(dir, "hello");
    client_config.busy_poll = std::chrono::microseconds(0);
    ipcxx::Client client{client_config};
    client.on("pong", [&](const ipcxx::Payload& p) { log.add("pong " + p.to_json()); });
    client.connect_to(config.id, server.path());
    for (int i = 0; i < 3; ++i) REQUIRE_FALSE(client.emit("ping", i));
    CHECK(log.wait_for("pong 2"));
    CHECK(log.entries() == std::vector<std::string>{"pong 0", "pong 1", "pong 2"});
}

TEST_CASE("a Socket kept after its server is gone is safe to use and to drop", "[server]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Socket kept;
    {
        ipcxx::Server server{test::config_in(dir)};
        server.on("connect", [&](ipcxx::Socket& s) {
            kept = s;
            log.add("connect");
        });
        server.serve();
        ipcxx::Client client{test::config_in(dir, "hello")};
        client.connect_to("world");
        REQUIRE(log.wait_for("connect"));
    }
    CHECK_FALSE(kept.connected());
    CHECK(kept.emit("late", 1) == ipcxx::errc::not_connected);
    kept = ipcxx::Socket();
}

TEST_CASE("a failed write does not drop what the peer sends before it closes", "[server]") {
    // The peer stops reading (so writes to it fail with EPIPE) but still sends two frames, then
    // closes. The server's write fails first; the frames must be dispatched all the same.
    test::TempDir dir;
    asio::io_context io;
    std::atomic<int> received{0};
    ipcxx::Server server{io, test::single_threaded_config_in(dir)};
    server.on("n", [&](const ipcxx::Payload&) { ++received; });
    server.serve();
    auto peer = test::RawPeer::unix_socket(server.path());
    REQUIRE(peer.connected());
    run_until(io, [&] { return !server.sockets().empty(); });
    const auto sockets = server.sockets();
    REQUIRE(sockets.size() == 1);
    peer.stop_reading();
    REQUIRE_FALSE(sockets[0].emit("late", 1));
    run_until(io, [&] { return !sockets[0].connected(); });
    REQUIRE_FALSE(sockets[0].connected());  // the write failed
    REQUIRE(peer.send("{\"type\":\"n\",\"data\":1}\f{\"type\":\"n\",\"data\":2}\f"));
    peer.close();
    run_until(io, [&] { return received.load() >= 2; });
    CHECK(received.load() == 2);
}

TEST_CASE("a write that fails in the middle of a read batch does not drop the rest of it", "[server]") {
    // 40 frames in one write, each answered by its handler: the answers to the first ones go out
    // while the batch is still being read (and fail: the peer stopped reading); every frame must
    // still be dispatched.
    test::TempDir dir;
    asio::io_context io;
    std::atomic<int> received{0};
    ipcxx::Server server{io, test::single_threaded_config_in(dir)};
    server.on("ask", [&](const ipcxx::Payload& p, ipcxx::Socket& from) {
        ++received;
        from.emit("answer", p);
    });
    server.serve();
    auto peer = test::RawPeer::unix_socket(server.path());
    REQUIRE(peer.connected());
    peer.stop_reading();
    std::string frames;
    for (int i = 0; i < 40; ++i) frames += "{\"type\":\"ask\",\"data\":" + std::to_string(i) + "}\f";
    REQUIRE(peer.send(frames));
    peer.close();
    run_until(io, [&] { return received.load() >= 40; });
    CHECK(received.load() == 40);
}

TEST_CASE("start() after stop() listens on the same endpoint, also after port 0", "[server]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("start", [&] { log.add("start"); });
    server.serve_net("127.0.0.1", 0);
    const auto port = server.port();
    REQUIRE(port != 0);
    server.stop();
    CHECK_FALSE(server.running());
    server.start();
    CHECK(server.port() == port);
    CHECK(log.wait_for_count("start", 2));
}
