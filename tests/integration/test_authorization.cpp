// allowed_events and the authenticate hook: what may be sent and received, and who may connect.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "support/certificates.hpp"
#include "support/fixtures.hpp"
#include "support/pair.hpp"
#include "support/raw_peer.hpp"

using namespace std::chrono_literals;

namespace {

void record_server(ipcxx::Server& server, test::Log& log) {
    server.on("connect", [&log](ipcxx::Socket&) { log.add("server connect"); });
    server.on("socket.disconnected", [&log](ipcxx::Socket&) { log.add("server disconnected"); });
    server.on("error", [&log](const ipcxx::ErrorEvent& e) { log.add("server error " + e.code.message()); });
    server.on("*", [&log](std::string_view event, const ipcxx::Payload&, ipcxx::Socket&) {
        log.add("server got " + std::string(event));
    });
}

void record_client(ipcxx::Client& client, test::Log& log) {
    client.on("connect", [&log] { log.add("connect"); });
    client.on("disconnect", [&log] { log.add("disconnect"); });
    client.on("error", [&log](const ipcxx::ErrorEvent& e) { log.add("error " + e.code.message()); });
    client.on("*", [&log](std::string_view event, const ipcxx::Payload&) { log.add("got " + std::string(event)); });
}

const std::string not_allowed = make_error_code(ipcxx::errc::event_not_allowed).message();
const std::string refused = make_error_code(ipcxx::errc::authentication_refused).message();

}  // namespace

TEST_CASE("allowed_events: sending an event outside the list is refused by emit, broadcast and request", "[security]") {
    test::TempDir dir;
    auto config = test::config_in(dir);
    config.allowed_events = {"ping"};
    ipcxx::Server server{config};
    server.serve();
    CHECK(server.broadcast("other", 1) == ipcxx::errc::event_not_allowed);
    CHECK_FALSE(server.broadcast("ping", 1));

    auto client_config = test::config_in(dir, "hello");
    client_config.allowed_events = {"ping"};
    ipcxx::Client client{client_config};
    CHECK(client.emit("other", 1) == ipcxx::errc::event_not_allowed);
    CHECK_FALSE(client.emit("ping", 1));
    CHECK(client.pending_messages() == 1);  // the refused one was never queued
    std::error_code request_error;
    test::Log log;
    client.request("other", 1, 1s, [&](const ipcxx::Response& r) {
        request_error = r.error;
        log.add("response");
    });
    REQUIRE(log.wait_for("response"));
    CHECK(request_error == ipcxx::errc::event_not_allowed);
}

TEST_CASE("allowed_events: a received event outside the list is an error and closes that connection", "[security]") {
    const test::Transport transport = GENERATE(test::Transport::unix_socket, test::Transport::tcp);
    const ipcxx::Wire wire = GENERATE(ipcxx::Wire::automatic, ipcxx::Wire::json);
    INFO(test::name(transport) << (wire == ipcxx::Wire::json ? ", json wire" : ", native wire"));
    test::TempDir dir;
    test::Log log;

    SECTION("received by a server") {
        auto config = test::config_in(dir);
        config.allowed_events = {"ping"};
        ipcxx::Server server{config};
        record_server(server, log);
        test::serve(server, transport);
        auto client_config = test::config_in(dir, "hello");
        client_config.wire = wire;
        client_config.stop_retrying = true;
        ipcxx::Client client{client_config};
        record_client(client, log);
        client.emit("ping", 1);
        client.emit("sneaky", 2);
        client.emit("ping", 3);
        test::connect(client, transport, server.port());
        REQUIRE(log.wait_for("server error " + not_allowed));
        CHECK(log.wait_for("disconnect"));
        CHECK(log.count("server got ping") == 1);
        CHECK(log.count("server got sneaky") == 0);
    }
    SECTION("received by a client") {
        ipcxx::Server server{test::config_in(dir)};
        server.on("connect", [&](ipcxx::Socket& socket) {
            socket.emit("sneaky", 1);
        });
        test::serve(server, transport);
        auto client_config = test::config_in(dir, "hello");
        client_config.wire = wire;
        client_config.allowed_events = {"ping"};
        ipcxx::Client client{client_config};
        record_client(client, log);
        test::connect(client, transport, server.port());
        REQUIRE(log.wait_for("error " + not_allowed));
        CHECK(log.wait_for("disconnect"));
        CHECK(log.count("got sneaky") == 0);
    }
}

TEST_CASE("authenticate sees an ipcxx client's hello and credentials before `connect`", "[security]") {
    test::TempDir dir;
    test::Log log;
    std::mutex mutex;
    std::vector<ipcxx::PeerHello> seen;
    auto config = test::config_in(dir);
    config.authenticate = [&](const ipcxx::PeerHello& hello) {
        std::lock_guard<std::mutex> lock(mutex);
        seen.push_back(hello);
        return hello.id == "alice";
    };
    ipcxx::Server server{config};
    record_server(server, log);
    server.serve();

    const std::string id = GENERATE("alice", "mallory");
    ipcxx::Client client{test::config_in(dir, id)};
    record_client(client, log);
    client.emit("message", 1);
    client.connect_to("world");
    if (id == "alice") {
        REQUIRE(log.wait_for("server got message"));
        CHECK(log.count("server connect") == 1);
        CHECK(server.sockets().size() == 1);
    } else {
        REQUIRE(log.wait_for("server error " + refused));
        CHECK(log.count("server connect") == 0);
        CHECK(log.count("server got message") == 0);
        CHECK(log.count("server disconnected") == 0);
        CHECK(server.sockets().empty());
    }
    std::lock_guard<std::mutex> lock(mutex);
    REQUIRE_FALSE(seen.empty());
    CHECK(seen.front().said_hello);
    CHECK(seen.front().id == id);
    REQUIRE(seen.front().credentials);
    CHECK(seen.front().credentials->uid == ::geteuid());
    CHECK(seen.front().credentials->pid == ::getpid());
}

