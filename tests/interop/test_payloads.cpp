// Payload shapes against real node-ipc, and ipcxx's frames compared byte for byte with node-ipc 14's.
#include <functional>

#include "codec/json_wire.hpp"
#include "interop.hpp"
#include "support/raw_peer.hpp"

using namespace interop;

namespace {

// How to make node-ipc emit this case from a peer.js command; empty when JSON cannot express it.
std::string node_command(const GoldenCase& c, std::uint64_t sock = 0) {
    if (c.data_omitted) return emit_cmd(c.type, "", sock);
    if (c.input.rfind("Buffer.from(", 0) == 0) {
        const auto bin = ipcxx::Payload::from_msgpack(golden_msgpack(c));
        const auto& bytes = bin.object().via.bin;
        std::string cmd = "{\"cmd\":\"buffer\",\"type\":" + json_string(c.type) + ",\"hex\":\"" +
                          to_hex({bytes.ptr, bytes.size}) + "\"";
        if (sock) cmd += ",\"sock\":" + std::to_string(sock);
        return cmd + "}";
    }
    if (!c.input.empty()) return {};
    return emit_cmd(c.type, c.data_json, sock);
}

// What node-ipc (either version: 9.2.1 rewrites null and "" only when sending) prints for a
// received case: JSON.stringify of what it parsed from ipcxx's frame.
std::string node_print_of(const GoldenCase& c) { return c.data_omitted ? "{}" : c.data_json; }

// Every golden case both ways between a node-ipc peer and an ipcxx endpoint:
// node -> ipcxx: what ipcxx decoded re-encodes to exactly node's frame;
// ipcxx -> node: node parses ipcxx's frame to the same value (compared as node prints it).
void exchange_golden_cases(NodePeer& node, const std::string& version, Inbox& inbox,
                           const std::function<std::error_code(const std::string&, const std::string&)>& ipcxx_emit,
                           std::uint64_t node_sock) {
    INFO(node.describe());
    std::vector<const GoldenCase*> from_node;
    std::string commands;
    for (const auto& c : golden_cases()) {
        if (!ipcxx_accepts_type(c.type)) continue;
        const std::string cmd = node_command(c);
        if (cmd.empty()) continue;
        from_node.push_back(&c);
        commands += cmd + "\n";
    }
    commands.pop_back();
    REQUIRE(node.send(commands));
    REQUIRE(inbox.wait_size(from_node.size()));
    const auto received = inbox.entries();
    REQUIRE(received.size() == from_node.size());
    for (std::size_t i = 0; i < from_node.size(); ++i) {
        INFO("case " << from_node[i]->name);
        CHECK(to_hex(frame_of(received[i].event, received[i].data)) ==
              to_hex(expected_node_frame(*from_node[i], version)));
    }

    std::vector<const GoldenCase*> to_node;
    for (const auto& c : golden_cases()) {
        if (!ipcxx_accepts_type(c.type)) continue;
        to_node.push_back(&c);
        INFO("case " << c.name);
        CHECK_FALSE(ipcxx_emit(c.type, golden_msgpack(c)));
    }
    REQUIRE(node.wait_count(is_app_message, to_node.size()) == to_node.size());
    const auto lines = node.lines(is_app_message);
    REQUIRE(lines.size() == to_node.size());
    for (std::size_t i = 0; i < to_node.size(); ++i) {
        INFO("case " << to_node[i]->name);
        CHECK(lines[i].text() == message_line(to_node[i]->type, node_print_of(*to_node[i]), node_sock));
    }
    // An ipcxx client may greet first; node-ipc sees that as one more event, before any other.
    const auto messages = node.lines(ev_is("message"));
    CHECK(node.count(is_hello) <= 1);
    if (node.count(is_hello) == 1) CHECK(is_hello(messages.front()));
    CHECK(node.count(ev_is("harness-error")) == 0);
    CHECK(node.count(ev_is("error")) == 0);
}

}  // namespace

