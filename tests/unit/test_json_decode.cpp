// JSON wire decoder: envelope rules, every class of bad input, and the lone-surrogate path.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include <msgpack.hpp>

#include "codec/json_wire.hpp"
#include "ipcxx/error.hpp"

using ipcxx::errc;
using ipcxx::detail::DecodedFrame;
using ipcxx::detail::JsonFrameDecoder;

namespace {

struct Decoded {
    std::error_code ec;
    std::string type;
    bool has_data = false;
    msgpack::object_handle data;
    std::string detail;
};

Decoded decode(JsonFrameDecoder& decoder, std::string_view text) {
    Decoded d;
    DecodedFrame f;
    d.ec = decoder.decode(text, f);
    d.detail = decoder.error_detail();
    if (!d.ec) {
        d.type = std::string(f.type);
        d.has_data = !f.data.empty();
        if (d.has_data) d.data = msgpack::unpack(f.data.data(), f.data.size());
    }
    return d;
}

Decoded decode(std::string_view text) {
    JsonFrameDecoder decoder;
    return decode(decoder, text);
}

template <class T>
T data_as(const Decoded& d) {
    REQUIRE_FALSE(d.ec);
    REQUIRE(d.has_data);
    return d.data.get().as<T>();
}

}  // namespace

TEST_CASE("envelope: whitespace, key order, extra keys, missing data", "[json][decode]") {
    Decoded d = decode(" {\"data\":7 , \"extra\":1,\"type\":\"w\"}\n");
    REQUIRE_FALSE(d.ec);
    CHECK(d.type == "w");
    CHECK(data_as<int>(d) == 7);

    d = decode("{\"type\":\"no-data\"}");
    REQUIRE_FALSE(d.ec);
    CHECK(d.type == "no-data");
    CHECK_FALSE(d.has_data);

    d = decode("{\"extra\":{\"deep\":[1,2,{\"type\":\"inner\",\"data\":0}]},\"type\":\"outer\",\"z\":null}");
    REQUIRE_FALSE(d.ec);
    CHECK(d.type == "outer");
    CHECK_FALSE(d.has_data);

    // The last of repeated keys wins, for both members.
    d = decode("{\"type\":\"a\",\"data\":[1],\"type\":\"b\",\"data\":\"two\"}");
    CHECK(d.type == "b");
    CHECK(data_as<std::string>(d) == "two");
    d = decode("{\"type\":5,\"type\":\"ok\"}");
    REQUIRE_FALSE(d.ec);
    CHECK(d.type == "ok");
}

TEST_CASE("values become msgpack", "[json][decode]") {
    Decoded d = decode("{\"type\":\"t\",\"data\":{\"s\":\"x\",\"a\":[true,false,null],\"o\":{},\"e\":[]}}");
    const auto m = data_as<std::map<std::string, msgpack::object>>(d);
    CHECK(m.at("s").as<std::string>() == "x");
    CHECK(m.at("a").via.array.size == 3);
    CHECK(m.at("a").via.array.ptr[0].as<bool>());
    CHECK(m.at("a").via.array.ptr[2].is_nil());
    CHECK(m.at("o").type == msgpack::type::MAP);
    CHECK(m.at("o").via.map.size == 0);
    CHECK(m.at("e").type == msgpack::type::ARRAY);

    // Integral numbers within 2^53 are ints whatever their spelling; others stay float64.
    d = decode("{\"type\":\"n\",\"data\":[1,-1,1.0,-0.0,1e2,-2E1,9007199254740992,-9007199254740992,1.5,"
               "9007199254740994.0,18446744073709551615,-9223372036854775808,4294967296,1e-7]}");
    const msgpack::object o = d.data.get();
    REQUIRE(o.type == msgpack::type::ARRAY);
    const msgpack::object* v = o.via.array.ptr;
    CHECK(v[0].type == msgpack::type::POSITIVE_INTEGER);
    CHECK(v[1].type == msgpack::type::NEGATIVE_INTEGER);
    CHECK(v[2].type == msgpack::type::POSITIVE_INTEGER);
    CHECK(v[3].type == msgpack::type::POSITIVE_INTEGER);
    CHECK(v[3].as<int>() == 0);
    CHECK(v[4].as<int>() == 100);
    CHECK(v[5].as<int>() == -20);
    CHECK(v[6].as<std::uint64_t>() == 9007199254740992ULL);
    CHECK(v[7].as<std::int64_t>() == -9007199254740992LL);
    CHECK(v[8].type == msgpack::type::FLOAT64);
    CHECK(v[9].type == msgpack::type::FLOAT64);
    CHECK(v[10].as<std::uint64_t>() == 18446744073709551615ULL);
    CHECK(v[11].as<std::int64_t>() == INT64_MIN);
    CHECK(v[12].as<std::uint64_t>() == 4294967296ULL);
    CHECK(v[13].as<double>() == 1e-7);
    // Full precision: the closest double, not an approximation.
    d = decode("{\"type\":\"n\",\"data\":0.30000000000000004}");
    CHECK(data_as<double>(d) == 0.1 + 0.2);
}

