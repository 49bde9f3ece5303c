// TLS over TCP: certificates made at test time; what connects, and what is refused and why.
#include <catch2/catch.hpp>

#include "support/certificates.hpp"
#include "support/fixtures.hpp"
#include "support/raw_peer.hpp"

using namespace std::chrono_literals;

namespace {

struct Pki {
    test::TempDir dir;
    test::Certificates certs{dir.path()};
};

ipcxx::Config tls_server_config(const test::TempDir& dir, const test::CertificateFiles& files) {
    auto config = test::config_in(dir);
    config.tls.enabled = true;
    config.tls.certificate_file = files.certificate;
    config.tls.private_key_file = files.private_key;
    return config;
}

ipcxx::Config tls_client_config(const test::TempDir& dir, const std::string& ca_file) {
    auto config = test::config_in(dir, "hello");
    config.tls.enabled = true;
    config.tls.ca_file = ca_file;
    return config;
}

// Records "connect", messages, and error codes by name ("error:tls_unknown_ca").
void record(ipcxx::Client& client, test::Log& log) {
    client.on("connect", [&log] { log.add("connect"); });
    client.on("message", [&log](const ipcxx::Payload& data) { log.add(data.as<std::string>()); });
    client.on("error", [&log](const ipcxx::ErrorEvent& e) { log.add("error:" + e.code.message()); });
}

void record(ipcxx::Server& server, test::Log& log) {
    server.on("connect", [&log](ipcxx::Socket&) { log.add("server connect"); });
    server.on("error", [&log](const ipcxx::ErrorEvent& e) { log.add("server error:" + e.code.message()); });
    server.on("message", [&server](const ipcxx::Payload& data, ipcxx::Socket& from) {
        server.emit(from, "message", data.as<std::string>() + " world!");
    });
}

std::string error(ipcxx::errc code) { return "error:" + make_error_code(code).message(); }
std::string server_error(ipcxx::errc code) { return "server " + error(code); }

}  // namespace

TEST_CASE("TLS: good certificates connect, on both wires", "[tls]") {
    const ipcxx::Wire wire = GENERATE(ipcxx::Wire::automatic, ipcxx::Wire::json);
    Pki pki;
    test::Log log;
    auto server_config = tls_server_config(pki.dir, pki.certs.server());
    server_config.wire = wire;
    ipcxx::Server server{server_config};
    record(server, log);
    server.serve_net("127.0.0.1", 0);

    auto client_config = tls_client_config(pki.dir, pki.certs.ca_file());
    client_config.wire = wire;
    ipcxx::Client client{client_config};
    record(client, log);
    client.emit("message", "hello");
    client.connect_to_net("world", "127.0.0.1", server.port());
    REQUIRE(log.wait_for("hello world!"));
    CHECK(client.native() == (wire == ipcxx::Wire::automatic));
    CHECK(log.count("server connect") == 1);
}

TEST_CASE("TLS: the client refuses a bad server certificate and says why", "[tls]") {
    Pki pki;
    test::Log log;
    auto client_config = tls_client_config(pki.dir, pki.certs.ca_file());
    test::CertificateFiles server_files;
    ipcxx::errc expected{};

    SECTION("expired") {
        server_files = pki.certs.issue("expired", {"localhost", {"IP:127.0.0.1"}, -7200, -3600});
        expected = ipcxx::errc::tls_certificate_expired;
    }
    SECTION("wrong host name") {
        server_files = pki.certs.server();
        client_config.tls.server_name = "elsewhere.example";
        expected = ipcxx::errc::tls_host_name_mismatch;
    }
    SECTION("a private CA the client was not told about (ca_file empty: the system's CAs only)") {
        server_files = pki.certs.server();
        client_config.tls.ca_file.clear();
        expected = ipcxx::errc::tls_unknown_ca;
    }
    SECTION("unknown CA") {
        server_files = pki.certs.issue("rogue", {"localhost", {"IP:127.0.0.1"}, -3600, 3600, false});
        expected = ipcxx::errc::tls_unknown_ca;
    }
    ipcxx::Server server{tls_server_config(pki.dir, server_files)};
    record(server, log);
    server.serve_net("127.0.0.1", 0);
    ipcxx::Client client{client_config};
    record(client, log);
    client.on("destroy", [&] { log.add("destroy"); });
    client.emit("message", "secret");
    client.connect_to_net("world", "127.0.0.1", server.port());
    REQUIRE(log.wait_for(error(expected)));
    CHECK(log.wait_for("destroy"));  // a certificate verdict is final: no retries
    CHECK(log.count("connect") == 0);
    CHECK(log.count("server connect") == 0);
}

TEST_CASE("TLS: insecure_skip_verify connects to any server certificate", "[tls]") {
    Pki pki;
    test::Log log;
    ipcxx::Server server{tls_server_config(pki.dir, pki.certs.issue("rogue", {"x", {}, -3600, 3600, false}))};
    record(server, log);
    server.serve_net("127.0.0.1", 0);
    auto client_config = tls_client_config(pki.dir, pki.certs.ca_file());
    client_config.tls.insecure_skip_verify = true;
    ipcxx::Client client{client_config};
    record(client, log);
    client.emit("message", "hello");
    client.connect_to_net("world", "127.0.0.1", server.port());
    CHECK(log.wait_for("hello world!"));
}

