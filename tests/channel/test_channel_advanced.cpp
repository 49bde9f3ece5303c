// A C++ parent's channel with serialization 'advanced' (SpawnOptions::serialization): against a Node
// child (the golden values, Map/Set/Date/BigInt/Buffer both ways, values outside the subset) and the
// C++ test child, and sends racing spawn(), which fixes the framing.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <msgpack.hpp>

#include "ipcxx/channel.hpp"
#include "ipcxx/child_process.hpp"
#include "ipcxx/error.hpp"
#include "listening_socket.hpp"
#include "process/process_watch.hpp"
#include "support/fixtures.hpp"
#include "support/msgpack_equal.hpp"
#include "support/vector_file.hpp"

using namespace std::chrono_literals;

namespace channel_advanced_test {

const std::string node = "/usr/bin/node";
const std::string node_child = IPCXX_CHANNEL_TEST_DIR "/node_advanced_child.js";
const std::string vectors_path = IPCXX_PROTOCOL_DIR "/vectors/v8/messages.txt";

// A child with an advanced channel at fd 3, stdout piped.
ipcxx::SpawnOptions advanced_options() {
    ipcxx::SpawnOptions options;
    options.stdio = {ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::pipe(), ipcxx::StdioSlot::inherit(),
                     ipcxx::StdioSlot::ipc()};
    options.serialization = ipcxx::ChannelSerialization::advanced;
    return options;
}

// What a channel delivers, in order: messages and error events.
struct Received {
    explicit Received(ipcxx::Channel& channel, test::Log& events) : log(events) {
        channel.on_message([this](const ipcxx::Payload& m) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                messages.push_back(m);
            }
            log.add("message");
        });
        channel.on("error", [this](const ipcxx::ErrorEvent& e) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                errors.push_back(e);
            }
            log.add("error");
        });
    }
    std::vector<ipcxx::Payload> get_messages() {
        std::lock_guard<std::mutex> lock(mutex);
        return messages;
    }
    std::vector<ipcxx::ErrorEvent> get_errors() {
        std::lock_guard<std::mutex> lock(mutex);
        return errors;
    }
    test::Log& log;
    std::mutex mutex;
    std::vector<ipcxx::Payload> messages;
    std::vector<ipcxx::ErrorEvent> errors;
};

bool same(const ipcxx::Payload& a, const ipcxx::Payload& b) { return test::same_value(a.object(), b.object(), false); }

const msgpack::object& element(const ipcxx::Payload& array, std::uint32_t i) {
    REQUIRE(array.object().type == msgpack::type::ARRAY);
    REQUIRE(array.object().via.array.size > i);
    return array.object().via.array.ptr[i];
}

bool is_ext(const msgpack::object& o, std::int8_t type) { return o.type == msgpack::type::EXT && o.via.ext.type() == type; }

}  // namespace channel_advanced_test

using namespace channel_advanced_test;

TEST_CASE("C++ parent, Node child, advanced: every golden value there and back", "[channel][node][v8]") {
    struct Case {
        std::string name;
        ipcxx::Payload value;
        bool exact;  // `both`: Node writes back the very bytes, so the same value returns
    };
    std::vector<Case> cases;
    for (const auto& v : test::load_vector_file(vectors_path)) {
        const std::string& check = v.at("check");
        if (check != "both" && check != "encode" && !(check == "decode" && v.count("reads"))) continue;
        cases.push_back({v.at("name"), ipcxx::Payload::from_msgpack(test::from_hex(v.at("value"))), check == "both"});
    }
    REQUIRE(cases.size() >= 80);

    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    Received received(child.channel(), watch.log);
    REQUIRE_FALSE(child.spawn(node, {node_child, "golden", vectors_path}, advanced_options()));
    for (const auto& c : cases) {
        INFO(c.name);
        REQUIRE(child.channel().send(c.value).accepted());
    }
    REQUIRE(watch.log.wait_for_count("message", cases.size(), 30s));
    const auto replies = received.get_messages();
    REQUIRE(replies.size() == cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO(cases[i].name);
        const msgpack::object& ok = element(replies[i], 0);
        CHECK((ok.type == msgpack::type::BOOLEAN && ok.via.boolean));
        if (cases[i].exact) CHECK(test::same_value(element(replies[i], 1), cases[i].value.object(), false));
    }
    CHECK(received.get_errors().empty());
    child.channel().disconnect();
    REQUIRE(watch.closed(20s));
    CHECK(watch.exit_status().code == 0);
}