TEST_CASE("strings and escapes", "[json][decode]") {
    Decoded d = decode("{\"type\":\"\\u00e9\\ud83c\\udf0d\",\"data\":\"a\\fb\\nc\\u0000d\\\"e\\\\\\/\"}");
    REQUIRE_FALSE(d.ec);
    CHECK(d.type == "\xc3\xa9\xf0\x9f\x8c\x8d");
    CHECK(data_as<std::string>(d) == std::string("a\fb\nc\0d\"e\\/", 11));

    // Event names of every msgpack str header size.
    for (std::size_t len : {1u, 31u, 32u, 255u, 256u, 65535u, 65536u}) {
        const std::string name(len, 'n');
        d = decode("{\"type\":\"" + name + "\"}");
        REQUIRE_FALSE(d.ec);
        CHECK(d.type == name);
    }

    // A 1 MiB string.
    const std::string big(1 << 20, 'b');
    d = decode("{\"type\":\"big\",\"data\":\"" + big + "\"}");
    const std::string got = data_as<std::string>(d);
    CHECK(got.size() == big.size());
    CHECK((got == big));  // parenthesized: Catch would print 1 MiB on failure
}

TEST_CASE("lone surrogate escapes decode to their 3-byte form", "[json][decode]") {
    const std::pair<const char*, std::string> cases[] = {
        {"\"\\ud800\"", "\xed\xa0\x80"},
        {"\"\\uDBFF\"", "\xed\xaf\xbf"},
        {"\"\\udc00\"", "\xed\xb0\x80"},
        {"\"x\\ud800y\"", "x\xed\xa0\x80y"},
        {"\"\\ud800\\ud800\"", "\xed\xa0\x80\xed\xa0\x80"},
        {"\"\\ud800\\u0041\"", "\xed\xa0\x80" "A"},
        {"\"\\ud800\\ud83c\\udf0d\"", "\xed\xa0\x80\xf0\x9f\x8c\x8d"},
        {"\"\\udc00\\ud800\"", "\xed\xb0\x80\xed\xa0\x80"},
        {"\"\\\\ud800\"", "\\ud800"},  // an escaped backslash, not an escape
        {"\"\\\"\\ud800\"", "\"\xed\xa0\x80"},
    };
    for (const auto& [json, expected] : cases) {
        INFO("data " << json);
        const Decoded d = decode(std::string("{\"type\":\"t\",\"data\":") + json + "}");
        INFO(d.detail);
        CHECK(data_as<std::string>(d) == expected);
    }
    // In the event name and in keys too.
    Decoded d = decode("{\"type\":\"e\\ud800\",\"data\":{\"\\udbff\":1}}");
    REQUIRE_FALSE(d.ec);
    CHECK(d.type == "e\xed\xa0\x80");
    CHECK(data_as<std::map<std::string, int>>(d).count("\xed\xaf\xbf") == 1);

    // Bad JSON after a rewritten escape: the offset is the one in the frame as received.
    d = decode("{\"type\":\"\\ud800\",\"data\":x}");
    CHECK(d.ec == errc::invalid_json);
    CHECK(d.detail.find("offset 24") != std::string::npos);
    d = decode("{\"type\":\"t\",\"data\":\"\\ud800\\u12\"}");
    CHECK(d.ec == errc::invalid_json);
}

