// Advanced serialization: the golden messages captured from Node 20 both ways, round trips, every
// error of the decoder and the encoder, the limits, and the framing split at every byte.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "codec/v8_wire.hpp"
#include "ipcxx/error.hpp"
#include "support/msgpack_equal.hpp"
#include "support/vector_file.hpp"

namespace v8_codec_tests {

using ipcxx::errc;
using ipcxx::detail::append_v8_frame;
using ipcxx::detail::msgpack_to_v8;
using ipcxx::detail::V8DecodeLimits;
using ipcxx::detail::V8FrameReader;
using ipcxx::detail::v8_to_msgpack;

errc errc_named(const std::string& name) {
    static const std::map<std::string, errc> names = {
        {"v8_malformed", errc::v8_malformed},
        {"v8_unsupported", errc::v8_unsupported},
        {"invalid_utf8", errc::invalid_utf8},
        {"frame_too_large", errc::frame_too_large},
    };
    REQUIRE(names.count(name) == 1);
    return names.at(name);
}

bool same_msgpack(const std::string& a, const std::string& b) {
    const msgpack::object_handle ha = msgpack::unpack(a.data(), a.size());
    const msgpack::object_handle hb = msgpack::unpack(b.data(), b.size());
    return test::same_value(ha.get(), hb.get(), false);
}

std::string hex(std::string_view bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (unsigned char c : bytes) {
        s += digits[c >> 4];
        s += digits[c & 0x0F];
    }
    return s;
}

// The body of a whole frame (length prefix checked against its size).
std::string body_of(const std::string& frame) {
    REQUIRE(frame.size() >= 4);
    const auto* p = reinterpret_cast<const unsigned char*>(frame.data());
    const std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
    REQUIRE(length == frame.size() - 4);
    return frame.substr(4);
}

struct Decoded {
    std::error_code ec;
    std::string msgpack;
    std::string detail;
};

Decoded decode(std::string_view v8, const V8DecodeLimits& limits = {}) {
    Decoded d;
    d.msgpack = "prefix";  // what was there before stays
    d.ec = v8_to_msgpack(v8, d.msgpack, &d.detail, limits);
    REQUIRE(d.msgpack.compare(0, 6, "prefix") == 0);
    d.msgpack.erase(0, 6);
    if (d.ec) CHECK(d.msgpack.empty());
    return d;
}

Decoded encode(std::string_view msgpack_value) {
    Decoded d;
    d.msgpack = "prefix";
    d.ec = msgpack_to_v8(msgpack_value, d.msgpack, &d.detail);
    REQUIRE(d.msgpack.compare(0, 6, "prefix") == 0);
    d.msgpack.erase(0, 6);
    if (d.ec) CHECK(d.msgpack.empty());
    return d;
}

template <class T>
std::string pack(const T& value) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, value);
    return std::string(buffer.data(), buffer.size());
}

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace v8_codec_tests

using namespace v8_codec_tests;

TEST_CASE("advanced serialization golden messages, both ways", "[v8][golden]") {
    const auto vectors = test::load_vector_file(IPCXX_PROTOCOL_DIR "/vectors/v8/messages.txt");
    REQUIRE(vectors.size() >= 140);
    std::map<std::string, int> checks;
    for (const auto& v : vectors) {
        INFO("vector " << v.at("name"));
        const std::string frame = test::from_hex(v.at("frame"));
        const std::string body = body_of(frame);
        const std::string& check = v.at("check");
        ++checks[check.substr(0, check.find(' '))];
        if (check.rfind("error ", 0) == 0) {
            const Decoded d = decode(body);
            CHECK(d.ec == errc_named(check.substr(6)));
            CHECK(d.detail.find(" at offset ") != std::string::npos);
            continue;
        }
        const std::string value = test::from_hex(v.at("value"));
        if (check == "both" || check == "decode") {
            const Decoded d = decode(body);
            REQUIRE_FALSE(d.ec);
            INFO("decoded " << hex(d.msgpack));
            CHECK(same_msgpack(d.msgpack, value));
        }
        if (check == "both" || check == "encode") {
            const Decoded e = encode(value);
            REQUIRE_FALSE(e.ec);
            CHECK(hex(e.msgpack) == hex(body));
            std::string framed;
            REQUIRE_FALSE(append_v8_frame(value, 0, framed));
            CHECK(framed == frame);
        }
    }
    CHECK(checks["both"] >= 50);
    CHECK(checks["decode"] >= 20);
    CHECK(checks["encode"] >= 10);
    CHECK(checks["error"] >= 40);
}

