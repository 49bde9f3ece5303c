// TLS and mutual TLS against node-ipc 14's `tls` config, both ways, with certificates made at
// test time.
#include "interop.hpp"
#include "support/certificates.hpp"

using namespace interop;

namespace {

struct TlsSetup {
    test::TempDir dir;
    test::Certificates certs{dir.path()};
    test::CertificateFiles server = certs.server();
    test::CertificateFiles client = certs.client("node-or-cpp-client");
};

void use_tls(ipcxx::Config& config, const TlsSetup& tls, const test::CertificateFiles* own) {
    config.tls.enabled = true;
    config.tls.ca_file = tls.certs.ca_file();
    if (own) {
        config.tls.certificate_file = own->certificate;
        config.tls.private_key_file = own->private_key;
    }
}

}  // namespace

TEST_CASE("a node-ipc 14 client with a tls config reaches an ipcxx TLS server", "[interop][tls]") {
    const bool mutual = GENERATE(false, true);
    INFO((mutual ? "mutual TLS" : "server certificate only"));
    TlsSetup tls;
    test::Log log;
    auto config = test::config_in(tls.dir, "server");
    use_tls(config, tls, &tls.server);
    config.tls.require_client_cert = mutual;
    ipcxx::Server server{config};
    server.on("connect", [&](ipcxx::Socket& socket) {
        const auto cert = socket.certificate();
        log.add(cert ? "client cn " + cert->common_name : "no client certificate");
    });
    server.on("ping", [&](const ipcxx::Payload& data, ipcxx::Socket& from) { server.emit(from, "pong", data); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) { log.add("error " + e.message); });
    const Address address = interop::serve(server, Transport::tcp, tls.dir);

    std::vector<std::string> args{"--tls-ca", tls.certs.ca_file()};
    if (mutual) args.insert(args.end(), {"--tls-cert", tls.client.certificate, "--tls-key", tls.client.private_key});
    auto node = start_node_client("14", address, args);
    INFO(node->describe());
    REQUIRE(node->wait_line(ev_is("connect")));
    CHECK(log.wait_for(mutual ? "client cn node-or-cpp-client" : "no client certificate"));
    REQUIRE(node->send(emit_cmd("ping", "\"over tls\"")));
    const auto pong = node->wait_line(message_is("pong"));
    REQUIRE(pong);
    CHECK(pong->text() == message_line("pong", "\"over tls\""));
    CHECK(log.count("error") == 0);
}

TEST_CASE("an ipcxx TLS client reaches a node-ipc 14 TLS server", "[interop][tls]") {
    const bool mutual = GENERATE(false, true);
    INFO((mutual ? "mutual TLS" : "server certificate only"));
    TlsSetup tls;
    std::vector<std::string> args{"--echo", "--tls-cert", tls.server.certificate, "--tls-key", tls.server.private_key};
    if (mutual) args.insert(args.end(), {"--tls-ca", tls.certs.ca_file(), "--tls-require-client-cert"});
    auto node = start_node_server("14", Transport::tcp, tls.dir, args);
    INFO(node.peer->describe());

    test::Log log;
    auto config = test::config_in(tls.dir, "cpp-client");
    use_tls(config, tls, mutual ? &tls.client : nullptr);
    ipcxx::Client client{config};
    client.on("pong", [&](const ipcxx::Payload& data) { log.add(data.as<std::string>()); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) { log.add("error " + e.message); });
    client.emit("pong", "echoed over tls");
    interop::connect(client, node.address);
    REQUIRE(node.peer->wait_line(ev_is("connect")));
    CHECK(log.wait_for("echoed over tls"));
    CHECK_FALSE(client.native());  // node-ipc never welcomes: JSON inside TLS
}

TEST_CASE("a node-ipc 14 TLS server refuses an ipcxx client without a certificate, and says so", "[interop][tls]") {
    TlsSetup tls;
    auto node = start_node_server("14", Transport::tcp, tls.dir,
                                  {"--tls-cert", tls.server.certificate, "--tls-key", tls.server.private_key,
                                   "--tls-ca", tls.certs.ca_file(), "--tls-require-client-cert"});
    INFO(node.peer->describe());
    test::Log log;
    auto config = test::config_in(tls.dir, "cpp-client");
    use_tls(config, tls, nullptr);
    ipcxx::Client client{config};
    client.on("error", [&](const ipcxx::ErrorEvent& e) { log.add(e.code.message()); });
    interop::connect(client, node.address);
    CHECK(log.wait_for(make_error_code(ipcxx::errc::tls_client_certificate_required).message()));
}

TEST_CASE("an ipcxx mutual-TLS server refuses a node-ipc 14 client without a certificate, and says so", "[interop][tls]") {
    TlsSetup tls;
    test::Log log;
    auto config = test::config_in(tls.dir, "server");
    use_tls(config, tls, &tls.server);
    config.tls.require_client_cert = true;
    ipcxx::Server server{config};
    server.on("connect", [&](ipcxx::Socket&) { log.add("connect"); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) { log.add(e.code.message()); });
    const Address address = interop::serve(server, Transport::tcp, tls.dir);
    auto node = start_node_client("14", address, {"--tls-ca", tls.certs.ca_file(), "--max-retries", "0"});
    INFO(node->describe());
    CHECK(log.wait_for(make_error_code(ipcxx::errc::tls_client_certificate_required).message()));
    CHECK(log.count("connect") == 0);
}