TEST_CASE("every class of bad input has its error", "[json][decode]") {
    const std::pair<std::string, errc> cases[] = {
        {"", errc::empty_frame},
        {" \t\r\n", errc::empty_frame},
        {"{bad json", errc::invalid_json},
        {"{\"type\":\"x\"", errc::invalid_json},
        {"{\"type\":\"x\"}}", errc::invalid_json},
        {"{\"type\":\"x\"} {}", errc::invalid_json},
        {"{'type':'x'}", errc::invalid_json},
        {"{\"type\":\"x\",}", errc::invalid_json},
        {"{\"type\":\"x\",\"data\":[1,]}", errc::invalid_json},
        {"{\"type\":\"x\",\"data\":NaN}", errc::invalid_json},
        {"{\"type\":\"x\",\"data\":01}", errc::invalid_json},
        {"{\"type\":\"x\",\"data\":\"\\x\"}", errc::invalid_json},
        {"{\"type\":\"a\tb\"}", errc::invalid_json},
        {"\f", errc::invalid_json},
        {std::string("{\"type\":\"a\0\"}", 13), errc::invalid_json},
        {std::string("{\"type\":\"a\"}\0", 13), errc::invalid_json},
        {"{\"type\":\"\xff\"}", errc::invalid_utf8},
        {"{\"type\":\"\xc0\x80\"}", errc::invalid_utf8},
        {"{\"type\":\"\xe0\x80\x80\"}", errc::invalid_utf8},
        {"{\"type\":\"\xf0\x80\x80\x80\"}", errc::invalid_utf8},
        {"{\"type\":\"\xed\xa0\x80\"}", errc::invalid_utf8},
        {"{\"type\":\"\xed\xbf\xbf\"}", errc::invalid_utf8},
        {"{\"type\":\"\xf4\x90\x80\x80\"}", errc::invalid_utf8},
        {"{\"type\":\"\xf8\x88\x80\x80\x80\"}", errc::invalid_utf8},
        {"{\"type\":\"\x80\"}", errc::invalid_utf8},
        {"{\"type\":\"x\"}\xe2\x82", errc::invalid_utf8},
        {"123", errc::invalid_message},
        {"null", errc::invalid_message},
        {"\"s\"", errc::invalid_message},
        {"[1]", errc::invalid_message},
        {"[{\"type\":\"x\"}]", errc::invalid_message},
        {"{}", errc::invalid_event},
        {"{\"data\":1}", errc::invalid_event},
        {"{\"type\":5}", errc::invalid_event},
        {"{\"type\":\"\"}", errc::invalid_event},
        {"{\"type\":null}", errc::invalid_event},
        {"{\"type\":[\"x\"]}", errc::invalid_event},
        {"{\"type\":{\"type\":\"x\"}}", errc::invalid_event},
        {"{\"type\":\"x\",\"type\":1}", errc::invalid_event},
        {"{\"Type\":\"x\"}", errc::invalid_event},
    };
    JsonFrameDecoder decoder;
    for (const auto& [text, code] : cases) {
        INFO("frame " << text);
        const Decoded d = decode(decoder, text);
        CHECK(d.ec == code);
        CHECK_FALSE(d.detail.empty());
        CHECK(d.detail.find('\n') == std::string::npos);
    }
    CHECK(decode("[1]").detail == "received message must be a JSON object");
    CHECK(decode("{bad json").detail.rfind("invalid JSON at offset 1: ", 0) == 0);
    CHECK(decode("{\"type\":\"\xff\"}").detail == "invalid UTF-8 at byte 9");
}

