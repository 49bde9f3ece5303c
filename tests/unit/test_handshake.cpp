// Negotiation of the native wire and the JSON-wire request/response convention, without sockets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <msgpack.hpp>

#include "codec/handshake.hpp"
#include "codec/json_wire.hpp"
#include "ipcxx/error.hpp"
#include "support/vector_file.hpp"

using ipcxx::errc;
using ipcxx::detail::ClientHandshake;
using ipcxx::detail::FrameKind;
using ipcxx::detail::NativeFrame;
using ipcxx::detail::ServerHandshake;
using ipcxx::detail::WireMode;

namespace {

// msgpack of a JSON text, as the JSON wire's decoder gives a frame's data.
std::string mp(const std::string& json) {
    std::string out;
    std::string detail;
    const std::error_code ec = ipcxx::detail::json_to_msgpack(json, out, &detail);
    INFO(json << ": " << detail);
    REQUIRE_FALSE(ec);
    return out;
}

std::string to_json(std::string_view msgpack_value) {
    std::string out;
    REQUIRE_FALSE(ipcxx::detail::append_json_value(msgpack_value, out));
    return out;
}

WireMode mode_named(const std::string& name) {
    static const std::map<std::string, WireMode> modes = {
        {"auto", WireMode::auto_}, {"json", WireMode::json}, {"native", WireMode::native}};
    REQUIRE(modes.count(name) == 1);
    return modes.at(name);
}

std::error_code code_of(std::optional<errc> e) { return e ? make_error_code(*e) : std::error_code(); }

const char* mode_name(WireMode m) { return m == WireMode::auto_ ? "auto" : m == WireMode::json ? "json" : "native"; }

// "a,b" -> {"a", "b"}; "" -> {}.
std::vector<std::string> topics_of(const std::string& list) {
    std::vector<std::string> out;
    std::size_t from = 0;
    while (from < list.size()) {
        const std::size_t comma = std::min(list.find(',', from), list.size());
        out.push_back(list.substr(from, comma - from));
        from = comma + 1;
    }
    return out;
}

std::string hello_with(const std::string& fields) { return mp("{" + fields + "}"); }

ServerHandshake::HelloResult hello_to(WireMode server_mode, const std::string& json) {
    ServerHandshake server(server_mode, "world");
    return server.on_hello(mp(json));
}

}  // namespace

