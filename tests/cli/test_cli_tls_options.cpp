// The TLS flags of serve, connect and request (tools/ipcxx/options.cpp).

#include "option_checks.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using ipcxx_cli::Options;

using cli_test::contains;
using cli_test::error_of;
using cli_test::run;

TEST_CASE("cli tls: off unless asked for", "[cli]") {
    CHECK_FALSE(run({"serve", "--tcp", "0"}).tls.enabled);
    CHECK_FALSE(run({"connect", "--tcp", "8000"}).tls.enabled);
}

TEST_CASE("cli tls: a server with mutual TLS", "[cli]") {
    const Options o = run({"serve", "--tcp", "0", "--tls-cert", "s.crt", "--tls-key=s.key", "--tls-ca", "ca.crt",
                           "--tls-require-client-cert"});
    CHECK(o.tls.enabled);
    CHECK(o.tls.certificate_file == "s.crt");
    CHECK(o.tls.private_key_file == "s.key");
    CHECK(o.tls.ca_file == "ca.crt");
    CHECK(o.tls.require_client_cert);
    CHECK_FALSE(o.tls.insecure_skip_verify);
}

TEST_CASE("cli tls: clients", "[cli]") {
    const Options plain = run({"connect", "--tcp", "localhost:8443", "--tls"});
    CHECK(plain.tls.enabled);
    CHECK(plain.tls.ca_file.empty());

    const Options named = run({"request", "--tcp", "10.0.0.1:8443", "--tls-ca", "ca.crt", "--tls-server-name",
                               "svc.example", "--tls-cert", "me.crt", "--tls-key", "me.key", "ping"});
    CHECK(named.tls.enabled);
    CHECK(named.tls.server_name == "svc.example");
    CHECK(named.tls.certificate_file == "me.crt");
    CHECK(named.event == "ping");

    const Options unsafe = run({"connect", "--tcp", "8443", "--tls-insecure-skip-verify"});
    CHECK(unsafe.tls.enabled);
    CHECK(unsafe.tls.insecure_skip_verify);
}

TEST_CASE("cli tls: usage errors", "[cli]") {
    CHECK(contains(error_of({"connect", "--tls"}), "TLS works over TCP only"));
    CHECK(contains(error_of({"serve", "--unix", "/x", "--tls-cert", "a", "--tls-key", "b"}), "over TCP only"));
    CHECK(contains(error_of({"serve", "--tcp", "0", "--tls"}), "serve over TLS needs --tls-cert and --tls-key"));
    CHECK(contains(error_of({"serve", "--tcp", "0", "--tls-cert", "a"}), "'--tls-cert' and '--tls-key' go together"));
    CHECK(contains(error_of({"connect", "--tcp", "1", "--tls-key", "k"}), "go together"));
    CHECK(contains(error_of({"connect", "--tcp", "1", "--tls-require-client-cert"}), "only for 'serve'"));
    CHECK(contains(error_of({"serve", "--tcp", "0", "--tls-insecure-skip-verify"}),
                   "only for 'connect' and 'request'"));
    CHECK(contains(error_of({"serve", "--tcp", "0", "--tls-server-name", "x"}), "only for 'connect' and 'request'"));
    CHECK(contains(error_of({"connect", "--tcp", "1", "--tls-insecure-skip-verify", "--tls-ca", "ca.crt"}),
                   "'--tls-ca' would be ignored"));
    CHECK(contains(error_of({"connect", "--tcp", "1", "--tls-ca="}), "non-empty"));
    CHECK(contains(error_of({"connect", "--tcp", "1", "--tls=yes"}), "takes no value"));
}
