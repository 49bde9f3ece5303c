// Misbehaving node-ipc peers: malformed or non-envelope JSON, and peers that vanish mid-frame.
// ipcxx reports the offender, closes only its connection, and keeps serving everyone else.
#include "interop.hpp"

using namespace interop;

namespace {

struct BadInput {
    const char* bytes;
    ipcxx::errc code;
};

// node-ipc 14 itself crashes on the non-envelope ones (nodeipc-wire.md A.5); ipcxx must not.
const BadInput bad_inputs[] = {
    {"{bad json\f", ipcxx::errc::invalid_json},     {"\f", ipcxx::errc::empty_frame},
    {"123\f", ipcxx::errc::invalid_message},        {"null\f", ipcxx::errc::invalid_message},
    {"[1]\f", ipcxx::errc::invalid_message},        {"\"s\"\f", ipcxx::errc::invalid_message},
    {"{\"data\":1}\f", ipcxx::errc::invalid_event}, {"{\"type\":5}\f", ipcxx::errc::invalid_event},
    // node-ipc emits and dispatches these names; ipcxx refuses them by design.
    {"{\"type\":\"\",\"data\":1}\f", ipcxx::errc::invalid_event},
    {"{\"type\":\"*\",\"data\":1}\f", ipcxx::errc::reserved_event},
    {"{\"type\":\"connect\",\"data\":1}\f", ipcxx::errc::reserved_event},
};

std::string before_frame(int i) { return "{\"type\":\"before\",\"data\":" + std::to_string(i) + "}\f"; }

}  // namespace

TEST_CASE("malformed input from a node-ipc client: the ipcxx server reports it and serves the others",
          "[interop]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{server_config_in(dir)};
    server.on("before", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        log.add("before " + data.to_json() + " sock " + std::to_string(from.serial()));
    });
    server.on("ping", [&](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("pong", data); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        log.add("error " + std::to_string(e.code.value()) + " sock " + std::to_string(e.socket.serial()));
    });
    server.on("socket.disconnected", [&](ipcxx::Socket& s) { log.add("gone " + std::to_string(s.serial())); });
    const Address address = serve(server, transport, dir);

    auto good = start_node_client(version, address);
    auto bad = start_node_client(version, address);
    INFO(good->describe() << "\n" << bad->describe());
    REQUIRE(good->wait_line(ev_is("connect")));

    int i = 0;
    for (const auto& input : bad_inputs) {
        INFO("input " << input.bytes);
        REQUIRE(bad->wait_line(ev_is("connect")));  // first connect, then each reconnect
        // A frame before the bad one in the same write is still dispatched.
        REQUIRE(bad->send(emit_raw_cmd(before_frame(i) + input.bytes)));
        REQUIRE(bad->wait_line(ev_is("disconnect")));
        // The entries name the bad connection's serial, learnt from its "before" message.
        const std::string prefix = "before " + std::to_string(i) + " sock ";
        std::string serial;
        REQUIRE(test::eventually([&] {
            for (const auto& e : log.entries()) {
                if (e.rfind(prefix, 0) == 0) serial = e.substr(prefix.size());
            }
            return !serial.empty();
        }));
        CHECK(log.wait_for("error " + std::to_string(static_cast<int>(input.code)) + " sock " + serial));
        CHECK(log.wait_for("gone " + serial));

        // The other client is still served.
        REQUIRE(good->send(emit_cmd("ping", std::to_string(i))));
        const auto pong = good->wait_line(message_is("pong"));
        REQUIRE(pong);
        CHECK(pong->num("data") == i);
        ++i;
    }
    CHECK(server.running());
    CHECK(good->count(ev_is("disconnect")) == 0);
    // Each bad input cost exactly one error and one connection.
    CHECK(log.entries().size() == 3 * std::size(bad_inputs));
}

