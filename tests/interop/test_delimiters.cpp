// Custom delimiters, multi-byte ones included, end to end against node-ipc 14 (9.2.1 compares only
// the last character of its buffer, so multi-character delimiters are unreliable there).
#include "interop.hpp"

using namespace interop;

TEST_CASE("multi-byte delimiters both ways, split anywhere", "[interop][delimiter]") {
    const Role role = GENERATE(Role::ipcxx_server, Role::ipcxx_client);
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    // CR LF (escaped inside JSON text), and U+241C, three bytes that JSON writes raw.
    const std::string delimiter = GENERATE(std::string("\r\n"), std::string("\xE2\x90\x9C"));
    INFO(name(role) << " over " << test::name(transport) << ", delimiter " << to_hex(delimiter));
    Rig rig(role, "14", transport, {"--echo", "--delimiter-hex", to_hex(delimiter)},
            [&](ipcxx::Config& c) { c.delimiter = delimiter; });
    INFO(rig.node().describe());

    // ipcxx -> node-ipc, and node-ipc's echo back.
    const auto data = ipcxx::Payload::from_json(R"({"s":"line\r\nbreak","n":[1,2]})");
    REQUIRE_FALSE(rig.emit("greet", data));
    const auto line = rig.node().wait_line(message_is("greet"));
    REQUIRE(line);
    CHECK(line->text() == message_line("greet", data.to_json(), rig.node_sock()));
    REQUIRE(rig.inbox().wait_size(1));
    CHECK(rig.inbox().entries()[0].data == data);

    // node-ipc's own frames, split inside the delimiter and packed several to a write.
    const std::string a = R"({"type":"a","data":1})" + delimiter;
    const std::string b = R"({"type":"b","data":"x"})" + delimiter;
    const std::string c = R"({"type":"c","data":[true]})" + delimiter;
    const std::string stream = a + b + c;
    const std::size_t cut = a.size() - 1;  // inside a's delimiter
    REQUIRE(rig.node().send(emit_raw_cmd(stream.substr(0, cut)) + "\n" + emit_raw_cmd(stream.substr(cut))));
    REQUIRE(rig.inbox().wait_size(4));
    const auto got = rig.inbox().entries();
    CHECK(got[1].event == "a");
    CHECK(got[2].event == "b");
    CHECK(got[3].event == "c");
    CHECK(got[3].data.to_json() == "[true]");
    CHECK(rig.log().entries() == std::vector<std::string>{"connect"});
}

TEST_CASE("data whose JSON text would contain the delimiter is refused, not sent", "[interop][delimiter]") {
    const Role role = GENERATE(Role::ipcxx_server, Role::ipcxx_client);
    Rig rig(role, "14", Transport::unix_socket, {"--delimiter-hex", to_hex("||")},
            [](ipcxx::Config& c) { c.delimiter = "||"; });
    INFO(rig.node().describe());
    CHECK(rig.emit("pipe", ipcxx::Payload::from(std::string("a||b"))) == ipcxx::errc::invalid_argument);
    REQUIRE_FALSE(rig.emit("pipe", ipcxx::Payload::from(std::string("a|b"))));
    const auto line = rig.node().wait_line(message_is("pipe"));
    REQUIRE(line);
    CHECK(line->text() == message_line("pipe", "\"a|b\"", rig.node_sock()));
    CHECK(rig.node().count(message_is("pipe")) == 1);
}