TEST_CASE("golden frames: encode_json_frame gives node-ipc 14's bytes for every case", "[interop]") {
    const auto& cases = golden_cases();
    REQUIRE(cases.size() >= 60);
    for (const auto& c : cases) {
        INFO("case " << c.name << " input " << c.input);
        std::string out, detail;
        const auto ec = ipcxx::detail::encode_json_frame(c.type, golden_msgpack(c), "\f", out, &detail);
        INFO(detail);
        CHECK_FALSE(ec);
        CHECK(to_hex(out) == to_hex(c.frame));
    }
}

TEST_CASE("payload shapes: every golden case both ways", "[interop]") {
    const Role role = GENERATE(Role::ipcxx_server, Role::ipcxx_client);
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(name(role) << ", node-ipc " << version << " over " << test::name(transport));
    Rig rig(role, version, transport);
    exchange_golden_cases(
        rig.node(), version, rig.inbox(),
        [&](const std::string& type, const std::string& msgpack) { return rig.emit_packed(type, msgpack); },
        rig.node_sock());
    CHECK(rig.log().entries() == std::vector<std::string>{"connect"});
}

TEST_CASE("wire capture: ipcxx client and server send exactly node-ipc's bytes", "[interop]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    test::TempDir dir;

    // The cases node-ipc can be told to send; 9.2.1 is known to differ for null and "".
    std::vector<const GoldenCase*> cases;
    std::string commands;
    for (const auto& c : golden_cases()) {
        const std::string cmd = node_command(c);
        if (!ipcxx_accepts_type(c.type) || cmd.empty() || expected_node_frame(c, version) != c.frame) continue;
        cases.push_back(&c);
        commands += cmd + "\n";
    }
    commands.pop_back();

    // What node-ipc puts on the wire, live.
    std::string node_bytes;
    {
        RawListener listener(transport, dir);
        auto node = start_node_client(version, listener.address());
        INFO(node->describe());
        REQUIRE(listener.accept());
        REQUIRE(node->wait_line(ev_is("connect")));
        REQUIRE(node->send(commands));
        node_bytes = listener.read_frames(cases.size());
    }
    std::string golden_bytes;
    for (const auto* c : cases) golden_bytes += c->frame;
    CHECK(to_hex(node_bytes) == to_hex(golden_bytes));

    // An ipcxx client's bytes.
    {
        RawListener listener(transport, dir);
        ipcxx::Client client{test::config_in(dir, "client")};
        connect(client, listener.address());
        REQUIRE(listener.accept());
        for (const auto* c : cases) {
            INFO("case " << c->name);
            CHECK_FALSE(client.emit_packed(c->type, golden_msgpack(*c)));
        }
        // A hello frame, if the client sends one, comes first; the frames after it are node-ipc's.
        const std::string hello = "{\"type\":\"ipcxx.hello\",\"data\":{";
        std::string bytes = listener.read_frames(cases.size());
        const bool greeted = bytes.compare(0, hello.size(), hello) == 0;
        if (greeted) bytes = listener.read_frames(cases.size() + 1).substr(bytes.find('\f') + 1);
        CHECK(to_hex(bytes) == to_hex(node_bytes));
    }

    // An ipcxx server's bytes, to a bare client.
    {
        std::vector<std::string> packed;
        for (const auto* c : cases) packed.push_back(golden_msgpack(*c));
        ipcxx::Server server{server_config_in(dir)};
        server.on("connect", [&](ipcxx::Socket& s) {
            for (std::size_t i = 0; i < cases.size(); ++i) s.emit_packed(cases[i]->type, packed[i]);
        });
        const Address address = serve(server, transport, dir);
        auto raw = transport == Transport::tcp ? test::RawPeer::tcp(address.port)
                                               : test::RawPeer::unix_socket(address.path);
        REQUIRE(raw.connected());
        CHECK(to_hex(raw.read_frames(cases.size(), 10s)) == to_hex(node_bytes));
    }
}
