// Stdin lines and stdout lines of the ipcxx command-line tool (tools/ipcxx/input_lines.cpp, output.cpp).

#include "input_lines.hpp"
#include "output.hpp"

#include <catch2/catch.hpp>

#include <string>

#include <ipcxx/error.hpp>

using ipcxx_cli::InputLine;
using ipcxx_cli::parse_input_line;

namespace {

// Parses a line that must be bad and returns the reason.
std::string error_of(std::string_view text) {
    const InputLine line = parse_input_line(text);
    REQUIRE(line.kind == InputLine::Kind::bad);
    CHECK(line.error.find('\n') == std::string::npos);
    return line.error;
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("cli input: an event with data", "[cli]") {
    const InputLine line = parse_input_line(R"({"type":"message","data":{"n":1,"s":"é🌍","a":[true,null,2.5]}})");
    REQUIRE(line.kind == InputLine::Kind::event);
    CHECK(line.type == "message");
    CHECK(line.data.to_json() == R"({"n":1,"s":"é🌍","a":[true,null,2.5]})");
}

TEST_CASE("cli input: whitespace, key order and a missing data key", "[cli]") {
    const InputLine reordered = parse_input_line(" {\"data\" : [1] , \"type\":\"t\"}\r");
    REQUIRE(reordered.kind == InputLine::Kind::event);
    CHECK(reordered.type == "t");
    CHECK(reordered.data.to_json() == "[1]");

    const InputLine no_data = parse_input_line(R"({"type":"ping"})");
    REQUIRE(no_data.kind == InputLine::Kind::event);
    CHECK(no_data.data.empty());

    const InputLine null_data = parse_input_line(R"({"type":"ping","data":null})");
    REQUIRE(null_data.kind == InputLine::Kind::event);
    CHECK(null_data.data.is_nil());
}

TEST_CASE("cli input: blank lines are skipped", "[cli]") {
    CHECK(parse_input_line("").kind == InputLine::Kind::blank);
    CHECK(parse_input_line(" \t\r").kind == InputLine::Kind::blank);
}

TEST_CASE("cli input: bad lines say why", "[cli]") {
    CHECK(contains(error_of("not json"), "invalid JSON at offset"));
    CHECK(contains(error_of(R"({"type":"a")"), "invalid JSON"));
    CHECK(contains(error_of(R"({"type":"a"} x)"), "invalid JSON"));
    CHECK(contains(error_of("{\"type\":\"a\xff\"}"), "invalid UTF-8 at byte 10"));
    CHECK(contains(error_of("[1,2]"), "expected a JSON object"));
    CHECK(contains(error_of("[1,2]"), "an array"));
    CHECK(contains(error_of("\"text\""), "a string"));
    CHECK(contains(error_of(R"({"data":1})"), "missing \"type\""));
    CHECK(contains(error_of(R"({"type":5})"), "\"type\" must be a string, got a number"));
    CHECK(contains(error_of(R"({"type":null})"), "got null"));
    CHECK(contains(error_of(R"({"type":""})"), "must not be empty"));
    CHECK(contains(error_of(R"({"type":"a","date":1})"), "unexpected key \"date\""));
    CHECK(contains(error_of(R"({"type":"a","type":"b"})"), "duplicate key \"type\""));
}

TEST_CASE("cli input: send errors name the event", "[cli]") {
    const std::string reserved = ipcxx_cli::send_error_text(ipcxx::errc::reserved_event, "connect");
    CHECK(contains(reserved, "\"connect\" is reserved"));
    const std::string too_large = ipcxx_cli::send_error_text(ipcxx::errc::frame_too_large, "big");
    CHECK(contains(too_large, "\"big\""));
    CHECK(contains(too_large, "max_message_size"));
}

TEST_CASE("cli output: event lines are node-ipc's frame text", "[cli]") {
    using ipcxx_cli::event_line;
    CHECK(event_line("message", ipcxx::Payload::from(std::string("hello"))) ==
          R"({"type":"message","data":"hello"})");
    CHECK(event_line("ping", ipcxx::Payload()) == R"({"type":"ping","data":{}})");
    CHECK(event_line("q\"\n", ipcxx::Payload::from_json(R"({"b":[1.5,-0,1e21]})")) ==
          R"({"type":"q\"\n","data":{"b":[1.5,0,1e+21]}})");
    // What a line reads in, a line prints out the same.
    const std::string text = R"({"type":"obj","data":{"n":1,"s":"é🌍","a":[true,null]}})";
    const InputLine line = parse_input_line(text);
    REQUIRE(line.kind == InputLine::Kind::event);
    CHECK(event_line(line.type, line.data) == text);
}


TEST_CASE("cli output: a response's data, and a failed request", "[cli]") {
    using ipcxx_cli::response_line;
    CHECK(response_line(ipcxx::Payload::from(3)) == "3");
    CHECK(response_line(ipcxx::Payload::from_json(R"({"a":[1,"x"]})")) == R"({"a":[1,"x"]})");
    CHECK(response_line(ipcxx::Payload::from_json("null")) == "null");
    CHECK(response_line(ipcxx::Payload()) == "null");

    ipcxx::Response remote;
    remote.error = ipcxx::errc::remote_error;
    remote.remote_code = "handler_exception";
    remote.message = "boom";
    CHECK(ipcxx_cli::request_failure_text("fail", remote) == R"(request "fail" failed: handler_exception: boom)");
    ipcxx::Response timeout;
    timeout.error = ipcxx::errc::request_timeout;
    CHECK(ipcxx_cli::request_failure_text("slow", timeout) ==
          R"(request "slow" failed: request_timeout: request timed out)");
}

TEST_CASE("cli output: serve names each client's id as it connects", "[cli]") {
    using ipcxx_cli::client_connected_text;
    CHECK(client_connected_text(3, "alice", "unix:/run/app.world") ==
          R"(client 3 connected: id "alice" (unix:/run/app.world))");
    CHECK(client_connected_text(1, "", "127.0.0.1:4000") == "client 1 connected: no id (127.0.0.1:4000)");
    CHECK(client_connected_text(2, "a \"b\"", "x") == R"(client 2 connected: id "a \"b\"" (x))");
}

TEST_CASE("cli input: answers to requests", "[cli]") {
    const InputLine value = parse_input_line(R"({"response":7,"data":{"sum":3}})");
    REQUIRE(value.kind == InputLine::Kind::answer);
    CHECK(value.request == 7);
    CHECK(value.data.to_json() == R"({"sum":3})");

    const InputLine no_data = parse_input_line(R"({"data":null,"response":1})");
    REQUIRE(no_data.kind == InputLine::Kind::answer);
    CHECK(no_data.data.is_nil());
    CHECK(parse_input_line(R"({"response":2})").data.empty());

    const InputLine failure = parse_input_line(R"({"response":3,"error":{"code":"busy","message":"later"}})");
    REQUIRE(failure.kind == InputLine::Kind::failure);
    CHECK(failure.request == 3);
    CHECK(failure.error_code == "busy");
    CHECK(failure.error_message == "later");
    const InputLine bare = parse_input_line(R"({"response":4,"error":{"code":"busy"}})");
    REQUIRE(bare.kind == InputLine::Kind::failure);
    CHECK(bare.error_message.empty());
}

TEST_CASE("cli input: bad answers say why", "[cli]") {
    CHECK(contains(error_of(R"({"response":0})"), "a request's number (1, 2, ...), got 0"));
    CHECK(contains(error_of(R"({"response":-1})"), "got a number"));
    CHECK(contains(error_of(R"({"response":1.5})"), "got a number"));
    CHECK(contains(error_of(R"({"response":"1"})"), "got a string"));
    CHECK(contains(error_of(R"({"response":1,"type":"x"})"), "an answer has no \"type\""));
    CHECK(contains(error_of(R"({"response":1,"data":1,"error":{"code":"x"}})"), "not both"));
    CHECK(contains(error_of(R"({"response":1,"error":"x"})"), "\"error\" must be an object"));
    CHECK(contains(error_of(R"({"response":1,"error":{}})"), "missing \"code\""));
    CHECK(contains(error_of(R"({"response":1,"error":{"code":""}})"), "\"code\" must not be empty"));
    CHECK(contains(error_of(R"({"response":1,"error":{"code":5}})"), "\"code\" must be a string"));
    CHECK(contains(error_of(R"({"response":1,"error":{"code":"x","message":1}})"), "\"message\" must be a string"));
    CHECK(contains(error_of(R"({"response":1,"error":{"code":"x","why":""}})"), "unexpected key \"why\""));
    CHECK(contains(error_of(R"({"response":1,"response":2})"), "duplicate key \"response\""));
    CHECK(contains(error_of(R"({"type":"a","error":{"code":"x"}})"), "only an answer has one"));
}

TEST_CASE("cli output: request lines carry the tool's number", "[cli]") {
    using ipcxx_cli::request_line;
    CHECK(request_line(1, "add", ipcxx::Payload::from_json("[1,2]")) == R"({"request":1,"type":"add","data":[1,2]})");
    CHECK(request_line(12, "q\"", ipcxx::Payload()) == R"({"request":12,"type":"q\"","data":{}})");
}