TEST_CASE("handshake golden vectors, both ways", "[handshake][golden]") {
    const auto vectors = test::load_vector_file(IPCXX_PROTOCOL_DIR "/vectors/native-wire/handshake.txt");
    REQUIRE(vectors.size() >= 9);
    std::map<std::string, std::string> data_of;
    ipcxx::detail::JsonFrameDecoder decoder;
    for (const auto& v : vectors) {
        INFO("vector " << v.at("name"));
        const std::string frame = test::from_hex(v.at("frame"));
        const std::string event = test::from_hex(v.at("event"));
        const std::string data = test::from_hex(v.at("data"));
        data_of[v.at("name")] = data;

        // The frame is what the JSON wire makes of (event, data), and decodes back to them.
        std::string encoded;
        REQUIRE_FALSE(ipcxx::detail::encode_json_frame(event, data, "\f", encoded));
        CHECK(encoded == frame);
        ipcxx::detail::DecodedFrame decoded;
        REQUIRE_FALSE(decoder.decode(std::string_view(frame).substr(0, frame.size() - 1), decoded));
        CHECK(decoded.type == event);
        const std::string received(decoded.data);  // map32 headers: the reader must not care

        const std::string& role = v.at("role");
        if (role == "hello") {
            CHECK(event == ipcxx::detail::hello_event);
            ClientHandshake client(mode_named(v.at("mode")), v.at("id"));
            const auto topics = v.count("topics") ? std::optional<std::vector<std::string>>(topics_of(v.at("topics")))
                                                  : std::nullopt;
            CHECK(client.on_connected({}, topics) == data);
            ServerHandshake server(WireMode::auto_, "x");
            const auto result = server.on_hello(received);
            REQUIRE_FALSE(result.error);
            CHECK(result.peer_id == v.at("id"));
            CHECK(result.topics == topics);
        } else if (role == "topics") {
            CHECK(event == ipcxx::detail::topics_event);
            const auto topics = topics_of(v.at("topics"));
            CHECK(ipcxx::detail::make_topics_message(topics) == data);
            std::vector<std::string> parsed{"stale"};
            REQUIRE_FALSE(ipcxx::detail::parse_topics_message(received, parsed));
            CHECK(parsed == topics);
        } else if (role == "welcome") {
            CHECK(event == ipcxx::detail::welcome_event);
            ServerHandshake server(mode_named(v.at("mode")), v.at("id"));
            const auto result = server.on_hello(data_of.at(v.at("answers")));
            REQUIRE_FALSE(result.error);
            CHECK(result.welcome == data);
            ClientHandshake client(WireMode::auto_, "c");
            client.on_connected();
            const auto welcome = client.on_welcome(received);
            REQUIRE_FALSE(welcome.error);
            CHECK(welcome.native == (v.at("mode") != "json"));
            CHECK(welcome.peer_id == v.at("id"));
            CHECK(welcome.takes_topics);
        } else {
            const std::uint64_t id = std::stoull(v.at("id"));
            const std::string value = v.count("value") && v.at("value") != "-" ? test::from_hex(v.at("value")) : "";
            NativeFrame parsed;
            if (role == "request") {
                const std::uint64_t timeout = v.count("timeout") ? std::stoull(v.at("timeout")) : 0;
                CHECK(event == ipcxx::detail::request_event);
                CHECK(ipcxx::detail::make_json_request(id, v.at("request_event"), value, timeout) == data);
                REQUIRE_FALSE(ipcxx::detail::parse_json_request(received, parsed));
                CHECK(parsed.kind == FrameKind::request);
                CHECK(parsed.name == v.at("request_event"));
                CHECK(parsed.timeout_ms == timeout);
            } else if (role == "cancel") {
                CHECK(event == ipcxx::detail::cancel_event);
                CHECK(ipcxx::detail::make_json_cancel(id) == data);
                REQUIRE_FALSE(ipcxx::detail::parse_json_cancel(received, parsed));
                CHECK(parsed.kind == FrameKind::cancel);
            } else if (role == "response") {
                CHECK(event == ipcxx::detail::response_event);
                CHECK(ipcxx::detail::make_json_response(id, value) == data);
                REQUIRE_FALSE(ipcxx::detail::parse_json_response(received, parsed));
                CHECK(parsed.kind == FrameKind::response);
            } else {
                REQUIRE(role == "error_response");
                CHECK(event == ipcxx::detail::response_event);
                CHECK(ipcxx::detail::make_json_error_response(id, v.at("code"), v.at("message")) == data);
                REQUIRE_FALSE(ipcxx::detail::parse_json_response(received, parsed));
                CHECK(parsed.kind == FrameKind::error_response);
                CHECK(parsed.error_code == v.at("code"));
                CHECK(parsed.error_message == v.at("message"));
            }
            CHECK(parsed.id == id);
            REQUIRE(parsed.data.empty() == value.empty());
            if (!value.empty()) CHECK(to_json(parsed.data) == to_json(value));
        }
    }
}

