// node-ipc 14's other modes against ipcxx: `sync` clients and the raw profile (rawBuffer, encoding).
#include "interop.hpp"

using namespace interop;

namespace {

std::string raw_cmd(std::string_view bytes) { return R"({"cmd":"raw","hex":")" + to_hex(bytes) + "\"}"; }

// The bytes of every `data` event the ipcxx side got, in order (read boundaries are arbitrary).
std::string received_bytes(Inbox& inbox) {
    std::string all;
    for (const auto& e : inbox.entries()) {
        if (e.event == "data") all += e.data.as<std::string>();
    }
    return all;
}

// The bytes of every `data` line node-ipc printed.
std::string node_bytes(NodePeer& node) {
    std::string all;
    for (const auto& line : node.lines(ev_is("data"))) all += from_hex(line.str("hex"));
    return all;
}

bool wait_bytes(const std::function<std::string()>& bytes, std::size_t n) {
    return test::eventually([&] { return bytes().size() >= n; });
}

}  // namespace

TEST_CASE("an ipcxx sync client against a node-ipc server", "[interop][sync]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    Rig rig(Role::ipcxx_client, "14", transport, {}, [](ipcxx::Config& c) { c.sync = true; });
    INFO(rig.node().describe());

    for (const char* m : {"m1", "m2", "m3", "m4"}) REQUIRE_FALSE(rig.emit("m", ipcxx::Payload::from(std::string(m))));
    REQUIRE(rig.node().wait_line(is_app_message));
    REQUIRE(test::eventually([&] { return rig.pending_messages() == 3; }));

    REQUIRE(rig.node().send(emit_cmd("reply", "1")));
    REQUIRE(rig.node().wait_count(is_app_message, 2) == 2);
    // Two frames in one write: two receptions, two releases (node-ipc 14's rule).
    REQUIRE(rig.node().send(emit_raw_cmd("{\"type\":\"reply\",\"data\":2}\f{\"type\":\"reply\",\"data\":3}\f")));
    REQUIRE(rig.node().wait_count(is_app_message, 4) == 4);
    const auto lines = rig.node().lines(is_app_message);
    for (int i = 0; i < 4; ++i) CHECK(lines[i].text() == message_line("m", "\"m" + std::to_string(i + 1) + "\"", 1));
    // The writer accounts for a write right after the kernel took it, which the peer may see first.
    CHECK(test::eventually([&] { return rig.pending_messages() == 0; }));
}

TEST_CASE("raw buffers both ways: bytes untouched, any read boundaries", "[interop][raw]") {
    const Role role = GENERATE(Role::ipcxx_server, Role::ipcxx_client);
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(name(role) << " over " << test::name(transport));
    Rig rig(role, "14", transport, {"--raw"}, [](ipcxx::Config& c) { c.raw_buffer = true; });
    INFO(rig.node().describe());

    // Not UTF-8, not JSON, the old delimiter inside: nothing is framed or decoded.
    const std::string first("\xFF\xFE\x0C\x00", 4);
    const std::string second = "{\"type\":\"not-a-frame\"}\f" + std::string(70000, 'z');
    REQUIRE_FALSE(rig.emit_raw(first));
    REQUIRE_FALSE(rig.emit_raw(second));
    REQUIRE(wait_bytes([&] { return node_bytes(rig.node()); }, first.size() + second.size()));
    CHECK(node_bytes(rig.node()) == first + second);

    REQUIRE(rig.node().send(raw_cmd(first) + "\n" + raw_cmd(second)));
    REQUIRE(wait_bytes([&] { return received_bytes(rig.inbox()); }, first.size() + second.size()));
    CHECK(received_bytes(rig.inbox()) == first + second);

    // Framed calls are refused in raw mode; nothing was sent for them.
    CHECK(rig.emit("event", ipcxx::Payload::from(1)) == ipcxx::errc::invalid_argument);
    CHECK(rig.emit_raw("") == ipcxx::errc::invalid_argument);
    CHECK(rig.log().entries() == std::vector<std::string>{"connect"});
}

TEST_CASE("raw text goes through config.encoding as node-ipc's does", "[interop][raw]") {
    const Role role = GENERATE(Role::ipcxx_server, Role::ipcxx_client);
    const std::string encoding = GENERATE(std::string("hex"), std::string("base64"), std::string("latin1"));
    INFO(name(role) << ", encoding " << encoding);
    Rig rig(role, "14", Transport::unix_socket, {"--raw", "--encoding", encoding}, [&](ipcxx::Config& c) {
        c.raw_buffer = true;
        c.encoding = encoding;
    });
    INFO(rig.node().describe());
    const std::string text = encoding == "hex" ? "00ff7f80" : encoding == "base64" ? "AP9/gA==" : "caf\xC3\xA9";
    // node-ipc's own bytes for this text are the reference.
    REQUIRE(rig.node().send(R"({"cmd":"raw_text","text":")" + text + "\"}"));
    REQUIRE(wait_bytes([&] { return received_bytes(rig.inbox()); }, 4));
    const std::string node_made = received_bytes(rig.inbox());
    REQUIRE_FALSE(rig.emit_raw_text(text));
    REQUIRE(wait_bytes([&] { return node_bytes(rig.node()); }, node_made.size()));
    CHECK(to_hex(node_bytes(rig.node())) == to_hex(node_made));
    CHECK(to_hex(node_made) == (encoding == "latin1" ? "636166e9" : "00ff7f80"));
}