TEST_CASE("C++ parent, Node child, advanced: Map, Set, Date, BigInt and Buffer made by Node go back whole",
          "[channel][node][v8]") {
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    Received received(child.channel(), watch.log);
    REQUIRE_FALSE(child.spawn(node, {node_child, "types"}, advanced_options()));
    constexpr std::size_t made = 6;
    REQUIRE(watch.log.wait_for_count("message", made, 20s));
    const auto values = received.get_messages();
    REQUIRE(values.size() == made);

    // Map with a number key: a msgpack map keeping it.
    REQUIRE(values[0].object().type == msgpack::type::MAP);
    CHECK(values[0].object().via.map.ptr[0].key.type == msgpack::type::POSITIVE_INTEGER);
    CHECK(is_ext(values[1].object(), 3));   // Set
    CHECK(is_ext(values[2].object(), -1));  // Date: a msgpack timestamp
    CHECK(values[2].object().via.ext.size == 8);
    CHECK(is_ext(element(values[3], 0), 2));  // BigInt beyond 64 bits, both signs
    CHECK(is_ext(element(values[3], 1), 2));
    CHECK(element(values[3], 2).type == msgpack::type::POSITIVE_INTEGER);
    CHECK(values[4].object().type == msgpack::type::BIN);  // Buffer
    CHECK(values[4].object().via.bin.size == 4);

    for (const auto& v : values) REQUIRE(child.channel().send(v).accepted());
    REQUIRE(watch.log.wait_for_count("message", 2 * made, 20s));
    const auto answers = received.get_messages();
    for (std::size_t i = 0; i < made; ++i) {
        INFO(answers[made + i].to_json());
        CHECK(same(answers[made + i], ipcxx::Payload::from_json("{\"round_trip\":" + std::to_string(i) + ",\"ok\":true}")));
    }
    child.channel().disconnect();
    REQUIRE(watch.closed(20s));
}

TEST_CASE("C++ parent, Node child, advanced: values outside the subset are error events naming them; the "
          "channel goes on",
          "[channel][node][v8]") {
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    Received received(child.channel(), watch.log);
    REQUIRE_FALSE(child.spawn(node, {node_child, "refused"}, advanced_options()));
    REQUIRE(watch.log.wait_for("message", 20s));
    const auto errors = received.get_errors();
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].code == ipcxx::errc::v8_unsupported);
    CHECK(errors[0].message.find("a RegExp") != std::string::npos);
    CHECK(errors[1].code == ipcxx::errc::v8_unsupported);
    CHECK(errors[1].message.find("an Error") != std::string::npos);
    REQUIRE(received.get_messages().size() == 1);
    CHECK(same(received.get_messages()[0], ipcxx::Payload::from_json("\"after\"")));
    REQUIRE(child.channel().send_json("[1,2]").accepted());
    REQUIRE(watch.log.wait_for_count("message", 2, 20s));
    CHECK(same(received.get_messages().back(), ipcxx::Payload::from_json("{\"echo\":[1,2]}")));
    child.channel().disconnect();
    REQUIRE(watch.closed(20s));
    CHECK(watch.exit_status().code == 0);
}

TEST_CASE("C++ parent, C++ child, advanced: values JSON cannot carry, and a request", "[channel][v8]") {
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    ipcxx::Channel& c = child.channel();
    Received received(c, watch.log);
    REQUIRE_FALSE(child.spawn(IPCXX_CHANNEL_CHILD, {"mirror"}, advanced_options()));
    // undefined, a Set of a Date, a BigInt beyond 64 bits, a Map with a number key, bytes.
    const std::vector<std::string> values = {
        std::string("\xc7\x00\x01", 3), std::string("\xc7\x07\x03\x91\xd6\xff\x00\x00\x00\x00", 10),
        std::string("\xc7\x0a\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00", 13), "\x81\x01\xa3one",
        std::string("\xc4\x03\x00\xff\x01", 5)};
    for (const auto& v : values) REQUIRE(c.send(ipcxx::Payload::from_msgpack(v)).accepted());
    REQUIRE(watch.log.wait_for_count("message", values.size(), 20s));
    const auto echoes = received.get_messages();
    REQUIRE(echoes.size() == values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        INFO("value " << i);
        CHECK(same(echoes[i], ipcxx::Payload::from_msgpack(values[i])));
    }
    auto sum = c.request("sum", std::vector<long long>{1, 2, 3, 1LL << 60}, 10s);
    REQUIRE(sum.wait_for(20s) == std::future_status::ready);
    CHECK(sum.get().as<long long>() == 6 + (1LL << 60));

    REQUIRE(c.send_json("\"bye\"").accepted());
    REQUIRE(watch.closed(20s));
    CHECK(watch.exit_status().code == 0);
    CHECK(received.get_errors().empty());
}

