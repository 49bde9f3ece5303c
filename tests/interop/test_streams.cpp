// Stream behaviour against real node-ipc: large frames, long pipelines, and frames split or
// packed arbitrarily across writes.
#include "interop.hpp"

using namespace interop;

namespace {

// Exactly `size` bytes of valid UTF-8 mixing ASCII, escapes, the delimiter character and emoji.
std::string mixed_text(std::size_t size) {
    const std::string pattern = "node-ipc \"q\" \\ \f\n\t caf\xC3\xA9 \xF0\x9F\x8C\x8D \xE2\x80\xA8 0123456789|";
    std::string s;
    s.reserve(size);
    while (s.size() + pattern.size() <= size) s += pattern;
    s.append(size - s.size(), 'x');
    return s;
}

}  // namespace

TEST_CASE("a 1 MiB payload both ways", "[interop]") {
    const Role role = GENERATE(Role::ipcxx_server, Role::ipcxx_client);
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(name(role) << ", node-ipc " << version << " over " << test::name(transport));
    Rig rig(role, version, transport, {"--echo"});
    INFO(rig.node().describe());

    const std::string text = mixed_text(1u << 20);
    const auto big = ipcxx::Payload::from(text);
    REQUIRE_FALSE(rig.emit("big", big));
    // node-ipc parsed it: it prints the same value...
    const auto line = rig.node().wait_line(message_is("big"));
    REQUIRE(line);
    CHECK(line->text() == message_line("big", json_string(text), rig.node_sock()));
    // ...and its echo, a 1 MiB frame from node-ipc, arrives intact.
    REQUIRE(rig.inbox().wait_size(1));
    const auto got = rig.inbox().entries().front();
    CHECK(got.event == "big");
    CHECK(got.data == big);
}

TEST_CASE("10000 pipelined messages arrive complete and in order both ways", "[interop]") {
    const Role role = GENERATE(Role::ipcxx_server, Role::ipcxx_client);
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(name(role) << ", node-ipc " << version << " over " << test::name(transport));
    Rig rig(role, version, transport, {"--echo"});
    INFO(rig.node().describe());
    constexpr int n = 10000;

    // ipcxx -> node (which echoes each one back as it is parsed).
    for (int i = 0; i < n; ++i) REQUIRE_FALSE(rig.emit("seq", ipcxx::Payload::from(i)));
    const auto is_seq = message_is("seq");
    REQUIRE(rig.node().wait_count(is_seq, n, 30s) == n);
    const auto lines = rig.node().lines(is_seq);
    for (int i = 0; i < n; ++i) {
        if (lines[i].text() != message_line("seq", std::to_string(i), rig.node_sock())) {
            FAIL("node-ipc line " << i << " is " << lines[i].text());
        }
    }

    // node -> ipcxx, from a burst of emits in one tick of node's event loop.
    std::string commands;
    for (int i = 0; i < n; ++i) commands += emit_cmd("nseq", std::to_string(i)) + (i + 1 < n ? "\n" : "");
    REQUIRE(rig.node().send(commands));
    REQUIRE(rig.inbox().wait_size(2 * n, 30s));
    const auto got = rig.inbox().entries();
    REQUIRE(got.size() == 2 * n);
    int seq = 0, nseq = 0;
    for (const auto& e : got) {
        // The echoes and node's own emits may interleave; each stream keeps its order.
        int& next = e.event == "seq" ? seq : nseq;
        if (e.data.as<int>() != next) {
            FAIL(e.event << " " << e.data.to_json() << " arrived when " << next << " was due");
        }
        ++next;
    }
    CHECK(seq == n);
    CHECK(nseq == n);
}

TEST_CASE("frames written one byte at a time, several per write, or split across writes", "[interop]") {
    const Role role = GENERATE(Role::ipcxx_server, Role::ipcxx_client);
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(name(role) << ", node-ipc " << version << " over " << test::name(transport));
    Rig rig(role, version, transport);
    INFO(rig.node().describe());

    // One byte per socket write: every emit_raw command is one write() on node's side.
    const std::string bytewise =
        "{\"type\":\"bytewise\",\"data\":{\"s\":\"caf\xC3\xA9\xF0\x9F\x8C\x8D\\f\\\"\",\"n\":-1.5e-7}}\f";
    std::string commands;
    for (char byte : bytewise) commands += emit_raw_cmd(std::string(1, byte)) + "\n";
    // Fifty frames in one write, then a frame split across two writes inside its emoji.
    std::string many;
    for (int i = 0; i < 50; ++i) many += "{\"type\":\"many\",\"data\":" + std::to_string(i) + "}\f";
    const std::string split = "{\"type\":\"split\",\"data\":[\"\xF0\x9F\x8C\x8D\"]}\f";
    commands += emit_raw_cmd(many + split.substr(0, 27)) + "\n" + emit_raw_cmd(split.substr(27));
    REQUIRE(rig.node().send(commands));

    REQUIRE(rig.inbox().wait_size(52));
    const auto got = rig.inbox().entries();
    REQUIRE(got.size() == 52);
    CHECK(frame_of(got[0].event, got[0].data) == bytewise);
    std::string many_got;
    for (int i = 1; i <= 50; ++i) many_got += frame_of(got[i].event, got[i].data);
    CHECK(many_got == many);
    CHECK(frame_of(got[51].event, got[51].data) == split);
    CHECK(rig.log().entries() == std::vector<std::string>{"connect"});
}
