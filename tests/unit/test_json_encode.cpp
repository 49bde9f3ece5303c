// JSON wire encoder: byte-identical to JSON.stringify as node-ipc 14 uses it, plus the golden vectors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "codec/json_wire.hpp"
#include "support/msgpack_equal.hpp"
#include "ipcxx/error.hpp"

using ipcxx::errc;
using ipcxx::detail::append_json_value;
using ipcxx::detail::DecodedFrame;
using ipcxx::detail::encode_json_frame;
using ipcxx::detail::JsonFrameDecoder;

namespace {

template <class T>
std::string pack(const T& v) {
    msgpack::sbuffer buf;
    msgpack::pack(buf, v);
    return std::string(buf.data(), buf.size());
}

std::string from_hex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

std::string json(const std::string& msgpack_value) {
    std::string out;
    std::string detail;
    const std::error_code ec = append_json_value(msgpack_value, out, &detail);
    INFO(detail);
    REQUIRE_FALSE(ec);
    return out;
}

std::error_code json_error(const std::string& msgpack_value) {
    std::string out = "keep";
    const std::error_code ec = append_json_value(msgpack_value, out);
    CHECK(out == "keep");  // untouched on error
    return ec;
}

// float64 even for integral values (msgpack-c's pack_double would write those as ints).
std::string f64(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    std::string out(1, '\xCB');
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (56 - 8 * i)));
    return out;
}

bool same_value(std::string_view a, std::string_view b) {
    const msgpack::object_handle ha = msgpack::unpack(a.data(), a.size());
    const msgpack::object_handle hb = msgpack::unpack(b.data(), b.size());
    return test::same_value(ha.get(), hb.get(), false);
}

// msgpack of one value written by hand, for forms msgpack-c's packer does not choose.
struct Raw {
    std::string bytes;
    Raw& u8(unsigned v) { bytes.push_back(static_cast<char>(v)); return *this; }
    Raw& str(const std::string& s) {
        u8(0xDB).u8(0).u8(0).u8(static_cast<unsigned>(s.size() >> 8)).u8(static_cast<unsigned>(s.size() & 0xFF));
        bytes += s;
        return *this;
    }
};

// The JSON.stringify escape of one ASCII character, from the ECMAScript QuoteJSONString table.
std::string expected_ascii(unsigned c) {
    switch (c) {
        case '"': return "\\\"";
        case '\\': return "\\\\";
        case 0x08: return "\\b";
        case 0x09: return "\\t";
        case 0x0A: return "\\n";
        case 0x0C: return "\\f";
        case 0x0D: return "\\r";
    }
    if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        return buf;
    }
    return std::string(1, static_cast<char>(c));
}

struct Vector {
    std::string name, frame, event, data, check;
    bool has_data = false;
};

std::vector<Vector> load_vectors() {
    std::ifstream in(IPCXX_PROTOCOL_DIR "/vectors/json-wire/frames.txt");
    REQUIRE(in);
    std::vector<Vector> vectors;
    Vector cur;
    auto flush = [&] {
        if (!cur.name.empty()) vectors.push_back(cur);
        cur = Vector{};
    };
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) {
            flush();
            continue;
        }
        if (line[0] == '#') continue;
        const auto colon = line.find(": ");
        REQUIRE(colon != std::string::npos);
        const std::string key = line.substr(0, colon), value = line.substr(colon + 2);
        if (key == "name") cur.name = value;
        else if (key == "frame") cur.frame = from_hex(value);
        else if (key == "event") cur.event = from_hex(value);
        else if (key == "data") { cur.has_data = value != "-"; cur.data = cur.has_data ? from_hex(value) : ""; }
        else if (key == "check") cur.check = value;
        else FAIL("unknown key " << key);
    }
    flush();
    return vectors;
}

errc errc_named(const std::string& name) {
    static const std::map<std::string, errc> names = {
        {"invalid_json", errc::invalid_json},     {"invalid_utf8", errc::invalid_utf8},
        {"empty_frame", errc::empty_frame},       {"invalid_message", errc::invalid_message},
        {"invalid_event", errc::invalid_event},
    };
    REQUIRE(names.count(name) == 1);
    return names.at(name);
}

}  // namespace