TEST_CASE("every pairing of wire modes", "[handshake]") {
    struct Outcome {
        bool native;
        std::optional<errc> client_error;
        std::optional<errc> server_error;
    };
    using M = WireMode;
    // client mode, server mode -> outcome
    const std::map<std::pair<M, M>, Outcome> table = {
        {{M::auto_, M::auto_}, {true, {}, {}}},
        {{M::auto_, M::json}, {false, {}, {}}},
        {{M::auto_, M::native}, {true, {}, {}}},
        {{M::native, M::auto_}, {true, {}, {}}},
        {{M::native, M::json}, {false, errc::native_wire_refused, {}}},
        {{M::native, M::native}, {true, {}, {}}},
        {{M::json, M::auto_}, {false, {}, {}}},
        {{M::json, M::json}, {false, {}, {}}},
        {{M::json, M::native}, {false, {}, errc::native_wire_refused}},
    };
    for (const auto& [modes, want] : table) {
        INFO("client " << mode_name(modes.first) << ", server " << mode_name(modes.second));
        ClientHandshake client(modes.first, "hello");
        ServerHandshake server(modes.second, "world");
        CHECK(server.awaiting_hello());
        const std::optional<std::string> hello = client.on_connected();
        if (!hello) {
            // A json client sends no hello: its first frame is ordinary traffic.
            std::string detail;
            const std::error_code ec = server.on_first_frame_without_hello(&detail);
            CHECK(ec == code_of(want.server_error));
            if (ec) CHECK_THAT(detail, Catch::Contains("wire = native"));
            CHECK_FALSE(client.awaiting_welcome());
            CHECK_FALSE(client.native());
            CHECK_FALSE(server.native());
            continue;
        }
        CHECK(client.awaiting_welcome());
        const auto answer = server.on_hello(*hello);
        REQUIRE_FALSE(answer.error);
        CHECK(answer.peer_id == "hello");
        CHECK(answer.protocol == 1);
        CHECK(answer.request);
        CHECK(answer.native == want.native);
        CHECK(server.native() == want.native);
        CHECK_FALSE(server.awaiting_hello());
        const auto welcome = client.on_welcome(answer.welcome);
        CHECK(welcome.error == code_of(want.client_error));
        if (welcome.error) {
            CHECK_THAT(welcome.detail, Catch::Contains("wire = native"));
            CHECK_FALSE(client.native());
        } else {
            CHECK(welcome.native == want.native);
            CHECK(client.native() == want.native);
            CHECK(welcome.peer_id == "world");
            CHECK(welcome.request);
        }
        CHECK_FALSE(client.awaiting_welcome());
    }
}

TEST_CASE("a node-ipc server never answers the hello", "[handshake]") {
    ClientHandshake auto_client(WireMode::auto_, "hello");
    REQUIRE(auto_client.on_connected());
    CHECK_FALSE(auto_client.on_handshake_timeout());  // auto stays on JSON
    CHECK_FALSE(auto_client.native());
    // A late welcome still switches an auto client.
    ServerHandshake server(WireMode::auto_, "world");
    const auto answer = server.on_hello(*ClientHandshake(WireMode::auto_, "hello").on_connected());
    CHECK(auto_client.on_welcome(answer.welcome).native);

    ClientHandshake native_client(WireMode::native, "hello");
    REQUIRE(native_client.on_connected());
    std::string detail;
    CHECK(native_client.on_handshake_timeout(&detail) == errc::handshake_timeout);
    CHECK_THAT(detail, Catch::Contains("wire = native"));
    CHECK_FALSE(native_client.on_welcome(answer.welcome).error);
    CHECK_FALSE(native_client.on_handshake_timeout());  // answered: nothing to time out

    ClientHandshake json_client(WireMode::json, "hello");
    CHECK_FALSE(json_client.on_connected());
    CHECK_FALSE(json_client.on_handshake_timeout());
}

TEST_CASE("a new connection starts the client's handshake over", "[handshake]") {
    ClientHandshake client(WireMode::auto_, "hello");
    ServerHandshake server(WireMode::auto_, "world");
    client.on_connected();
    REQUIRE(client.on_welcome(server.on_hello(*ClientHandshake(WireMode::auto_, "h").on_connected()).welcome).native);
    CHECK(client.native());
    REQUIRE(client.on_connected());  // reconnected: maybe to a node-ipc server this time
    CHECK_FALSE(client.native());
    CHECK(client.awaiting_welcome());
}

TEST_CASE("versions: peers speak the lower one; unknown fields, wires and features are ignored", "[handshake]") {
    const auto result = hello_to(WireMode::auto_,
                                 R"({"protocol":7,"id":"future","wire":["quic","native"],"features":["streams","request"],)"
                                 R"("compression":{"zstd":true}})");
    REQUIRE_FALSE(result.error);
    CHECK(result.protocol == 1);
    CHECK(result.native);
    CHECK(result.request);
    CHECK(to_json(result.welcome) == R"({"protocol":1,"id":"world","wire":"native","features":["request","deadline","topics"]})");

    const auto no_features = hello_to(WireMode::auto_, R"({"protocol":1,"id":"old","wire":["json"]})");
    REQUIRE_FALSE(no_features.error);
    CHECK_FALSE(no_features.request);
    CHECK_FALSE(no_features.native);  // the client did not offer native
    CHECK(to_json(no_features.welcome) == R"({"protocol":1,"id":"world","wire":"json","features":["request","deadline","topics"]})");

    ClientHandshake client(WireMode::auto_, "hello");
    client.on_connected();
    const auto welcome = client.on_welcome(
        mp(R"({"extra":[1,2],"protocol":3,"features":["x"],"wire":"native","id":"srv"})"));
    REQUIRE_FALSE(welcome.error);
    CHECK(welcome.protocol == 1);
    CHECK(welcome.native);
    CHECK_FALSE(welcome.request);
    CHECK(welcome.peer_id == "srv");
}

