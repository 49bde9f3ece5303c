// raw_buffer between ipcxx peers: no frames, bytes as written, `data` events with the bytes read.
#include <catch2/catch.hpp>

#include <mutex>

#include "support/fixtures.hpp"
#include "support/pair.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace {

class Bytes {
public:
    void add(const ipcxx::Payload& data) {
        std::lock_guard<std::mutex> lock(mutex_);
        all_ += data.as<std::string>();
    }
    std::string get() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return all_;
    }
    bool wait_size(std::size_t n) const {
        return test::eventually([&] { return get().size() >= n; });
    }

private:
    mutable std::mutex mutex_;
    std::string all_;
};

}  // namespace

TEST_CASE("raw buffers: emit_raw, broadcast_raw, data events, sync", "[raw]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    auto config = test::config_in(dir);
    config.raw_buffer = true;
    config.encoding = "hex";
    ipcxx::Server server{config};
    Bytes at_server;
    server.on("data", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        at_server.add(data);
        // Echo what was read, as is.
        from.emit_raw(data.as<std::string>());
    });
    test::serve(server, transport);

    auto client_config = test::config_in(dir, "hello");
    client_config.raw_buffer = true;
    client_config.sync = true;
    client_config.encoding = "hex";
    ipcxx::Client client{client_config};
    Bytes at_client;
    client.on("data", [&](const ipcxx::Payload& data) { at_client.add(data); });
    test::connect(client, transport, server.port());

    const std::string binary("\x00\xC1\x0C\xFF", 4);
    REQUIRE_FALSE(client.emit_raw(binary));
    REQUIRE_FALSE(client.emit_raw_text("0a0b"));  // held (sync) until the echo comes back
    REQUIRE(at_server.wait_size(6));
    CHECK(at_server.get() == binary + "\x0a\x0b");
    REQUIRE(at_client.wait_size(6));
    CHECK(at_client.get() == binary + "\x0a\x0b");

    CHECK(client.emit("framed", 1) == ipcxx::errc::invalid_argument);
    CHECK(client.emit_raw_text("xyz") == ipcxx::errc::invalid_argument);
    CHECK(client.emit_raw(std::string(config.max_message_size + 1, 'x')) == ipcxx::errc::frame_too_large);
    CHECK(server.broadcast("framed", 1) == ipcxx::errc::invalid_argument);
    REQUIRE_FALSE(server.broadcast_raw_text("ff"));
    REQUIRE(at_client.wait_size(7));
    CHECK(at_client.get().back() == '\xFF');
}

TEST_CASE("emit_raw outside raw_buffer mode is refused", "[raw]") {
    test::TempDir dir;
    ipcxx::Client client{test::config_in(dir, "hello")};
    CHECK(client.emit_raw("bytes") == ipcxx::errc::invalid_argument);
    ipcxx::Config config = test::config_in(dir);
    config.raw_buffer = true;
    config.wire = ipcxx::Wire::native;
    CHECK_THROWS_AS(ipcxx::Server(config), ipcxx::Error);
    config.wire = ipcxx::Wire::automatic;
    config.encoding = "klingon";
    CHECK_THROWS_AS(ipcxx::Server(config), ipcxx::Error);
}