TEST_CASE("nesting deeper than 512 is refused without exhausting the stack", "[json][decode]") {
    auto nested = [](std::size_t depth) {
        return "{\"type\":\"d\",\"data\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
    };
    const Decoded ok = decode(nested(512));  // the envelope is one level
    REQUIRE_FALSE(ok.ec);
    CHECK(ok.data.get().type == msgpack::type::ARRAY);
    const Decoded deep = decode(nested(513));
    CHECK(deep.ec == errc::invalid_json);
    CHECK(deep.detail.find("512") != std::string::npos);
    const Decoded very_deep = decode("{\"type\":\"d\",\"data\":" + std::string(1000000, '[') + "}");
    CHECK(very_deep.ec == errc::invalid_json);
}

TEST_CASE("the decoder is reusable after errors and keeps no stale state", "[json][decode]") {
    JsonFrameDecoder decoder;
    CHECK(decode(decoder, "{\"type\":\"a\",\"data\":[1,2,3]}").type == "a");
    CHECK(decode(decoder, "{\"type\":\"b\",\"data\":[1,").ec == errc::invalid_json);
    CHECK(decode(decoder, "{\"type\":\"\\ud800\",\"data\":").ec == errc::invalid_json);
    Decoded d = decode(decoder, "{\"type\":\"c\"}");
    REQUIRE_FALSE(d.ec);
    CHECK(d.type == "c");
    CHECK_FALSE(d.has_data);
    CHECK(decoder.error_detail().empty());
    d = decode(decoder, "{\"type\":\"\\ud800\",\"data\":1}");
    CHECK(data_as<int>(d) == 1);
    d = decode(decoder, "{\"type\":\"e\",\"data\":2}");
    CHECK(data_as<int>(d) == 2);
}

TEST_CASE("json_to_msgpack converts any JSON value", "[json][decode]") {
    using ipcxx::detail::json_to_msgpack;
    std::string out = "x";  // appended to
    REQUIRE_FALSE(json_to_msgpack(" {\"type\":\"t\",\"data\":[1,2.5,\"\\ud800\"]} ", out));
    REQUIRE(out[0] == 'x');
    const msgpack::object_handle h = msgpack::unpack(out.data() + 1, out.size() - 1);
    const auto m = h.get().as<std::map<std::string, msgpack::object>>();
    CHECK(m.at("type").as<std::string>() == "t");
    const msgpack::object& a = m.at("data");
    REQUIRE(a.via.array.size == 3);
    CHECK(a.via.array.ptr[0].as<int>() == 1);
    CHECK(a.via.array.ptr[1].as<double>() == 2.5);
    CHECK(a.via.array.ptr[2].as<std::string>() == "\xed\xa0\x80");

    for (const char* scalar : {"null", "true", "0", "-7", "\"s\"", "[]"}) {
        std::string bytes;
        INFO(scalar);
        CHECK_FALSE(json_to_msgpack(scalar, bytes));
        CHECK_FALSE(bytes.empty());
    }
    std::string bytes = "keep";
    std::string detail;
    CHECK(json_to_msgpack("", bytes, &detail) == errc::invalid_json);
    CHECK(json_to_msgpack("[1,", bytes, &detail) == errc::invalid_json);
    CHECK(detail.rfind("invalid JSON at offset 3", 0) == 0);
    CHECK(json_to_msgpack("\"\xff\"", bytes, &detail) == errc::invalid_utf8);
    CHECK(json_to_msgpack(std::string(600, '['), bytes, &detail) == errc::invalid_json);
    CHECK(bytes == "keep");
}