TEST_CASE("mutual TLS: the client's certificate is required, verified, and shown on its Socket", "[tls]") {
    Pki pki;
    test::Log log;
    auto server_config = tls_server_config(pki.dir, pki.certs.server());
    server_config.tls.ca_file = pki.certs.ca_file();
    server_config.tls.require_client_cert = true;
    ipcxx::Server server{server_config};
    record(server, log);
    server.on("connect", [&](ipcxx::Socket& socket) {
        const auto cert = socket.certificate();
        log.add(cert ? "cn:" + cert->common_name + " " + cert->subject : "no certificate");
    });
    server.serve_net("127.0.0.1", 0);
    auto client_config = tls_client_config(pki.dir, pki.certs.ca_file());

    SECTION("a good client certificate") {
        const auto alice = pki.certs.client("alice");
        client_config.tls.certificate_file = alice.certificate;
        client_config.tls.private_key_file = alice.private_key;
        ipcxx::Client client{client_config};
        record(client, log);
        client.emit("message", "hello");
        client.connect_to_net("world", "127.0.0.1", server.port());
        REQUIRE(log.wait_for("hello world!"));
        CHECK(log.count("cn:alice CN=alice") == 1);
    }
    SECTION("no client certificate") {
        ipcxx::Client client{client_config};
        record(client, log);
        client.connect_to_net("world", "127.0.0.1", server.port());
        CHECK(log.wait_for(server_error(ipcxx::errc::tls_client_certificate_required)));
        CHECK(log.wait_for(error(ipcxx::errc::tls_client_certificate_required)));
        CHECK(log.count("server connect") == 0);
    }
    SECTION("a client certificate from an unknown CA") {
        const auto mallory = pki.certs.issue("mallory", {"mallory", {}, -3600, 3600, false});
        client_config.tls.certificate_file = mallory.certificate;
        client_config.tls.private_key_file = mallory.private_key;
        ipcxx::Client client{client_config};
        record(client, log);
        client.connect_to_net("world", "127.0.0.1", server.port());
        CHECK(log.wait_for(server_error(ipcxx::errc::tls_unknown_ca)));
        CHECK(log.wait_for(error(ipcxx::errc::tls_unknown_ca)));
        CHECK(log.count("server connect") == 0);
    }
    SECTION("an expired client certificate") {
        const auto old = pki.certs.issue("old", {"old", {}, -7200, -3600});
        client_config.tls.certificate_file = old.certificate;
        client_config.tls.private_key_file = old.private_key;
        ipcxx::Client client{client_config};
        record(client, log);
        client.connect_to_net("world", "127.0.0.1", server.port());
        CHECK(log.wait_for(server_error(ipcxx::errc::tls_certificate_expired)));
        CHECK(log.count("server connect") == 0);
    }
}

TEST_CASE("TLS: a plain client is refused by a TLS server, and bad files are named", "[tls]") {
    Pki pki;
    test::Log log;
    SECTION("plain TCP to a TLS server") {
        ipcxx::Server server{tls_server_config(pki.dir, pki.certs.server())};
        record(server, log);
        server.serve_net("127.0.0.1", 0);
        ipcxx::Client client{test::config_in(pki.dir, "hello")};
        client.connect_to_net("world", "127.0.0.1", server.port());
        CHECK(log.wait_for(server_error(ipcxx::errc::tls_handshake_failed)));
        CHECK(log.count("server connect") == 0);
    }
    SECTION("a server without a certificate, or with a missing file") {
        auto config = test::config_in(pki.dir);
        config.tls.enabled = true;
        std::string expected_text = "tls.certificate_file";
        if (GENERATE(false, true)) {
            config.tls.certificate_file = pki.dir.path() + "/missing.crt";
            config.tls.private_key_file = pki.dir.path() + "/missing.key";
            expected_text = pki.dir.path() + "/missing.crt";
        }
        ipcxx::Server server{config};
        try {
            server.serve_net("127.0.0.1", 0);
            FAIL("serve_net accepted an unusable TLS configuration");
        } catch (const ipcxx::Error& e) {
            CHECK(e.code() == ipcxx::errc::tls_configuration);
            CHECK(std::string(e.what()).find(expected_text) != std::string::npos);
        }
        CHECK_FALSE(server.running());
    }
}

TEST_CASE("TLS: a silent peer is cut off after handshake_timeout, and stop() ends handshakes at once", "[tls]") {
    Pki pki;
    test::Log log;
    auto config = tls_server_config(pki.dir, pki.certs.server());
    const bool stop_early = GENERATE(false, true);
    config.handshake_timeout = stop_early ? std::chrono::milliseconds(60000) : std::chrono::milliseconds(100);
    ipcxx::Server server{config};
    record(server, log);
    server.serve_net("127.0.0.1", 0);
    auto silent = test::RawPeer::tcp(server.port());
    REQUIRE(silent.connected());
    if (stop_early) {
        // Accepts are taken in order: once a later client is connected, the silent one is in its handshake.
        ipcxx::Client later{tls_client_config(pki.dir, pki.certs.ca_file())};
        later.connect_to_net("world", "127.0.0.1", server.port());
        REQUIRE(log.wait_for("server connect"));
        server.stop();
    } else {
        CHECK(log.wait_for(server_error(ipcxx::errc::tls_handshake_failed)));
    }
    bool closed = false;
    silent.read_until_closed(10s, &closed);
    CHECK(closed);
    CHECK(log.count("server connect") == (stop_early ? 1u : 0u));
}