TEST_CASE("json wire golden vectors, both ways", "[json][golden]") {
    const std::vector<Vector> vectors = load_vectors();
    REQUIRE(vectors.size() >= 40);
    JsonFrameDecoder decoder;
    int checked = 0;
    for (const Vector& v : vectors) {
        INFO("vector " << v.name);
        REQUIRE(!v.frame.empty());
        REQUIRE(v.frame.back() == '\f');
        const std::string_view text(v.frame.data(), v.frame.size() - 1);
        if (v.check == "both" || v.check == "encode") {
            std::string out;
            std::string detail;
            const std::error_code ec = encode_json_frame(v.event, v.has_data ? v.data : "", "\f", out, &detail);
            INFO(detail);
            REQUIRE_FALSE(ec);
            CHECK(out == v.frame);
            ++checked;
        }
        if (v.check == "both" || v.check == "decode") {
            DecodedFrame f;
            const std::error_code ec = decoder.decode(text, f);
            INFO(decoder.error_detail());
            REQUIRE_FALSE(ec);
            CHECK(f.type == v.event);
            REQUIRE(f.data.empty() == !v.has_data);
            if (v.has_data) CHECK(same_value(f.data, v.data));
            ++checked;
        }
        if (v.check.rfind("error ", 0) == 0) {
            DecodedFrame f;
            CHECK(decoder.decode(text, f) == errc_named(v.check.substr(6)));
            CHECK_FALSE(decoder.error_detail().empty());
            ++checked;
        }
    }
    CHECK(checked >= static_cast<int>(vectors.size()));
}

TEST_CASE("envelope layout and delimiter", "[json][encode]") {
    std::string out = "prefix|";
    REQUIRE_FALSE(encode_json_frame("message", pack(std::string("hello")), "\f", out));
    CHECK(out == "prefix|{\"type\":\"message\",\"data\":\"hello\"}\f");

    out.clear();
    REQUIRE_FALSE(encode_json_frame("x", "", "\r\n", out));
    CHECK(out == "{\"type\":\"x\",\"data\":{}}\r\n");  // no data: node-ipc 14 sends {}

    out.clear();
    REQUIRE_FALSE(encode_json_frame("x", pack(msgpack::type::nil_t()), "<END>", out));
    CHECK(out == "{\"type\":\"x\",\"data\":null}<END>");
}

TEST_CASE("a frame whose text would contain the delimiter is refused", "[json][encode]") {
    std::string out = "kept";
    std::string detail;
    CHECK(encode_json_frame("x", pack(std::string("a<END>b")), "<END>", out, &detail) == ipcxx::errc::invalid_argument);
    CHECK(out == "kept");
    CHECK(detail.find("delimiter") != std::string::npos);
    CHECK(encode_json_frame("<END>", "", "<END>", out) == ipcxx::errc::invalid_argument);
    // JSON escapes control characters, so these delimiters never occur inside a frame.
    out.clear();
    REQUIRE_FALSE(encode_json_frame("x", pack(std::string("a\r\nb\f")), "\r\n", out));
    CHECK(out == "{\"type\":\"x\",\"data\":\"a\\r\\nb\\f\"}\r\n");
    // A multi-byte UTF-8 delimiter inside a string is caught too.
    CHECK(encode_json_frame("x", pack(std::string("\xE2\x90\x9C")), "\xE2\x90\x9C", out) ==
          ipcxx::errc::invalid_argument);
}

TEST_CASE("string escapes for every ASCII code point", "[json][encode]") {
    for (unsigned c = 0; c < 0x80; ++c) {
        INFO("code point " << c);
        const std::string s(1, static_cast<char>(c));
        CHECK(json(pack(s)) == "\"" + expected_ascii(c) + "\"");
        // Also inside a run long enough for the 8-byte fast path, at every position of a word.
        for (std::size_t pos = 0; pos < 20; ++pos) {
            std::string in(20, 'a');
            in[pos] = static_cast<char>(c);
            std::string expected = "\"" + std::string(pos, 'a') + expected_ascii(c) + std::string(19 - pos, 'a') + "\"";
            REQUIRE(json(pack(in)) == expected);
        }
    }
}

