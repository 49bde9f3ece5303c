// emit of a value moved in (detail/moved_body.hpp): a large std::string body is taken over instead
// of copied; what arrives is what a const emit sends, and a refused emit leaves the string alone.
#include <catch2/catch.hpp>

#include <future>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "support/fixtures.hpp"
#include "support/large_bodies.hpp"

namespace moved_body_test {

using test::large_body;

TEST_CASE("bodies moved into emit arrive intact and in order, the large ones taken over", "[native]") {
    test::TempDir dir;
    test::Log server_log;
    test::Log client_log;
    ipcxx::Server server{test::config_in(dir)};
    server.on("pair", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        // No Catch2 assertion here (not thread-safe): the log says what went wrong.
        auto [i, text] = data.as<std::tuple<int, std::string>>();
        const bool intact = text == large_body(i, text.size());
        // The server's Socket::emit takes a moved body too; a small one is copied, its string kept.
        const bool large = text.size() >= 64 * 1024;
        std::pair<int, std::string> reply(i, std::move(text));
        const bool sent = !from.emit("back", std::move(reply));
        const bool taken = reply.second.empty() == large;
        server_log.add(intact && sent && taken ? std::to_string(i) : "wrong " + std::to_string(i));
    });
    server.on("alone", [&](const ipcxx::Payload& data) {
        const auto text = data.as<std::string>();
        server_log.add(text == large_body(99) ? "alone" : "corrupt alone");
    });
    server.serve();
    ipcxx::Client client{test::config_in(dir, "hello")};
    client.on("back", [&](const ipcxx::Payload& data) {
        const auto [i, text] = data.as<std::pair<int, std::string>>();
        client_log.add(text == large_body(i, text.size()) ? std::to_string(i) : "corrupt " + std::to_string(i));
    });
    client.connect_to("world");
    REQUIRE(test::eventually([&] { return client.connected() && client.native(); }));

    constexpr int total = 8;
    for (int i = 0; i < total; ++i) {
        // Every other body is small (copied); all are moved in.
        std::string text = large_body(i, i % 2 == 0 ? 300 * 1024 : 100);
        REQUIRE_FALSE(client.emit("pair", std::forward_as_tuple(i, std::move(text))));
        CHECK(text.size() == (i % 2 == 0 ? 0u : 100u));  // a small body is copied, the string kept
    }
    std::string alone = large_body(99);
    REQUIRE_FALSE(client.emit("alone", std::move(alone)));
    CHECK(alone.empty());
    // A tuple that holds its body.
    auto held = std::make_tuple(total, large_body(total));
    REQUIRE_FALSE(client.emit("pair", std::move(held)));
    CHECK(std::get<1>(held).empty());

    REQUIRE(server_log.wait_for_size(total + 2));
    REQUIRE(client_log.wait_for_size(total + 1));
    for (int i = 0; i < total; ++i) {
        CHECK(server_log.entries()[i] == std::to_string(i));
        CHECK(client_log.entries()[i] == std::to_string(i));
    }
    CHECK(server_log.entries()[total] == "alone");
    CHECK(server_log.entries()[total + 1] == std::to_string(total));
    CHECK(client_log.entries()[total] == std::to_string(total));
}

TEST_CASE("a body moved into emit on the JSON wire arrives as the same string", "[json]") {
    test::TempDir dir;
    test::Log server_log;
    ipcxx::Server server{test::config_in(dir)};
    test::log_large_bodies(server, "m", server_log);
    server.serve();
    auto config = test::config_in(dir, "hello");
    config.wire = ipcxx::Wire::json;
    ipcxx::Client client{config};
    client.connect_to("world");
    REQUIRE(test::eventually([&] { return client.connected(); }));
    for (int i = 0; i < 3; ++i) {
        std::string text = large_body(i);
        REQUIRE_FALSE(client.emit("m", std::forward_as_tuple(i, std::move(text))));
    }
    REQUIRE(server_log.wait_for_size(3));
    CHECK(server_log.entries() == std::vector<std::string>{"0", "1", "2"});
}

TEST_CASE("a moved body whose emit is refused stays with the caller", "[native]") {
    test::TempDir dir;
    std::promise<void> release;
    auto released = release.get_future().share();
    test::Log server_log;
    ipcxx::Server server{test::config_in(dir)};
    // The server reads nothing more meanwhile: the client's queue fills.
    test::log_large_bodies(server, "m", server_log, [&] { released.wait(); });
    server.serve();
    auto config = test::config_in(dir, "hello");
    config.max_message_size = 1u << 20;
    config.max_pending_bytes = 1u << 20;
    config.unix_send_buffer = 0;  // the system's buffer: fills sooner
    ipcxx::Client client{config};
    client.connect_to("world");
    REQUIRE(test::eventually([&] { return client.connected() && client.native(); }));

    struct Release {
        std::promise<void>& promise;
        bool done = false;
        void now() {
            if (!done) promise.set_value();
            done = true;
        }
        ~Release() { now(); }  // also when a check below fails: the handler ends
    } unblock{release};
    int accepted = 0;
    std::error_code refused;
    // The kernel's buffer and the 1 MiB queue hold a few dozen bodies at most.
    for (int i = 0; i < 200 && !refused; ++i) {
        auto message = std::make_tuple(i, large_body(i));
        std::string text = large_body(i);
        // Every other one names the caller's string, the others move a tuple that holds one.
        refused = i % 2 == 0 ? client.emit("m", std::forward_as_tuple(i, std::move(text)))
                             : client.emit("m", std::move(message));
        const std::string& left = i % 2 == 0 ? text : std::get<1>(message);
        if (refused) {
            CHECK(refused == ipcxx::errc::queue_full);
            CHECK(left == large_body(i));  // given back whole, ready for a retry
        } else {
            CHECK(left.empty());
            ++accepted;
        }
    }
    REQUIRE(refused);
    unblock.now();
    REQUIRE(server_log.wait_for_size(static_cast<std::size_t>(accepted)));
    for (int i = 0; i < accepted; ++i) CHECK(server_log.entries()[static_cast<std::size_t>(i)] == std::to_string(i));
}

}  // namespace moved_body_test
