// Advanced serialization against Node 20: every message ipcxx's encoder writes for the golden values
// (also those read from Node and sent back, where the mapping changes what Node gets), and two large
// ones, read by the parser of Node's own IPC channel and compared with what they must be; and a Node
// parent with a C++ child on the channel in that mode, every value sent there and back.
#include <catch2/catch.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "codec/v8_wire.hpp"
#include "ipcxx/exec.hpp"
#include "support/vector_file.hpp"

namespace v8_interop_tests {

// What read_messages.js expects after the golden values, in its `extras` order.
void append_extras(std::string& stream) {
    msgpack::sbuffer large;
    msgpack::pack(large, std::string(200000, 'x'));
    REQUIRE_FALSE(ipcxx::detail::append_v8_frame(std::string_view(large.data(), large.size()), 0, stream));

    msgpack::sbuffer many;
    msgpack::packer<msgpack::sbuffer> packer(many);
    packer.pack_map(3000);
    for (int i = 0; i < 3000; ++i) {
        packer.pack("k" + std::to_string(i));
        packer.pack_array(3).pack(i).pack(i - 1).pack(i / 2.0);
    }
    REQUIRE_FALSE(ipcxx::detail::append_v8_frame(std::string_view(many.data(), many.size()), 0, stream));
}

// Checks the scripts' output: every JSON line says "ok":true, and the last line counts them all
// as passed. Returns how many JSON lines there were.
std::size_t checked_lines(const std::string& out) {
    std::istringstream lines(out);
    std::string line;
    std::string last;
    std::size_t seen = 0;
    while (std::getline(lines, line)) {
        last = line;
        if (line.rfind("{", 0) != 0) continue;
        ++seen;
        INFO(line);
        CHECK(line.find("\"ok\":true") != std::string::npos);
    }
    CHECK(last == std::to_string(seen) + " passed, 0 failed");
    return seen;
}

}  // namespace v8_interop_tests

TEST_CASE("Node's channel reads every message the encoder writes", "[v8][interop]") {
    const std::string vectors_path = IPCXX_PROTOCOL_DIR "/vectors/v8/messages.txt";
    std::string stream;
    std::size_t count = 0;
    for (const auto& v : test::load_vector_file(vectors_path)) {
        const std::string& check = v.at("check");
        if (check != "both" && check != "encode" && !(check == "decode" && v.count("reads"))) continue;
        INFO("vector " << v.at("name"));
        REQUIRE_FALSE(ipcxx::detail::append_v8_frame(test::from_hex(v.at("value")), 0, stream));
        ++count;
    }
    REQUIRE(count >= 100);
    v8_interop_tests::append_extras(stream);
    count += 2;

    ipcxx::ExecOptions options;
    options.input = stream;
    options.timeout = std::chrono::seconds(60);
    options.max_buffer = 4 * 1024 * 1024;
    const ipcxx::ExecResult result = ipcxx::spawn_sync(
        IPCXX_NODE_EXECUTABLE, {"--expose-internals", IPCXX_V8_TEST_DIR "/read_messages.js", vectors_path}, options);
    INFO("stderr: " << result.err);
    REQUIRE_FALSE(result.error);

    CHECK(v8_interop_tests::checked_lines(result.out) == count);
}

TEST_CASE("a Node parent and a C++ child talk over the channel with advanced serialization", "[v8][interop]") {
    ipcxx::ExecOptions options;
    options.timeout = std::chrono::seconds(60);
    const ipcxx::ExecResult result =
        ipcxx::spawn_sync(IPCXX_NODE_EXECUTABLE,
                          {IPCXX_V8_TEST_DIR "/advanced_parent.js", IPCXX_CHANNEL_CHILD,
                           IPCXX_PROTOCOL_DIR "/vectors/v8/messages.txt"},
                          options);
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    REQUIRE_FALSE(result.error);
    // The golden values Node can send (`both`, and `decode` with `reads`), a refused RegExp, one after it.
    CHECK(v8_interop_tests::checked_lines(result.out) >= 80);
}