TEST_CASE("sends racing spawn() are refused or framed as the spawn options say", "[channel][v8]") {
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    ipcxx::Channel& c = child.channel();
    Received received(c, watch.log);
    // A Set: only the advanced framing carries it (JSON refuses it with unsupported_value).
    const ipcxx::Payload set = ipcxx::Payload::from_msgpack("\xd5\x03\x91\x07");
    constexpr int wanted = 50;
    std::atomic<int> accepted{0};
    std::atomic<int> other_errors{0};
    std::thread sender([&] {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        for (long i = 0; i < 10000000 && accepted.load() < wanted && std::chrono::steady_clock::now() < deadline; ++i) {
            const ipcxx::SendStatus status = c.send(set);
            if (status.accepted()) {
                ++accepted;
            } else if (status.error != ipcxx::errc::not_connected) {
                ++other_errors;
            }
            std::this_thread::yield();
        }
    });
    REQUIRE_FALSE(child.spawn(IPCXX_CHANNEL_CHILD, {"mirror"}, advanced_options()));
    sender.join();
    CHECK(other_errors.load() == 0);
    REQUIRE(accepted.load() == wanted);
    REQUIRE(watch.log.wait_for_count("message", wanted, 20s));
    for (const auto& echo : received.get_messages()) CHECK(echo == set);
    REQUIRE(c.send_json("\"bye\"").accepted());
    REQUIRE(watch.closed(20s));
    CHECK(received.get_errors().empty());
}

TEST_CASE("spawn() refuses a serialization it does not know", "[channel]") {
    ipcxx::ChildProcess child;
    ipcxx::SpawnOptions options = advanced_options();
    options.serialization = static_cast<ipcxx::ChannelSerialization>(7);
    CHECK(child.spawn(IPCXX_CHANNEL_CHILD, {"mirror"}, options) == ipcxx::errc::invalid_argument);
}

TEST_CASE("C++ parent, Node child, advanced: descriptors passed both ways", "[channel][node][v8]") {
    const std::string echo_child = IPCXX_CHANNEL_TEST_DIR "/node_child.js";
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    ipcxx::Channel& c = child.channel();
    Received received(c, watch.log);
    std::atomic<int> listening{-1};
    std::atomic<bool> server_port_seen{false};
    c.on_handle([&](const ipcxx::Payload& m, int fd) {
        listening = channel_test_support::listening_socket(fd);
        ::close(fd);
        server_port_seen = m.to_json().find("server_port") != std::string::npos;
        watch.log.add("handle");
    });
    REQUIRE_FALSE(child.spawn(node, {echo_child, "echo"}, advanced_options()));

    // C++ -> Node: one end of a socketpair, read by Node through it and answered over it.
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    REQUIRE(c.send(ipcxx::Payload::from_json("{\"take\":1}"), pair[1]).accepted());
    ::close(pair[1]);
    REQUIRE(::write(pair[0], "hello", 5) == 5);
    REQUIRE(watch.log.wait_for("message", 20s));
    CHECK(received.get_messages().front().to_json() == "{\"via_handle\":\"hello\",\"msg\":{\"take\":1}}");
    char buffer[64] = {};
    const ssize_t n = ::read(pair[0], buffer, sizeof buffer);
    CHECK(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0) == "node read it");
    ::close(pair[0]);

    // Node -> C++: a listening server; Node's next message leaves only after this side's ACK, which
    // must be in the advanced framing too.
    REQUIRE(c.send(ipcxx::Payload::from_json("\"send-server\"")).accepted());
    REQUIRE(watch.log.wait_for_count("message", 2, 20s));
    CHECK(received.get_messages().back().to_json() == "\"after-handle\"");
    CHECK(watch.log.count("handle") == 1);
    CHECK(server_port_seen.load());
    CHECK(listening.load() == 1);
    c.send(ipcxx::Payload::from_json("\"bye\""));
    REQUIRE(watch.closed(20s));
    CHECK(received.get_errors().empty());
}
