// UDP against node-ipc 14's serveNet(host, port, 'udp4'|'udp6'), in both directions.
#include "interop.hpp"

using namespace interop;

namespace {

struct UdpRig {
    explicit UdpRig(ipcxx::NetProtocol protocol, std::vector<std::string> node_args = {},
                    const std::function<void(ipcxx::Config&)>& tweak = {})
        : host(protocol == ipcxx::NetProtocol::udp6 ? "::1" : "127.0.0.1") {
        std::vector<std::string> args{"--version", "14", "--role", "server", "--id", "node",
                                      protocol == ipcxx::NetProtocol::udp6 ? "--udp6" : "--udp4",
                                      (protocol == ipcxx::NetProtocol::udp6 ? "[::1]" : host) + ":0"};
        for (auto& a : node_args) args.push_back(std::move(a));
        node = std::make_unique<NodePeer>(args);
        const auto listening = node->wait_line(ev_is("listening"));
        INFO(node->describe());
        REQUIRE(listening);
        node_port = static_cast<std::uint16_t>(listening->num("port", 0));
        REQUIRE(node_port != 0);

        auto config = test::config_in(dir, "ipcxx");
        if (tweak) tweak(config);
        server = std::make_unique<ipcxx::Server>(config);
        server->on("*", [this](std::string_view event, const ipcxx::Payload& data, ipcxx::Socket& from) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                last_from = from;
            }
            inbox.add(event, data, from.serial());
        });
        server->on("error", [this](const ipcxx::ErrorEvent& e) { log.add("error " + e.message); });
        server->serve_net(host, 0, protocol);
        to_node = server->udp_peer(host, node_port);
    }

    std::string host;
    test::TempDir dir;
    test::Log log;
    Inbox inbox;
    std::mutex mutex;
    ipcxx::Socket last_from;
    std::unique_ptr<NodePeer> node;
    std::uint16_t node_port = 0;
    std::unique_ptr<ipcxx::Server> server;  // after what its handlers use
    ipcxx::Socket to_node;
};

std::string emit_to_cmd(std::string_view type, std::string_view data_json, const std::string& address,
                        std::uint16_t port) {
    return R"({"cmd":"emit","type":")" + std::string(type) + R"(","data":)" + std::string(data_json) +
           R"(,"address":")" + address + R"(","port":)" + std::to_string(port) + "}";
}

}  // namespace

TEST_CASE("udp: ipcxx emits to node-ipc, which echoes to the sender's address", "[interop][udp]") {
    const ipcxx::NetProtocol protocol = GENERATE(ipcxx::NetProtocol::udp4, ipcxx::NetProtocol::udp6);
    UdpRig rig(protocol, {"--echo"});
    INFO(rig.node->describe());

    const auto data = ipcxx::Payload::from_json(R"({"seq":1,"s":"caf\u00e9"})");
    REQUIRE_FALSE(rig.to_node.emit("ping", data));
    // node-ipc's peer record is our address: its echo comes back to us as a reply.
    const auto line = rig.node->wait_line(message_is("ping"));
    REQUIRE(line);
    CHECK(line->text() == message_line("ping", data.to_json(), 1));
    REQUIRE(rig.inbox.wait_size(1));
    const auto got = rig.inbox.entries()[0];
    CHECK(got.event == "ping");
    CHECK(got.data == data);
    std::lock_guard<std::mutex> lock(rig.mutex);
    CHECK(rig.last_from.remote_address() == rig.to_node.remote_address());
    CHECK(rig.log.entries().empty());
}

TEST_CASE("udp: node-ipc emits to ipcxx, which replies to the sender; broadcasts both ways", "[interop][udp]") {
    const ipcxx::NetProtocol protocol = GENERATE(ipcxx::NetProtocol::udp4, ipcxx::NetProtocol::udp6);
    UdpRig rig(protocol);
    INFO(rig.node->describe());
    rig.server->on("ping", [](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("pong", data); });

    // node-ipc writes to any {address, port}.
    REQUIRE(rig.node->send(emit_to_cmd("ping", "[1,2]", rig.host, rig.server->port())));
    const auto pong = rig.node->wait_line(message_is("pong"));
    REQUIRE(pong);
    CHECK(pong->text() == message_line("pong", "[1,2]", 1));

    // Each side now knows the other as a sender: broadcast reaches it.
    REQUIRE_FALSE(rig.server->broadcast("news", "from ipcxx"));
    REQUIRE(rig.node->wait_line(message_is("news")));
    REQUIRE(rig.node->send(R"({"cmd":"broadcast","type":"bulletin","data":"from node"})"));
    REQUIRE(rig.inbox.wait_size(2));
    CHECK(rig.inbox.count("bulletin") == 1);
    CHECK(rig.log.entries().empty());
}

TEST_CASE("udp: node-ipc's datagrams split, packed and malformed", "[interop][udp]") {
    UdpRig rig(ipcxx::NetProtocol::udp4);
    INFO(rig.node->describe());
    const auto datagram = [&](std::string_view bytes) {
        return rig.node->send(R"({"cmd":"datagram","hex":")" + to_hex(bytes) + R"(","address":")" + rig.host +
                              R"(","port":)" + std::to_string(rig.server->port()) + "}");
    };
    // Two frames in one datagram, a third split over two datagrams.
    REQUIRE(datagram("{\"type\":\"a\",\"data\":1}\f{\"type\":\"b\",\"data\":2}\f{\"type\":\"c\","));
    REQUIRE(datagram("\"data\":3}\f"));
    REQUIRE(rig.inbox.wait_size(3));
    // Malformed: reported, that datagram's rest and the partial frame dropped, the next one served.
    REQUIRE(datagram("{oops}\f{\"type\":\"lost\",\"data\":0}\f"));
    REQUIRE(rig.log.wait_for_size(1));
    REQUIRE(datagram("{\"type\":\"d\",\"data\":4}\f"));
    REQUIRE(rig.inbox.wait_size(4));
    const auto got = rig.inbox.entries();
    std::string events;
    for (const auto& e : got) events += e.event;
    CHECK(events == "abcd");
    CHECK(got[2].data.as<int>() == 3);
    CHECK(rig.log.entries()[0].find("invalid JSON") != std::string::npos);
}

TEST_CASE("udp: raw buffers with node-ipc's raw profile, one datagram per data event", "[interop][udp][raw]") {
    UdpRig rig(ipcxx::NetProtocol::udp4, {"--raw", "--echo"}, [](ipcxx::Config& c) { c.raw_buffer = true; });
    INFO(rig.node->describe());
    const std::string bytes("\xFF\xFE\x0C\x00{}", 6);
    REQUIRE_FALSE(rig.to_node.emit_raw(bytes));
    const auto line = rig.node->wait_line(ev_is("data"));
    REQUIRE(line);
    CHECK(line->str("hex") == to_hex(bytes));
    REQUIRE(rig.inbox.wait_size(1));  // the echo, the same bytes
    CHECK(rig.inbox.entries()[0].event == "data");
    CHECK(rig.inbox.entries()[0].data.as<std::string>() == bytes);
}
