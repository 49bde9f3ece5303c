// JSON lines: reassembly at every read boundary, the line length limit, bad lines, the end of the
// stream, and the writer's single lines.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "codec/json_lines.hpp"
#include "codec/json_wire.hpp"
#include "ipcxx/error.hpp"

using ipcxx::errc;
using ipcxx::detail::JsonLineReader;

namespace json_lines_test {

// What a reader made of a stream: "v:<JSON.stringify of the value>" or "e:<error message>", and
// the error at the end of the stream last ("end:<message>" or "end").
std::vector<std::string> read_in_chunks(const std::string& stream, const std::vector<std::size_t>& cuts,
                                        std::size_t max_line = 0) {
    JsonLineReader reader(max_line);
    std::vector<std::string> seen;
    std::size_t pos = 0;
    std::vector<std::size_t> ends = cuts;
    ends.push_back(stream.size());
    for (std::size_t end : ends) {
        const std::size_t n = end - pos;
        const auto span = reader.prepare(std::max<std::size_t>(n, 1));
        REQUIRE(span.size >= n);
        std::memcpy(span.data, stream.data() + pos, n);
        reader.commit(n);
        pos = end;
        for (;;) {
            std::string_view value;
            std::error_code ec;
            if (reader.next(value, ec)) {
                std::string json;
                REQUIRE_FALSE(ipcxx::detail::append_json_value(value, json));
                seen.push_back("v:" + json);
            } else if (ec) {
                seen.push_back("e:" + ec.message());
            } else {
                break;
            }
        }
    }
    const std::error_code end = reader.finish();
    seen.push_back(end ? "end:" + end.message() : "end");
    return seen;
}

std::vector<std::string> read_whole(const std::string& stream, std::size_t max_line = 0) {
    return read_in_chunks(stream, {}, max_line);
}

// Every split into two reads, and one byte per read, give what one read gives.
void check_every_split(const std::string& stream, std::size_t max_line = 0) {
    const auto whole = read_whole(stream, max_line);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        INFO("cut at " << cut);
        CHECK(read_in_chunks(stream, {cut}, max_line) == whole);
    }
    std::vector<std::size_t> bytes;
    for (std::size_t i = 1; i < stream.size(); ++i) bytes.push_back(i);
    CHECK(read_in_chunks(stream, bytes, max_line) == whole);
}

std::string msgpack_of(const std::string& json) {
    std::string packed;
    REQUIRE_FALSE(ipcxx::detail::json_to_msgpack(json, packed));
    return packed;
}

std::string message(errc e) { return make_error_code(e).message(); }


TEST_CASE("json lines: values of every kind, as Node writes them", "[json_lines]") {
    // Bytes a Node child sent with process.send (captured), plus \r\n and padding.
    const std::string stream = "\"hello\"\n42\n{\"a\":1,\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\","
                               "\"n\":null,\"arr\":[1,2.5,true]}\n{\"cmd\":\"NODE_custom\",\"x\":1}\n[1,2,3]\ntrue\n"
                               "  7  \r\nfalse\r\n-0.5e3\n\"\\ud800\\n\"\n";
    const std::vector<std::string> expected = {
        "v:\"hello\"", "v:42",
        "v:{\"a\":1,\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\",\"n\":null,\"arr\":[1,2.5,true]}",
        "v:{\"cmd\":\"NODE_custom\",\"x\":1}", "v:[1,2,3]", "v:true", "v:7", "v:false", "v:-500",
        "v:\"\\ud800\\n\"", "end"};
    CHECK(read_whole(stream) == expected);
    check_every_split(stream);
}

TEST_CASE("json lines: empty, whitespace-only and invalid lines are reported and skipped", "[json_lines]") {
    const std::string stream = "1\n\n2\n \t\r\n{bad}\n\"\xff\"\n3\n";
    const auto seen = read_whole(stream);
    CHECK(seen == std::vector<std::string>{"v:1", "e:" + message(errc::invalid_json), "v:2",
                                           "e:" + message(errc::invalid_json), "e:" + message(errc::invalid_json),
                                           "e:" + message(errc::invalid_utf8), "v:3", "end"});
    check_every_split(stream);

    JsonLineReader reader(0);
    const std::string bad = "1\n{bad}\n";
    auto span = reader.prepare(bad.size());
    std::memcpy(span.data, bad.data(), bad.size());
    reader.commit(bad.size());
    std::string_view value;
    std::error_code ec;
    REQUIRE(reader.next(value, ec));
    REQUIRE_FALSE(reader.next(value, ec));
    CHECK(ec == errc::invalid_json);
    CHECK(reader.error_detail() == "line 2: invalid JSON at offset 1: Missing a name for object member.");
}