TEST_CASE("authenticate judges a client without hello at its first message, or at once on a JSON server", "[security]") {
    test::TempDir dir;
    test::Log log;
    const bool json_server = GENERATE(false, true);
    INFO((json_server ? "server wire json" : "server wire automatic"));
    std::atomic<int> calls{0};
    std::atomic<bool> said_hello{true};
    auto config = test::config_in(dir);
    if (json_server) config.wire = ipcxx::Wire::json;
    config.authenticate = [&](const ipcxx::PeerHello& hello) {
        said_hello = hello.said_hello;
        ++calls;
        return hello.id.empty();
    };
    ipcxx::Server server{config};
    record_server(server, log);
    server.serve();
    auto client_config = test::config_in(dir, "hello");
    client_config.wire = ipcxx::Wire::json;  // as a node-ipc client: no hello
    ipcxx::Client client{client_config};
    record_client(client, log);
    client.connect_to("world");
    REQUIRE(log.wait_for("connect"));
    if (json_server) {
        CHECK(log.wait_for("server connect"));  // nothing sent yet: judged at accept
    } else {
        CHECK(log.count("server connect") == 0);
        client.emit("message", 1);
        CHECK(log.wait_for("server got message"));
    }
    CHECK(log.count("server connect") == 1);
    CHECK(calls == 1);
    CHECK_FALSE(said_hello);
}

TEST_CASE("authenticate judges a client that says nothing at handshake_timeout", "[security]") {
    test::TempDir dir;
    test::Log log;
    const bool accept = GENERATE(true, false);
    INFO((accept ? "accepted" : "refused"));
    auto config = test::config_in(dir);
    config.handshake_timeout = 200ms;
    config.authenticate = [&](const ipcxx::PeerHello& hello) {
        log.add(hello.said_hello ? "judged after hello" : "judged silent");
        return accept;
    };
    ipcxx::Server server{config};
    record_server(server, log);
    server.serve();
    auto silent = test::RawPeer::unix_socket(server.path());  // a node-ipc client that only listens
    REQUIRE(silent.connected());
    if (accept) {
        REQUIRE(log.wait_for("server connect"));
        REQUIRE_FALSE(server.broadcast("news", 1));
        CHECK(silent.read_frames(1, 10s) == "{\"type\":\"news\",\"data\":1}\f");
        CHECK(log.entries() == std::vector<std::string>{"judged silent", "server connect"});
    } else {
        bool closed = false;
        silent.read_until_closed(10s, &closed);
        CHECK(closed);
        REQUIRE(log.wait_for("server error " + refused));
        CHECK(log.entries() == std::vector<std::string>{"judged silent", "server error " + refused});
    }
}

TEST_CASE("authenticate sees a mutual-TLS client's certificate, and a throwing hook refuses", "[security][tls]") {
    test::TempDir dir;
    test::Certificates certs{dir.path()};
    const auto server_files = certs.server();
    const auto alice = certs.client("alice");
    test::Log log;
    const bool throws = GENERATE(false, true);
    auto config = test::config_in(dir);
    config.tls.enabled = true;
    config.tls.certificate_file = server_files.certificate;
    config.tls.private_key_file = server_files.private_key;
    config.tls.ca_file = certs.ca_file();
    config.tls.require_client_cert = true;
    config.authenticate = [&](const ipcxx::PeerHello& hello) {
        if (throws) throw std::runtime_error("database down");
        log.add("cn " + (hello.certificate ? hello.certificate->common_name : std::string("none")));
        return true;
    };
    ipcxx::Server server{config};
    record_server(server, log);
    server.on("error", [&](const ipcxx::ErrorEvent& e) { log.add(e.message); });
    server.serve_net("127.0.0.1", 0);
    auto client_config = test::config_in(dir, "hello");
    client_config.tls.enabled = true;
    client_config.tls.ca_file = certs.ca_file();
    client_config.tls.certificate_file = alice.certificate;
    client_config.tls.private_key_file = alice.private_key;
    ipcxx::Client client{client_config};
    client.connect_to_net("world", "127.0.0.1", server.port());
    if (throws) {
        CHECK(log.wait_for("server error " + refused));
        CHECK(test::eventually([&] {
            const auto entries = log.entries();
            return std::any_of(entries.begin(), entries.end(),
                               [](const std::string& e) { return e.find("database down") != std::string::npos; });
        }));
        CHECK(log.count("server connect") == 0);
    } else {
        CHECK(log.wait_for("cn alice"));
        CHECK(log.wait_for("server connect"));
    }
}

TEST_CASE("allowed_events on UDP: a datagram with an event outside the list is reported and dropped", "[security][udp]") {
    test::TempDir dir;
    test::Log log;
    auto config = test::config_in(dir, "b");
    config.allowed_events = {"ping"};
    ipcxx::Server b{config};
    record_server(b, log);
    b.serve_net("127.0.0.1", 0, ipcxx::NetProtocol::udp4);
    ipcxx::Server a{test::config_in(dir, "a")};
    a.serve_net("127.0.0.1", 0, ipcxx::NetProtocol::udp4);
    const ipcxx::Socket to_b = a.udp_peer("127.0.0.1", b.port());
    REQUIRE_FALSE(to_b.emit("sneaky", 1));
    REQUIRE(log.wait_for("server error " + not_allowed));
    REQUIRE_FALSE(to_b.emit("ping", 2));
    CHECK(log.wait_for("server got ping"));
    CHECK(log.count("server got sneaky") == 0);
}
