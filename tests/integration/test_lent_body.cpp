// emit of a large body the caller keeps (detail/lent_body.hpp): written from the caller's memory or
// copied before emit returns. A body overwritten as soon as emit returns must still arrive as it was
// when emitted, whether the server reads at once or only after the client stopped emitting.
#include <catch2/catch.hpp>

#include <future>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "support/fixtures.hpp"
#include "support/large_bodies.hpp"

namespace lent_body_test {

using test::large_body;

// The same buffer for every message, overwritten with the next body as soon as emit returns.
void emit_all(ipcxx::Client& client, int total) {
    std::string text = large_body(0);
    for (int i = 0; i < total; ++i) {
        switch (i % 3) {
        case 0: REQUIRE_FALSE(client.emit("m", std::make_tuple(i, std::string_view(text)))); break;
        case 1: REQUIRE_FALSE(client.emit("m", std::pair<int, const std::string&>(i, text))); break;
        default: REQUIRE_FALSE(client.emit("m", std::tuple<int, std::string>(i, text))); break;
        }
        text = large_body(i + 1);
    }
}

TEST_CASE("a lent body arrives as it was when emitted, read at once or late", "[native]") {
    const bool late = GENERATE(false, true);
    CAPTURE(late);
    test::TempDir dir;
    std::promise<void> release;
    auto released = release.get_future().share();
    test::Log server_log;
    ipcxx::Server server{test::config_in(dir)};
    // Late: nothing more is read meanwhile, so the lent bodies wait, then are copied.
    test::log_large_bodies(server, "m", server_log, [&] {
        if (late) released.wait();
    });
    server.serve();
    auto config = test::config_in(dir, "hello");
    config.unix_send_buffer = 0;  // the system's buffer: a body does not fit it whole
    ipcxx::Client client{config};
    client.connect_to("world");
    REQUIRE(test::eventually([&] { return client.connected() && client.native(); }));

    constexpr int total = 12;
    emit_all(client, total);
    release.set_value();
    REQUIRE(server_log.wait_for_size(total));
    for (int i = 0; i < total; ++i) CHECK(server_log.entries()[static_cast<std::size_t>(i)] == std::to_string(i));
}

TEST_CASE("a lent body emitted from the client's own handler is copied, and arrives", "[native]") {
    test::TempDir dir;
    test::Log server_log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("m", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        const auto [i, text] = data.as<std::tuple<int, std::string>>();
        server_log.add(text == large_body(i) ? std::to_string(i) : "corrupt " + std::to_string(i));
        if (i == 0) from.emit("again");
    });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    // On the I/O thread, waiting for the write would wait for this very thread.
    client.on("again", [&] {
        std::string text = large_body(1);
        client.emit("m", std::make_tuple(1, std::string_view(text)));
        text = large_body(2);
    });
    client.connect_to("world");
    REQUIRE(test::eventually([&] { return client.connected() && client.native(); }));
    const std::string first = large_body(0);
    REQUIRE_FALSE(client.emit("m", std::make_tuple(0, std::string_view(first))));
    REQUIRE(server_log.wait_for_size(2));
    CHECK(server_log.entries()[1] == "1");
}

TEST_CASE("a lent body emitted while disconnected is copied and sent on connect", "[native]") {
    test::TempDir dir;
    test::Log server_log;
    ipcxx::Server server{test::config_in(dir)};
    test::log_large_bodies(server, "m", server_log);
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.connect_to("world");  // nobody serves yet: the client retries
    std::string text = large_body(0);
    REQUIRE_FALSE(client.emit("m", std::make_tuple(0, std::string_view(text))));
    text = large_body(5);
    server.serve();
    REQUIRE(server_log.wait_for_size(1));
    CHECK(server_log.entries()[0] == "0");
}

}  // namespace lent_body_test
