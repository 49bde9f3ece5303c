// Against a library built with IPCXX_WITH_TLS=OFF: it says so, and a TLS server or client fails
// with errc::tls_unavailable instead of serving or connecting in the clear.
#include <chrono>
#include <future>
#include <iostream>

#include <ipcxx/ipcxx.hpp>

namespace {

int fail(const std::string& what) {
    std::cerr << "without_tls: " << what << std::endl;
    return 1;
}

}  // namespace

int main() {
    if (ipcxx::tls_available()) return fail("tls_available() is true");

    ipcxx::Config tls_config;
    tls_config.id = "tls";
    tls_config.silent = true;
    tls_config.tls.enabled = true;
    tls_config.tls.certificate_file = "unused.pem";
    tls_config.tls.private_key_file = "unused.key";
    ipcxx::Server tls_server{tls_config};
    std::error_code ec;
    tls_server.serve_net("127.0.0.1", 0, ec);
    if (ec != ipcxx::errc::tls_unavailable) return fail("a TLS server got: " + ec.message());
    if (ec.message().find("without TLS") == std::string::npos) return fail("unclear message: " + ec.message());

    // A plain server, so that the client's TCP connection succeeds and TLS is what fails.
    ipcxx::Config plain_config = tls_config;
    plain_config.tls = {};
    ipcxx::Server plain_server{plain_config};
    plain_server.serve_net("127.0.0.1", 0);

    std::promise<std::error_code> reported;
    ipcxx::Config client_config = plain_config;
    client_config.tls.enabled = true;
    ipcxx::Client client{client_config};
    bool first = true;
    client.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (!first) return;
        first = false;
        reported.set_value(e.code);
    });
    client.connect_to_net("tls", "127.0.0.1", plain_server.port());
    auto future = reported.get_future();
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return fail("the client reported nothing");
    const std::error_code client_ec = future.get();
    if (client_ec != ipcxx::errc::tls_unavailable) return fail("a TLS client got: " + client_ec.message());
    std::cout << "without TLS: " << ec.message() << std::endl;
    return 0;
}