TEST_CASE("non-ASCII is written raw, lone surrogates as escapes", "[json][encode]") {
    CHECK(json(pack(std::string("\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"))) ==
          "\"\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"");
    CHECK(json(pack(std::string("\xe2\x80\xa8\xe2\x80\xa9/"))) == "\"\xe2\x80\xa8\xe2\x80\xa9/\"");
    CHECK(json(pack(std::string("\xed\xa0\x80"))) == "\"\\ud800\"");
    CHECK(json(pack(std::string("a\xed\xaf\xbf" "b\xed\xb0\x80\xed\xbf\xbf"))) == "\"a\\udbffb\\udc00\\udfff\"");
    // A high half followed by a low half is one valid pair in JS: written as the character.
    CHECK(json(pack(std::string("\xed\xa0\xbc\xed\xbc\x8d"))) == "\"\xf0\x9f\x8c\x8d\"");
    // Low then high is not a pair.
    CHECK(json(pack(std::string("\xed\xbc\x8d\xed\xa0\xbc"))) == "\"\\udf0d\\ud83c\"");
}

TEST_CASE("invalid UTF-8 in outbound strings is refused", "[json][encode]") {
    const char* bad[] = {"\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80",
                         "\xf5\x80\x80\x80", "\xff", "\xe2\x82", "\xf0\x9f\x8c", "\xc3", "abc\xc3(", "\xed\xa0"};
    for (const char* s : bad) {
        INFO("string " << s);
        CHECK(json_error(pack(std::string(s))) == errc::invalid_utf8);
        CHECK(json_error(pack(std::string(40, 'x') + s)) == errc::invalid_utf8);
        std::map<std::string, int> m{{s, 1}};
        CHECK(json_error(pack(m)) == errc::invalid_utf8);
        std::string out = "keep";
        std::string detail;
        CHECK(encode_json_frame(s, "", "\f", out, &detail) == errc::invalid_utf8);
        CHECK(out == "keep");
        CHECK(detail.find("event name") != std::string::npos);
    }
    std::string detail;
    std::string out;
    CHECK(append_json_value(pack(std::string("ok\xff")), out, &detail) == errc::invalid_utf8);
    CHECK(detail == "invalid UTF-8 in a string at msgpack offset 3");
}

TEST_CASE("numbers follow Number.prototype.toString", "[json][encode]") {
    const std::pair<double, const char*> doubles[] = {
        {0.0, "0"}, {-0.0, "0"}, {42.0, "42"}, {-1.5e-7, "-1.5e-7"}, {3.14159, "3.14159"}, {1e21, "1e+21"},
        {1e-7, "1e-7"}, {123e-20, "1.23e-18"}, {1e300, "1e+300"}, {5e-324, "5e-324"},
        {9007199254740992.0, "9007199254740992"}, {0.1 + 0.2, "0.30000000000000004"}, {1e20, "100000000000000000000"},
        {123456789012345680000.0, "123456789012345680000"}, {0.000001, "0.000001"}, {1.5e-6, "0.0000015"},
        {1.7976931348623157e308, "1.7976931348623157e+308"}, {-2.5, "-2.5"}, {100.0, "100"}, {0.5, "0.5"},
        {1.2345678901234567e-5, "0.000012345678901234568"}, {1.25e21, "1.25e+21"}, {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {std::numeric_limits<double>::quiet_NaN(), "null"}, {std::numeric_limits<double>::infinity(), "null"},
        {-std::numeric_limits<double>::infinity(), "null"},
    };
    for (const auto& [value, text] : doubles) {
        INFO("double " << text);
        CHECK(json(f64(value)) == text);
    }
    CHECK(json(pack(0.1f)) == "0.10000000149011612");  // float32 widened to double
    CHECK(json(pack(std::numeric_limits<float>::infinity())) == "null");
    CHECK(json(pack(std::numeric_limits<std::uint64_t>::max())) == "18446744073709551615");
    CHECK(json(pack(std::numeric_limits<std::int64_t>::min())) == "-9223372036854775808");
    CHECK(json(pack(std::numeric_limits<std::int64_t>::max())) == "9223372036854775807");
    // Every msgpack integer width, including non-minimal forms.
    CHECK(json(Raw().u8(0xCC).u8(0xFF).bytes) == "255");
    CHECK(json(Raw().u8(0xCD).u8(0x01).u8(0x00).bytes) == "256");
    CHECK(json(Raw().u8(0xCE).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).bytes) == "4294967295");
    CHECK(json(Raw().u8(0xD0).u8(0x05).bytes) == "5");
    CHECK(json(Raw().u8(0xD0).u8(0x80).bytes) == "-128");
    CHECK(json(Raw().u8(0xD1).u8(0x80).u8(0x00).bytes) == "-32768");
    CHECK(json(Raw().u8(0xD2).u8(0x80).u8(0).u8(0).u8(0).bytes) == "-2147483648");
    CHECK(json(Raw().u8(0xD3).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFE).bytes) == "-2");
    CHECK(json(Raw().u8(0xE0).bytes) == "-32");
    CHECK(json(Raw().u8(0x7F).bytes) == "127");
}