TEST_CASE("malformed input from a node-ipc server: the ipcxx client reports it and reconnects", "[interop]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    test::TempDir dir;
    auto node = start_node_server(version, transport, dir, {"--echo"});
    INFO(node.peer->describe());

    // A second ipcxx client shows the process and its other connections carry on.
    test::Log good_log;
    ipcxx::Client good{test::config_in(dir, "good")};
    good.on("ping", [&](const ipcxx::Payload& data) { good_log.add("ping " + data.to_json()); });
    good.on("disconnect", [&] { good_log.add("disconnect"); });
    connect(good, node.address);
    REQUIRE(node.peer->wait_line(ev_is("connect")));

    int i = 0;
    for (const auto& input : bad_inputs) {
        INFO("input " << input.bytes);
        test::Log log;
        Inbox inbox;
        {
            ipcxx::Client client{test::config_in(dir, "bad")};
            client.on("connect", [&] { log.add("connect"); });
            client.on("before", [&](const ipcxx::Payload& data) { log.add("before " + data.to_json()); });
            client.on("error", [&](const ipcxx::ErrorEvent& e) { log.add("error " + std::to_string(e.code.value())); });
            client.on("disconnect", [&] { log.add("disconnect"); });
            client.on("destroy", [&] { log.add("destroy"); });
            connect(client, node.address);
            const auto accepted = node.peer->wait_line(ev_is("connect"));
            REQUIRE(accepted);
            REQUIRE(log.wait_for("connect"));
            REQUIRE(node.peer->send(emit_raw_cmd(before_frame(i) + input.bytes, accepted->num("sock"))));
            // Unlike node-ipc 14's client, which gives up for good, it retries: the server may be fixed.
            REQUIRE(node.peer->wait_line(ev_is("connect")));
            REQUIRE(log.wait_for_count("connect", 2));
            CHECK(log.entries() == std::vector<std::string>{"connect", "before " + std::to_string(i),
                                                            "error " + std::to_string(static_cast<int>(input.code)),
                                                            "disconnect", "connect"});
        }
        REQUIRE_FALSE(good.emit("ping", i));
        CHECK(good_log.wait_for("ping " + std::to_string(i)));
        ++i;
    }
    CHECK(good_log.count("disconnect") == 0);
}

TEST_CASE("a node-ipc client that vanishes mid-frame is a closed connection to the ipcxx server", "[interop]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{server_config_in(dir)};
    server.on("*", [&](std::string_view event, const ipcxx::Payload& data, ipcxx::Socket& from) {
        log.add(std::string(event) + " " + data.to_json());
        if (event == "ping") from.emit("pong", data);
    });
    server.on("error", [&](const ipcxx::ErrorEvent& e) { log.add("error " + e.message); });
    server.on("socket.disconnected", [&] { log.add("gone"); });
    const Address address = serve(server, transport, dir);

    auto good = start_node_client(version, address);
    auto bad = start_node_client(version, address);
    INFO(good->describe() << "\n" << bad->describe());
    REQUIRE(good->wait_line(ev_is("connect")));
    REQUIRE(bad->wait_line(ev_is("connect")));
    REQUIRE(bad->send(emit_raw_cmd("{\"type\":\"whole\",\"data\":1}\f{\"type\":\"hal")));
    REQUIRE(log.wait_for("whole 1"));
    bad->kill();
    REQUIRE(log.wait_for("gone"));

    REQUIRE(good->send(emit_cmd("ping", "2")));
    REQUIRE(good->wait_line(message_is("pong")));
    // The partial frame went with its connection: no error, no message.
    CHECK(log.entries() == std::vector<std::string>{"whole 1", "gone", "ping 2"});
    CHECK(server.running());
}

TEST_CASE("a node-ipc server that vanishes mid-frame: the ipcxx client drops the partial frame and reconnects",
          "[interop]") {
    const std::string version = GENERATE("14", "9");
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO("node-ipc " << version << " over " << test::name(transport));
    test::TempDir dir;
    test::Log log;
    test::Log drops;  // one disconnect per failed attempt too, so kept apart from `log`
    auto node = start_node_server(version, transport, dir);
    ipcxx::Client client{test::config_in(dir, "client")};
    client.on("*", [&](std::string_view event, const ipcxx::Payload& data) {
        log.add(std::string(event) + " " + data.to_json());
    });
    client.on("connect", [&] { log.add("connect"); });
    client.on("disconnect", [&] { drops.add("disconnect"); });
    client.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (!is_refused(e)) log.add("error " + e.message);  // refused attempts while no server runs are expected
    });
    connect(client, node.address);
    REQUIRE(log.wait_for("connect"));
    REQUIRE(node.peer->wait_line(ev_is("connect")));

    REQUIRE(node.peer->send(emit_raw_cmd("{\"type\":\"whole\",\"data\":1}\f{\"type\":\"hal")));
    REQUIRE(log.wait_for("whole 1"));
    node.peer->kill();
    REQUIRE(drops.wait_for("disconnect"));

    auto again = start_node_server_at(version, node.address);
    INFO(again.peer->describe());
    REQUIRE(again.peer->wait_line(ev_is("connect")));
    REQUIRE(log.wait_for_count("connect", 2));
    REQUIRE(again.peer->send(emit_cmd("after", "2")));
    REQUIRE(log.wait_for("after 2"));
    // Had the partial frame been kept, "after" would have been glued to it and failed to parse.
    CHECK(log.entries() == std::vector<std::string>{"connect", "whole 1", "connect", "after 2"});
}