TEST_CASE("bad hellos are refused with invalid_message naming the problem", "[handshake]") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {R"([1,2])", "not an object"},
        {R"("hello")", "not an object"},
        {R"({"id":"a","wire":["native"]})", "'protocol'"},
        {R"({"protocol":1,"wire":["native"]})", "'id'"},
        {R"({"protocol":1,"id":"a"})", "'wire'"},
        {R"({"protocol":0,"id":"a","wire":["native"]})", "'protocol'"},
        {R"({"protocol":-1,"id":"a","wire":["native"]})", "'protocol'"},
        {R"({"protocol":1.5,"id":"a","wire":["native"]})", "'protocol'"},
        {R"({"protocol":"1","id":"a","wire":["native"]})", "'protocol'"},
        {R"({"protocol":1,"id":7,"wire":["native"]})", "'id'"},
        {R"({"protocol":1,"id":"a","wire":"native"})", "'wire'"},
        {R"({"protocol":1,"id":"a","wire":["native",1]})", "'wire'"},
        {R"({"protocol":1,"id":"a","wire":["native"],"features":"request"})", "'features'"},
    };
    for (const auto& [json, names] : bad) {
        INFO(json);
        const auto result = hello_to(WireMode::auto_, json);
        CHECK(result.error == errc::invalid_message);
        CHECK_THAT(result.detail, Catch::Contains("ipcxx.hello") && Catch::Contains(names));
        CHECK(result.welcome.empty());
        CHECK_FALSE(result.native);
    }
    SECTION("no data, or truncated msgpack") {
        ServerHandshake server(WireMode::auto_, "world");
        CHECK(server.on_hello("").error == errc::invalid_message);
        ServerHandshake server2(WireMode::auto_, "world");
        const std::string hello = *ClientHandshake(WireMode::auto_, "hello").on_connected();
        CHECK(server2.on_hello(hello.substr(0, hello.size() - 3)).error == errc::invalid_message);
    }
    SECTION("a hello that is not the first frame") {
        const std::string hello = *ClientHandshake(WireMode::auto_, "hello").on_connected();
        ServerHandshake twice(WireMode::auto_, "world");
        REQUIRE_FALSE(twice.on_hello(hello).error);
        const auto again = twice.on_hello(hello);
        CHECK(again.error == errc::invalid_message);
        CHECK_THAT(again.detail, Catch::Contains("first frame"));
        ServerHandshake late(WireMode::auto_, "world");
        REQUIRE_FALSE(late.on_first_frame_without_hello());
        CHECK(late.on_hello(hello).error == errc::invalid_message);
    }
    SECTION("a native server and a client that does not offer native") {
        const auto result = hello_to(WireMode::native, R"({"protocol":1,"id":"a","wire":["json"]})");
        CHECK(result.error == errc::native_wire_refused);
        CHECK_THAT(result.detail, Catch::Contains("'a'"));
    }
}

TEST_CASE("bad welcomes", "[handshake]") {
    auto welcome = [](WireMode mode, const std::string& json) {
        ClientHandshake client(mode, "hello");
        client.on_connected();
        return client.on_welcome(mp(json));
    };
    CHECK(welcome(WireMode::auto_, R"({"protocol":1,"id":"s","wire":"quic"})").error == errc::invalid_message);
    CHECK(welcome(WireMode::auto_, R"({"protocol":1,"id":"s","wire":["native"]})").error == errc::invalid_message);
    CHECK(welcome(WireMode::auto_, R"({"protocol":1,"id":"s"})").error == errc::invalid_message);
    CHECK(welcome(WireMode::auto_, R"({"id":"s","wire":"native"})").error == errc::invalid_message);
    CHECK(welcome(WireMode::auto_, R"(null)").error == errc::invalid_message);

    const std::string good = mp(R"({"protocol":1,"id":"s","wire":"native"})");
    ClientHandshake json_client(WireMode::json, "hello");
    CHECK_FALSE(json_client.on_connected());
    const auto unasked = json_client.on_welcome(good);
    CHECK(unasked.error == errc::invalid_message);
    CHECK_THAT(unasked.detail, Catch::Contains("no ipcxx.hello"));
    CHECK_FALSE(json_client.native());

    ClientHandshake twice(WireMode::auto_, "hello");
    twice.on_connected();
    REQUIRE_FALSE(twice.on_welcome(good).error);
    CHECK(twice.on_welcome(good).error == errc::invalid_message);
}