TEST_CASE("msgpack values survive msgpack -> V8 -> msgpack", "[v8]") {
    const std::vector<std::string> values = {
        pack(0), pack(-1), pack(127), pack(-33), pack(255), pack(65536), pack(2147483647), pack(-2147483648LL),
        pack(2147483648LL), pack(-2147483649LL), pack(9007199254740992ULL), pack(-9007199254740992LL),
        pack(9007199254740993ULL), pack(18446744073709551615ULL), pack(-9223372036854775807LL - 1),
        pack(0.25), pack(-1e-300), pack(std::string("")), pack(std::string("plain")), pack(std::string(300, 'x')),
        pack(std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")), pack(std::string("\xed\xa0\x80")),
        pack(std::vector<int>{}), pack(std::vector<std::string>{"a", "b"}),
        pack(std::map<std::string, std::vector<int>>{{"a", {1, 2}}, {"b", {}}}),
        pack(std::map<int, std::string>{{1, "one"}, {-2, "minus two"}}), pack(std::vector<char>{'\0', '\xff'}),
        pack(msgpack::type::nil_t()), pack(true), pack(false),
        test::from_hex("c70001"),                    // undefined
        test::from_hex("c70a020001" "0000000000000000"),  // 2^64 as a BigInt ext
        test::from_hex("d6039201a161"),              // Set {1, 'a'}
        test::from_hex("d6ff00000000"),              // Date(0)
        test::from_hex("c70cff3b8b87c0ffffffffffffffff"),  // Date(-1)
        test::from_hex("c70311" "010203"),           // Uint8Array
        test::from_hex("d41c01"),                    // BigUint64Array of 1 byte: refused below
    };
    for (std::size_t i = 0; i + 1 < values.size(); ++i) {
        const std::string& value = values[i];
        INFO("value " << hex(value));
        const Decoded e = encode(value);
        REQUIRE_FALSE(e.ec);
        const Decoded d = decode(e.msgpack);
        REQUIRE_FALSE(d.ec);
        // Integers pass through Number or BigInt and come back as the same integer.
        CHECK(same_msgpack(d.msgpack, value));
    }
    CHECK(encode(values.back()).ec == errc::invalid_argument);
}

TEST_CASE("the decoder names what it refuses and where", "[v8][errors]") {
    Decoded d = decode(test::from_hex("ff0f6f220172520178017b01"));  // {r: /x/}
    CHECK(d.ec == errc::v8_unsupported);
    CHECK(d.detail == "unsupported V8 type a RegExp (tag 0x52 'R') at offset 6");

    d = decode(test::from_hex("ff0f41029901"));
    CHECK(d.ec == errc::v8_malformed);
    CHECK(d.detail == "unknown V8 tag 0x99 at offset 4");

    d = decode(test::from_hex("ff0f220568"));
    CHECK(d.ec == errc::v8_malformed);
    CHECK(d.detail == "truncated: 5 bytes needed, 1 left at offset 4");

    d = decode(test::from_hex("ff0c"));
    CHECK(d.ec == errc::v8_unsupported);
    CHECK(d.detail.find("version 12") != std::string::npos);

    d = decode(test::from_hex("ff0f6f220161490222016149047b02"));
    CHECK(d.ec == errc::v8_malformed);
    CHECK(d.detail == "an object with the key \"a\" twice at offset 2");
}

TEST_CASE("depth and output limits bound what a message can cost", "[v8][limits]") {
    // 512 nested arrays are read; 513 are not, and nothing recurses past the limit.
    const auto nested = [](std::size_t levels) {
        return "\xff\x0f" + repeat("A\x01", levels) + "0" + repeat(std::string("$\x00\x01", 3), levels);
    };
    CHECK_FALSE(decode(nested(512)).ec);
    const Decoded deep = decode(nested(513));
    CHECK(deep.ec == errc::v8_unsupported);
    CHECK(deep.detail.find("nested deeper than 512") != std::string::npos);
    V8DecodeLimits shallow;
    shallow.max_depth = 3;
    CHECK_FALSE(decode(nested(3), shallow).ec);
    CHECK(decode(nested(4), shallow).ec == errc::v8_unsupported);

    // Each level holds the one inside it twice, the second time by reference: 2^40 copies from a
    // few hundred bytes.
    std::string doubling = "\xff\x0f" + repeat("A\x02", 40) + "\"\x04xxxx\"\x04xxxx" + std::string("$\x00\x02", 3);
    for (std::uint32_t level = 39; level-- > 0;) {
        doubling += "^";
        doubling += static_cast<char>(level + 1);
        doubling += std::string("$\x00\x02", 3);
    }
    const Decoded bomb = decode(doubling);
    CHECK(bomb.ec == errc::frame_too_large);
    CHECK(bomb.detail.find("back-references") != std::string::npos);

    // A few levels of it fit, and are real copies.
    std::string small = "\xff\x0f" + repeat("A\x02", 2) + "\"\x01x\"\x01x" + std::string("$\x00\x02", 3);
    small += std::string("^\x01$\x00\x02", 5);
    const Decoded copies = decode(small);
    REQUIRE_FALSE(copies.ec);
    CHECK(hex(copies.msgpack) == "92" "92a178a178" "92a178a178");
    V8DecodeLimits tight;
    tight.max_output = 10;
    CHECK(decode(small, tight).ec == errc::frame_too_large);

    // A sparse array's holes are counted before they are written.
    const Decoded sparse = decode(test::from_hex("ff0f61feffffff0f4000feffffff0f"));
    CHECK(sparse.ec == errc::frame_too_large);
}

TEST_CASE("back-references reach objects inside dropped properties and Sets", "[v8]") {
    // [[1] with .x = {k: 1}, <the {k: 1}>]: the object lives in a property that msgpack drops.
    Decoded d = decode(test::from_hex("ff0f" "4102" "4101" "4902" "220178" "6f22016b49027b01" "240101"
                                      "5e02" "240002"));
    REQUIRE_FALSE(d.ec);
    CHECK(same_msgpack(d.msgpack, test::from_hex("929101" "81a16b01")));

    // [Set {{a: 1}}, <the {a: 1}>]: the Set's headers shrink after its members are read.
    d = decode(test::from_hex("ff0f" "4102" "27" "6f22016149027b01" "2c01" "5e02" "240002"));
    REQUIRE_FALSE(d.ec);
    CHECK(hex(d.msgpack) == "92" "c7090391df00000001a16101" "df00000001a16101");

    // [Set {1}, <the Set>]
    d = decode(test::from_hex("ff0f" "4102" "2749022c01" "5e01" "240002"));
    REQUIRE_FALSE(d.ec);
    CHECK(hex(d.msgpack) == "92d5039101d5039101");
}

TEST_CASE("the encoder refuses what a Node peer could not read", "[v8][errors]") {
    const std::map<std::string, errc> refused = {
        {"", errc::invalid_argument},                   // nothing
        {"c1", errc::invalid_argument},                 // never used
        {"92 01", errc::invalid_argument},              // truncated array
        {"01 02", errc::invalid_argument},              // two values
        {"a2 c328", errc::invalid_utf8},                // invalid UTF-8
        {"c70005", errc::unsupported_value},            // an ext type of no one
        {"c7010100", errc::invalid_argument},           // undefined with data
        {"c70002", errc::invalid_argument},             // BigInt without its sign
        {"c7020205 01", errc::invalid_argument},        // BigInt sign byte 5
        {"82 a161 01 a161 02", errc::invalid_argument},  // {a: 1, a: 2}
        {"c70313 010203", errc::invalid_argument},      // Int16Array of 3 bytes
        {"d40301", errc::invalid_argument},             // Set of a non-array
        {"d5039001", errc::invalid_argument},           // Set with a byte after its array
        {"d40391", errc::invalid_argument},             // Set whose array is cut short
        {"c703ff000000", errc::invalid_argument},       // timestamp of 3 bytes
        {"d7ff" "ffffffff00000000", errc::invalid_argument},  // 1e9 ns or more
        {"c70cff00000000" "7fffffffffffffff", errc::unsupported_value},  // past a Date's range
    };
    for (const auto& [hex_text, want] : refused) {
        std::string compact;
        for (char c : hex_text) {
            if (c != ' ') compact += c;
        }
        INFO("msgpack " << compact);
        const Decoded e = encode(test::from_hex(compact));
        CHECK(e.ec == want);
        CHECK(e.detail.find("at msgpack offset") != std::string::npos);
    }
    std::string deep = repeat("\x91", 513) + "\xc0";
    CHECK(encode(deep).ec == errc::unsupported_value);
    CHECK_FALSE(encode(repeat("\x91", 512) + "\xc0").ec);

    std::string framed = "kept";
    std::string detail;
    CHECK(append_v8_frame(pack(std::string(100, 'x')), 50, framed, &detail) == errc::frame_too_large);
    CHECK(framed == "kept");
    CHECK(detail.find("limit of 50") != std::string::npos);
    CHECK_FALSE(append_v8_frame(pack(std::string(100, 'x')), 104, framed));
}

TEST_CASE("a map turns into a Map at its first key that is not a string, without writing twice", "[v8]") {
    // 64 levels of {"a": <the next level>, 1: true}: found by the fuzzer taking 2^depth steps.
    std::string value;
    for (int i = 0; i < 64; ++i) value += test::from_hex("82a161");
    value += "\xc0";
    for (int i = 0; i < 64; ++i) value += test::from_hex("01c3");
    const Decoded e = encode(value);
    REQUIRE_FALSE(e.ec);
    CHECK(hex(e.msgpack.substr(0, 8)) == "ff0f3b2201613b22");
    const Decoded d = decode(e.msgpack);
    REQUIRE_FALSE(d.ec);
    CHECK(same_msgpack(d.msgpack, value));
}

namespace v8_codec_tests {

// Everything a reader gives for a stream: values (hex) and errors, in order.
std::vector<std::string> read_all(V8FrameReader& reader) {
    std::vector<std::string> got;
    for (;;) {
        std::string_view value;
        std::error_code ec;
        if (reader.next(value, ec)) {
            got.push_back(hex(value));
        } else if (ec) {
            got.push_back(ec.message());
        } else {
            return got;
        }
    }
}

}  // namespace v8_codec_tests

TEST_CASE("the frame reader splits a stream at any boundary", "[v8][frames]") {
    const std::vector<std::string> values = {pack(1), pack(std::string(300, 'y')), pack(std::vector<int>{1, 2, 3}),
                                             pack(std::map<std::string, bool>{{"ok", true}})};
    std::string stream;
    for (const auto& value : values) REQUIRE_FALSE(append_v8_frame(value, 0, stream));
    std::vector<std::string> want;
    for (const auto& value : values) {
        std::string v8;
        REQUIRE_FALSE(msgpack_to_v8(value, v8));
        want.push_back(hex(decode(v8).msgpack));
    }
    for (std::size_t split = 0; split <= stream.size(); ++split) {
        for (std::size_t step : {std::size_t{1}, std::size_t{3}, stream.size()}) {
            INFO("first read " << split << " bytes, then " << step);
            V8FrameReader reader(1024);
            reader.feed(std::string_view(stream).substr(0, split));
            std::vector<std::string> got = read_all(reader);
            for (std::size_t at = split; at < stream.size(); at += step) {
                // Through prepare/commit, as a socket read does.
                const std::string_view chunk = std::string_view(stream).substr(at, step);
                const V8FrameReader::Span span = reader.prepare(chunk.size());
                REQUIRE(span.size >= chunk.size());
                std::memcpy(span.data, chunk.data(), chunk.size());
                reader.commit(chunk.size());
                for (auto& value : read_all(reader)) got.push_back(std::move(value));
            }
            CHECK(got == want);
            CHECK(reader.messages_read() == values.size());
            CHECK_FALSE(reader.finish());
        }
    }
}

TEST_CASE("the frame reader's limit, bad messages and a stream cut short", "[v8][frames]") {
    std::string frame;
    REQUIRE_FALSE(append_v8_frame(pack(std::string(100, 'z')), 0, frame));  // 104 bytes of V8
    std::string small;
    REQUIRE_FALSE(append_v8_frame(pack(7), 0, small));

    V8FrameReader exact(104);
    exact.feed(frame);
    CHECK(read_all(exact).size() == 1);

    // Refused on its length field alone; its bytes are dropped as they come, and the next message
    // is read.
    V8FrameReader limited(103);
    limited.feed(small + frame.substr(0, 4));
    std::vector<std::string> got = read_all(limited);
    CHECK(got == std::vector<std::string>{"07", std::error_code(errc::frame_too_large).message()});
    CHECK(limited.error_detail() == "message 2 of 104 bytes, over max_message_size 103");
    for (std::size_t at = 4; at < frame.size(); at += 10) {
        limited.feed(frame.substr(at, 10));
        CHECK(limited.partial_size() == 0);
        CHECK(read_all(limited).empty());
    }
    CHECK_FALSE(limited.finish());
    limited.feed(frame.substr(0, 50));
    CHECK(read_all(limited).size() == 1);  // the next too-long one, refused again
    CHECK_FALSE(limited.finish());         // inside an over-long message: already reported
    limited.feed(frame.substr(50) + small);
    CHECK(read_all(limited) == std::vector<std::string>{"07"});
    CHECK(limited.messages_read() == 4);

    // A message that does not decode is reported, named, and the next one is read.
    V8FrameReader reader(0);
    reader.feed(test::from_hex("00000003ff0f99") + small);
    got = read_all(reader);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == std::error_code(errc::v8_malformed).message());
    CHECK(got[1] == "07");
    reader.feed(std::string(4, '\0'));
    CHECK(read_all(reader).size() == 1);
    CHECK(reader.error_detail() == "message 3: empty message at offset 0");

    for (std::size_t cut : {std::size_t{1}, std::size_t{3}, std::size_t{4}, std::size_t{50}, frame.size() - 1}) {
        INFO("cut after " << cut << " bytes");
        V8FrameReader cut_short(0);
        cut_short.feed(frame + frame.substr(0, cut));
        CHECK(read_all(cut_short).size() == 1);
        CHECK(cut_short.finish() == errc::partial_message);
        CHECK(cut_short.error_detail() == "the stream ended " + std::to_string(cut) + " bytes into message 2");
        CHECK(cut_short.partial_size() == 0);
    }
}