TEST_CASE("containers and JS property order", "[json][encode]") {
    std::vector<std::vector<int>> nested{{}, {1}, {2, 3}};
    CHECK(json(pack(nested)) == "[[],[1],[2,3]]");
    CHECK(json(pack(std::map<std::string, std::vector<std::string>>{{"a", {"x", "y"}}, {"b", {}}})) ==
          "{\"a\":[\"x\",\"y\"],\"b\":[]}");

    // Index keys first, ascending; the rest in insertion order. Int keys are decimal strings.
    Raw m;
    m.u8(0x88).str("b").u8(1).str("10").u8(2).u8(0x02).u8(3).str("4294967295").u8(4);
    m.u8(0xCE).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFE).u8(5).str("01").u8(6).u8(0xFF).u8(7).str("a").u8(8);
    CHECK(json(m.bytes) == "{\"2\":3,\"10\":2,\"4294967294\":5,\"b\":1,\"4294967295\":4,\"01\":6,\"-1\":7,\"a\":8}");

    // Reordering inside a map that is itself being reordered, with containers as values.
    Raw outer;
    outer.u8(0x83).str("z").u8(0x82).str("k").u8(0x91).u8(1).str("0").u8(0x80);
    outer.str("5").u8(0x92).u8(0x81).str("9").u8(0xC0).u8(0xC2).str("1").u8(0x90);
    CHECK(json(outer.bytes) == "{\"1\":[],\"5\":[{\"9\":null},false],\"z\":{\"0\":{},\"k\":[1]}}");

    // Already in order: unchanged. Duplicate keys are written as given.
    CHECK(json(pack(std::map<int, int>{{0, 1}, {1, 2}, {7, 3}})) == "{\"0\":1,\"1\":2,\"7\":3}");
    CHECK(json(Raw().u8(0x83).str("a").u8(1).str("3").u8(2).str("a").u8(3).bytes) == "{\"3\":2,\"a\":1,\"a\":3}");

    // Unsupported key types.
    CHECK(json_error(Raw().u8(0x81).u8(0xC0).u8(1).bytes) == errc::unsupported_value);
    CHECK(json_error(Raw().u8(0x81).u8(0xCB).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(1).bytes) ==
          errc::unsupported_value);
    CHECK(json_error(Raw().u8(0x81).u8(0x90).u8(1).bytes) == errc::unsupported_value);
    CHECK(json_error(Raw().u8(0x81).u8(0xC4).u8(0).u8(1).bytes) == errc::unsupported_value);
}

TEST_CASE("nesting limit", "[json][encode]") {
    std::string ok(511, '\x91');
    ok += '\x90';  // 512 containers
    CHECK(json(ok) == std::string(512, '[') + std::string(512, ']'));
    std::string deep(512, '\x91');
    deep += '\x80';  // 513 containers
    CHECK(json_error(deep) == errc::unsupported_value);
}

TEST_CASE("bin is sent as a Buffer, ext is refused", "[json][encode]") {
    CHECK(json(Raw().u8(0xC4).u8(4).u8(0).u8(1).u8(2).u8(0xFF).bytes) == "{\"type\":\"Buffer\",\"data\":[0,1,2,255]}");
    CHECK(json(Raw().u8(0xC4).u8(0).bytes) == "{\"type\":\"Buffer\",\"data\":[]}");
    CHECK(json(Raw().u8(0xC5).u8(0).u8(1).u8(7).bytes) == "{\"type\":\"Buffer\",\"data\":[7]}");
    CHECK(json(Raw().u8(0xC6).u8(0).u8(0).u8(0).u8(1).u8(9).bytes) == "{\"type\":\"Buffer\",\"data\":[9]}");
    for (unsigned t : {0xD4u, 0xD5u, 0xD6u, 0xD7u, 0xD8u, 0xC7u, 0xC8u, 0xC9u}) {
        INFO("ext type byte " << t);
        CHECK(json_error(Raw().u8(t).u8(1).u8(1).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0)
                             .u8(0).u8(0).u8(0).u8(0).u8(0).bytes) == errc::unsupported_value);
        CHECK(json_error(Raw().u8(0x91).u8(t).u8(1).u8(1).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0)
                             .u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).bytes) == errc::unsupported_value);
    }
    std::string out = "keep";
    std::string detail;
    CHECK(encode_json_frame("x", Raw().u8(0xD4).u8(1).u8(0).bytes, "\f", out, &detail) == errc::unsupported_value);
    CHECK(out == "keep");
    CHECK(detail.find("ext") != std::string::npos);
}