TEST_CASE("JSON-wire requests and responses", "[handshake][request]") {
    using ipcxx::detail::parse_json_request;
    using ipcxx::detail::parse_json_response;
    NativeFrame f;

    SECTION("what a node-ipc peer writes by hand is read") {
        // `f` views the msgpack it was parsed from: keep that alive.
        const std::string request = mp(R"({"event":"add","extra":true,"data":{"a":[1]},"id":9007199254740991})");
        REQUIRE_FALSE(parse_json_request(request, f));
        CHECK(f.kind == FrameKind::request);
        CHECK(f.id == 9007199254740991ULL);
        CHECK(f.name == "add");
        CHECK(to_json(f.data) == R"({"a":[1]})");
        const std::string response = mp(R"({"data":null,"id":0})");
        REQUIRE_FALSE(parse_json_response(response, f));
        CHECK(f.kind == FrameKind::response);
        CHECK(to_json(f.data) == "null");
        const std::string error = mp(R"({"id":3,"data":1,"error":{"message":"m","code":"E_APP","x":1}})");
        REQUIRE_FALSE(parse_json_response(error, f));
        CHECK(f.kind == FrameKind::error_response);
        CHECK(f.error_code == "E_APP");
        CHECK(f.error_message == "m");
        CHECK(f.data.empty());  // an error response carries no data
        const std::string no_message = mp(R"({"id":3,"error":{"code":"bad_request"}})");
        REQUIRE_FALSE(parse_json_response(no_message, f));
        CHECK(f.error_message.empty());
    }
    SECTION("malformed requests") {
        const std::vector<std::pair<std::string, errc>> bad = {
            {R"([17,"add"])", errc::invalid_message},
            {R"({"event":"add"})", errc::invalid_message},
            {R"({"id":-1,"event":"add"})", errc::invalid_message},
            {R"({"id":1.5,"event":"add"})", errc::invalid_message},
            {R"({"id":"17","event":"add"})", errc::invalid_message},
            {R"({"id":17})", errc::invalid_message},
            {R"({"id":17,"event":5})", errc::invalid_message},
            {R"({"id":17,"event":""})", errc::invalid_event},
        };
        for (const auto& [json, want] : bad) {
            INFO(json);
            std::string detail;
            CHECK(parse_json_request(mp(json), f, &detail) == want);
            CHECK_FALSE(detail.empty());
        }
    }
    SECTION("malformed responses") {
        for (const std::string json : {R"("x")", R"({"data":1})", R"({"id":-3})", R"({"id":1,"error":"no_handler"})",
                                       R"({"id":1,"error":{"message":"m"}})", R"({"id":1,"error":{"code":""}})",
                                       R"({"id":1,"error":{"code":1}})"}) {
            INFO(json);
            std::string detail;
            CHECK(parse_json_response(mp(json), f, &detail) == errc::invalid_message);
            CHECK_THAT(detail, Catch::Contains("ipcxx.response"));
        }
    }
    SECTION("built objects are what the convention documents") {
        CHECK(to_json(ipcxx::detail::make_json_request(17, "add", mp("[1,2]"))) ==
              R"({"id":17,"event":"add","data":[1,2]})");
        CHECK(to_json(ipcxx::detail::make_json_response(17, mp("3"))) == R"({"id":17,"data":3})");
        CHECK(to_json(ipcxx::detail::make_json_error_response(17, "no_handler", "none")) ==
              R"({"id":17,"error":{"code":"no_handler","message":"none"}})");
    }
}