TEST_CASE("json lines: two values on one line are one invalid line", "[json_lines]") {
    CHECK(read_whole("1 2\n[]{}\n") ==
          std::vector<std::string>{"e:" + message(errc::invalid_json), "e:" + message(errc::invalid_json), "end"});
}

TEST_CASE("json lines: a line over the limit is reported once and not buffered", "[json_lines]") {
    const std::string stream = "[1,2]\n\"" + std::string(40, 'x') + "\"\n[3]\n";
    const auto seen = read_whole(stream, 10);
    CHECK(seen == std::vector<std::string>{"v:[1,2]", "e:" + message(errc::frame_too_large), "v:[3]", "end"});
    check_every_split(stream, 10);

    // A line exactly at the limit passes.
    CHECK(read_whole("\"12345678\"\n", 10) == std::vector<std::string>{"v:\"12345678\"", "end"});

    // Fed in small reads, the reader holds at most the limit plus one read.
    JsonLineReader reader(10);
    std::size_t errors = 0;
    for (int i = 0; i < 1000; ++i) {
        const auto span = reader.prepare(8);
        std::memset(span.data, 'x', 8);
        reader.commit(8);
        std::string_view value;
        std::error_code ec;
        while (reader.next(value, ec)) {}
        errors += ec ? 1 : 0;
        REQUIRE(reader.partial_size() <= 10 + 8);
    }
    CHECK(errors == 1);
    CHECK_FALSE(reader.finish());  // already reported
}

TEST_CASE("json lines: a partial line at the end of the stream", "[json_lines]") {
    CHECK(read_whole("1\n{\"a\":") == std::vector<std::string>{"v:1", "end:" + message(errc::partial_message)});
    check_every_split("1\n{\"a\":");
    CHECK(read_whole("1\n") == std::vector<std::string>{"v:1", "end"});
    CHECK(read_whole("") == std::vector<std::string>{"end"});

    JsonLineReader reader(0);
    const auto span = reader.prepare(3);
    std::memcpy(span.data, "[1,", 3);
    reader.commit(3);
    std::string_view value;
    std::error_code ec;
    CHECK_FALSE(reader.next(value, ec));
    CHECK_FALSE(ec);
    CHECK(reader.finish() == errc::partial_message);
    CHECK(reader.error_detail() == "the stream ended inside line 1 (3 bytes without a newline, dropped)");
}

TEST_CASE("json lines: the writer gives exactly one valid line per value", "[json_lines]") {
    using ipcxx::detail::append_json_line;
    std::string out = "kept";
    REQUIRE_FALSE(append_json_line(msgpack_of("{\"s\":\"a\\nb\\u2028\",\"n\":[1e21,-0,null]}"), out));
    CHECK(out == "kept{\"s\":\"a\\nb\xe2\x80\xa8\",\"n\":[1e+21,0,null]}\n");

    std::string detail;
    CHECK(append_json_line("", out, &detail) == errc::invalid_argument);
    CHECK(append_json_line("\xd4\x01\x02", out, &detail) == errc::unsupported_value);  // fixext1
    CHECK(append_json_line("\x92\x01", out, &detail) == errc::invalid_argument);      // truncated array
    CHECK(append_json_line("\x01\x02", out, &detail) == errc::invalid_argument);      // two values
    CHECK(append_json_line("\xa1\xff", out, &detail) == errc::invalid_utf8);
    CHECK(out == "kept{\"s\":\"a\\nb\xe2\x80\xa8\",\"n\":[1e+21,0,null]}\n");

    // What the writer writes, the reader reads back as the same value.
    std::string lines;
    for (const char* json : {"\"x\"", "0", "{}", "[[]]", "{\"k\":[true,false,null,1.5]}"}) {
        REQUIRE_FALSE(append_json_line(msgpack_of(json), lines));
    }
    CHECK(read_whole(lines) ==
          std::vector<std::string>{"v:\"x\"", "v:0", "v:{}", "v:[[]]", "v:{\"k\":[true,false,null,1.5]}", "end"});
}

}  // namespace json_lines_test