TEST_CASE("malformed msgpack is an invalid argument", "[json][encode]") {
    const std::string full = pack(std::map<std::string, std::vector<double>>{{"key", {1.5, 2.5}}});
    for (std::size_t len = 1; len < full.size(); ++len) {
        INFO("truncated to " << len);
        CHECK(json_error(full.substr(0, len)) == errc::invalid_argument);
    }
    CHECK(json_error(full + '\x01') == errc::invalid_argument);  // trailing bytes
    CHECK(json_error("\xC1") == errc::invalid_argument);
    CHECK(json_error(Raw().u8(0xDB).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).bytes) == errc::invalid_argument);
    CHECK(json_error(Raw().u8(0xDF).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).bytes) == errc::invalid_argument);
    std::string out = "keep";
    CHECK(encode_json_frame("x", full.substr(0, 3), "\f", out) == errc::invalid_argument);
    CHECK(out == "keep");
}

namespace {

// Random values of the kinds that survive decode(encode(x)) unchanged: str keys that are not
// array indices, doubles that are not integral, valid UTF-8 (lone surrogates included).
void random_value(std::mt19937_64& rng, msgpack::packer<msgpack::sbuffer>& pk, int depth) {
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
    auto random_string = [&] {
        static const char* pieces[] = {"a", "\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x80\xa8",
                                       "\xf0\x9f\x8c\x8d", "\xed\xa0\x80", "\xed\xbf\xbf", "/", " ", "\f", "z9"};
        std::string s;
        int previous = -1;
        for (int i = pick(12); i > 0; --i) {
            int piece = pick(16);
            if (previous == 10 && piece == 11) piece = 0;  // a high then a low half would form one character
            s += pieces[piece];
            previous = piece;
        }
        return s;
    };
    switch (depth > 4 ? pick(6) : pick(8)) {
        case 0: pk.pack_nil(); break;
        case 1: pk.pack(pick(2) == 0); break;
        case 2: pk.pack_int64(static_cast<std::int64_t>(rng()) >> pick(64)); break;
        case 3: pk.pack_uint64(rng() >> pick(64)); break;
        case 4: {
            double d;
            do {
                const std::uint64_t bits = rng();
                std::memcpy(&d, &bits, sizeof d);
            } while (!std::isfinite(d) || d == std::trunc(d));
            pk.pack_double(d);
            break;
        }
        case 5: { const std::string s = random_string(); pk.pack_str(static_cast<std::uint32_t>(s.size())).pack_str_body(s.data(), static_cast<std::uint32_t>(s.size())); break; }
        case 6: {
            const int n = pick(5);
            pk.pack_array(static_cast<std::uint32_t>(n));
            for (int i = 0; i < n; ++i) random_value(rng, pk, depth + 1);
            break;
        }
        default: {
            const int n = pick(5);
            pk.pack_map(static_cast<std::uint32_t>(n));
            for (int i = 0; i < n; ++i) {
                const std::string k = "k" + random_string();
                pk.pack_str(static_cast<std::uint32_t>(k.size())).pack_str_body(k.data(), static_cast<std::uint32_t>(k.size()));
                random_value(rng, pk, depth + 1);
            }
        }
    }
}

}  // namespace

TEST_CASE("decode(encode(x)) == x for random values", "[json][roundtrip]") {
    std::mt19937_64 rng(12345);
    JsonFrameDecoder decoder;
    for (int i = 0; i < 3000; ++i) {
        msgpack::sbuffer buf;
        msgpack::packer<msgpack::sbuffer> pk(buf);
        random_value(rng, pk, 0);
        const std::string value(buf.data(), buf.size());
        std::string frame;
        REQUIRE_FALSE(encode_json_frame("ev\xed\xa0\x80", value, "\f", frame));
        INFO("frame " << frame);
        DecodedFrame f;
        const std::error_code ec = decoder.decode(std::string_view(frame).substr(0, frame.size() - 1), f);
        INFO(decoder.error_detail());
        REQUIRE_FALSE(ec);
        CHECK(f.type == "ev\xed\xa0\x80");
        REQUIRE(same_value(f.data, value));
        // And the text is stable: encoding the decoded value gives the same frame.
        std::string again;
        REQUIRE_FALSE(encode_json_frame(f.type, f.data, "\f", again));
        REQUIRE(again == frame);
    }
}
