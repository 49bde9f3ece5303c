// Native wire codec: golden vectors both ways, every frame kind, limits, malformed bodies, and
// native frames mixed with JSON-wire frames on one stream.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "codec/frame_reader.hpp"
#include "codec/json_wire.hpp"
#include "codec/msgpack_raw.hpp"
#include "codec/native_wire.hpp"
#include "ipcxx/error.hpp"
#include "support/vector_file.hpp"

using ipcxx::errc;
using ipcxx::detail::append_native_frame;
using ipcxx::detail::decode_native_body;
using ipcxx::detail::decode_native_body_unchecked_data;
using ipcxx::detail::Frame;
using ipcxx::detail::FrameKind;
using ipcxx::detail::FrameReader;
using ipcxx::detail::NativeFrame;

namespace {

constexpr std::size_t default_max = 16 << 20;

template <class T>
std::string msgpack_bytes(const T& v) {
    msgpack::sbuffer buf;
    msgpack::pack(buf, v);
    return std::string(buf.data(), buf.size());
}

std::string encode(const NativeFrame& frame, std::size_t max = default_max) {
    std::string out;
    std::string detail;
    const std::error_code ec = append_native_frame(frame, max, out, &detail);
    INFO(detail);
    REQUIRE_FALSE(ec);
    return out;
}

// Runs a whole frame through the reader: its error, or the body of the one native frame.
std::error_code read_one(const std::string& bytes, std::string& body, std::size_t max = default_max) {
    FrameReader reader("\f", max);
    const auto span = reader.prepare(bytes.size());
    std::memcpy(span.data, bytes.data(), bytes.size());
    reader.commit(bytes.size());
    Frame frame;
    std::error_code ec;
    if (!reader.next_frame(frame, ec)) return ec ? ec : make_error_code(errc::invalid_message);
    REQUIRE(frame.kind == Frame::Kind::native);
    body = std::string(frame.bytes);
    CHECK(reader.partial_size() == 0);
    return {};
}

bool is_one_msgpack_value(std::string_view bytes) {
    ipcxx::detail::MsgpackCursor cursor(bytes);
    std::string_view value;
    return cursor.skip_value(value) == ipcxx::detail::MsgpackCursor::Status::ok && cursor.at_end();
}

// Every body goes through both decoders: the connection's, which leaves the data to the payload's
// parser, must agree with the full check.
NativeFrame decode_native(std::string_view body) {
    NativeFrame frame;
    std::string detail;
    const std::error_code ec = decode_native_body(body, frame, &detail);
    INFO(detail);
    REQUIRE_FALSE(ec);
    NativeFrame unchecked;
    REQUIRE_FALSE(decode_native_body_unchecked_data(body, unchecked, &detail));
    CHECK(unchecked.kind == frame.kind);
    CHECK(unchecked.id == frame.id);
    CHECK(unchecked.name == frame.name);
    CHECK(unchecked.data == frame.data);
    CHECK(unchecked.error_code == frame.error_code);
    CHECK(unchecked.error_message == frame.error_message);
    return frame;
}

std::error_code decode_error(std::string_view body, std::string* detail = nullptr) {
    NativeFrame frame;
    std::string local;
    const std::error_code ec = decode_native_body(body, frame, &local);
    if (ec) CHECK_FALSE(local.empty());  // every error says what was wrong
    if (detail) *detail = local;
    // The unchecked decoder refuses it too, or hands on data that the payload's parser refuses.
    NativeFrame unchecked;
    if (ec && !decode_native_body_unchecked_data(body, unchecked)) {
        CHECK_FALSE(unchecked.data.empty());
        CHECK_FALSE(is_one_msgpack_value(unchecked.data));
    }
    return ec;
}

const std::map<std::string, FrameKind> kinds = {
    {"event", FrameKind::event},   {"request", FrameKind::request}, {"response", FrameKind::response},
    {"error_response", FrameKind::error_response}, {"ping", FrameKind::ping}, {"pong", FrameKind::pong},
    {"cancel", FrameKind::cancel},
};

errc native_errc_named(const std::string& name) {
    static const std::map<std::string, errc> names = {
        {"invalid_message", errc::invalid_message}, {"invalid_event", errc::invalid_event},
        {"invalid_utf8", errc::invalid_utf8},       {"empty_frame", errc::empty_frame},
        {"frame_too_large", errc::frame_too_large},
    };
    REQUIRE(names.count(name) == 1);
    return names.at(name);
}

// The vector's fields as a frame; its views point into `storage`.
NativeFrame expected_frame(const test::VectorRecord& v, std::vector<std::string>& storage) {
    storage.clear();
    storage.reserve(4);
    auto field = [&](const char* key) -> std::string_view {
        const auto it = v.find(key);
        if (it == v.end() || it->second == "-") return {};
        storage.push_back(test::from_hex(it->second));
        return storage.back();
    };
    NativeFrame f;
    REQUIRE(kinds.count(v.at("kind")) == 1);
    f.kind = kinds.at(v.at("kind"));
    if (v.count("id")) f.id = std::stoull(v.at("id"));
    if (v.count("timeout")) f.timeout_ms = std::stoull(v.at("timeout"));
    f.name = field("event");
    f.data = field("data");
    f.error_code = field("code");
    f.error_message = field("message");
    return f;
}

void check_same(const NativeFrame& got, const NativeFrame& want) {
    CHECK(got.kind == want.kind);
    CHECK(got.id == want.id);
    CHECK(got.timeout_ms == want.timeout_ms);
    CHECK(got.name == want.name);
    CHECK(got.data == want.data);  // passed through byte for byte
    CHECK(got.error_code == want.error_code);
    CHECK(got.error_message == want.error_message);
}

}  // namespace

TEST_CASE("native wire golden vectors, both ways", "[native][golden]") {
    const auto vectors = test::load_vector_file(IPCXX_PROTOCOL_DIR "/vectors/native-wire/frames.txt");
    REQUIRE(vectors.size() >= 50);
    std::map<std::string, int> seen_kinds;
    for (const auto& v : vectors) {
        INFO("vector " << v.at("name"));
        const std::string bytes = test::from_hex(v.at("frame"));
        const std::string& check = v.at("check");
        std::string body;
        if (check.rfind("error ", 0) == 0) {
            const errc want = native_errc_named(check.substr(6));
            std::error_code ec = read_one(bytes, body);
            if (!ec) ec = decode_error(body);
            CHECK(ec == want);
            continue;
        }
        std::vector<std::string> storage;
        const NativeFrame want = expected_frame(v, storage);
        ++seen_kinds[v.at("kind")];
        if (check == "both") CHECK(encode(want) == bytes);
        REQUIRE_FALSE(read_one(bytes, body));
        check_same(decode_native(body), want);
    }
    CHECK(seen_kinds.size() == kinds.size());
}

TEST_CASE("every frame kind round-trips with msgpack-c values", "[native]") {
    const std::string nested = msgpack_bytes(std::map<std::string, std::vector<int>>{{"a", {1, 2}}, {"b", {}}});
    const std::string bin = msgpack_bytes(std::vector<char>{'\x0c', '\xc1', '\0', '\xff'});
    const std::string text = msgpack_bytes(std::string("caf\xc3\xa9\f"));
    for (const std::string& data : {nested, bin, text, std::string()}) {
        for (FrameKind kind : {FrameKind::event, FrameKind::request, FrameKind::response}) {
            NativeFrame f;
            f.kind = kind;
            f.id = kind == FrameKind::event ? 0 : 1234567;  // events carry no id
            f.name = kind == FrameKind::response ? "" : "ev";
            f.data = data;
            const std::string bytes = encode(f);
            CHECK(static_cast<unsigned char>(bytes[0]) == ipcxx::detail::native_magic);
            std::string body;
            REQUIRE_FALSE(read_one(bytes, body));
            const NativeFrame got = decode_native(body);
            check_same(got, f);
            if (!data.empty()) {
                // A view into the body, not a copy.
                CHECK(got.data.data() >= body.data());
                CHECK(got.data.data() + got.data.size() <= body.data() + body.size());
            }
        }
    }
    NativeFrame error;
    error.kind = FrameKind::error_response;
    error.id = 9;
    error.error_code = "handler_exception";
    error.error_message = "boom: \xe2\x9c\x93";
    std::string body;
    REQUIRE_FALSE(read_one(encode(error), body));
    check_same(decode_native(body), error);
    for (FrameKind kind : {FrameKind::ping, FrameKind::pong}) {
        NativeFrame ping;
        ping.kind = kind;
        ping.id = UINT64_MAX;
        REQUIRE_FALSE(read_one(encode(ping), body));
        check_same(decode_native(body), ping);
    }
}

TEST_CASE("the encoder refuses what it cannot send, leaving the output unchanged", "[native]") {
    const std::string data = msgpack_bytes(std::string(10, 'x'));  // 11 bytes
    NativeFrame f;
    f.name = "e";
    f.data = data;
    const std::size_t body_size = 1 + 1 + 2 + data.size();  // [0, "e", data]

    std::string out = "keep";
    CHECK_FALSE(append_native_frame(f, body_size, out));
    CHECK(out.size() == 4 + 5 + body_size);

    out = "keep";
    std::string detail;
    CHECK(append_native_frame(f, body_size - 1, out, &detail) == errc::frame_too_large);
    CHECK(out == "keep");
    CHECK(detail.find("max_message_size") != std::string::npos);
    CHECK_FALSE(append_native_frame(f, 0, out));  // 0: no limit

    auto refused = [&](NativeFrame bad, errc want) {
        std::string o = "keep";
        std::string d;
        CHECK(append_native_frame(bad, default_max, o, &d) == want);
        CHECK(o == "keep");
        CHECK_FALSE(d.empty());
    };
    NativeFrame bad = f;
    bad.name = "";
    refused(bad, errc::invalid_argument);
    bad.name = "\xc3\x28";
    refused(bad, errc::invalid_utf8);
    bad = NativeFrame{};
    bad.kind = FrameKind::error_response;
    refused(bad, errc::invalid_argument);  // no code
    bad.error_code = "x";
    bad.error_message = "\xff";
    refused(bad, errc::invalid_utf8);
    bad = f;
    bad.kind = static_cast<FrameKind>(7);  // the kind byte of a deadline, never a FrameKind
    refused(bad, errc::invalid_argument);
}

TEST_CASE("every truncation and every trailing byte of valid bodies is refused", "[native]") {
    const auto vectors = test::load_vector_file(IPCXX_PROTOCOL_DIR "/vectors/native-wire/frames.txt");
    for (const auto& v : vectors) {
        if (v.at("check").rfind("error", 0) == 0) continue;
        INFO("vector " << v.at("name"));
        const std::string body = test::from_hex(v.at("frame")).substr(ipcxx::detail::native_header_size);
        for (std::size_t n = 0; n < body.size(); ++n) {
            INFO("prefix of " << n << " bytes");
            CHECK(decode_error(body.substr(0, n)) == errc::invalid_message);
        }
        std::string detail;
        CHECK(decode_error(body + '\0', &detail) == errc::invalid_message);
        CHECK(detail.find("trailing") != std::string::npos);
    }
}

TEST_CASE("errors name what was wrong", "[native]") {
    auto detail_of = [](const std::string& hex) {
        std::string detail;
        CHECK(decode_error(test::from_hex(hex), &detail));
        return detail;
    };
    CHECK_THAT(detail_of("920800"), Catch::Contains("unknown frame kind 8"));
    CHECK_THAT(detail_of("9100"), Catch::Contains("2 or 3 elements"));
    CHECK_THAT(detail_of("93040102"), Catch::Contains("ping"));
    CHECK_THAT(detail_of("9300a161"), Catch::Contains("truncated"));
    CHECK_THAT(detail_of("9301ffa161"), Catch::Contains("request id"));
    CHECK_THAT(detail_of("9200c40161"), Catch::Contains("event name"));
    CHECK_THAT(detail_of("9300a161c1"), Catch::Contains("0xc1"));
    CHECK_THAT(detail_of("c0"), Catch::Contains("not a msgpack array"));
}

TEST_CASE("deeply nested data is skipped without recursion", "[native]") {
    std::string body = test::from_hex("9300a161");
    body.append(200000, '\x91');
    body.push_back('\xc0');
    const NativeFrame f = decode_native(body);
    CHECK(f.data.size() == 200001);
    body.pop_back();  // one level short of its innermost value
    CHECK(decode_error(body) == errc::invalid_message);
}

TEST_CASE("a stream of JSON and native frames, read one byte at a time", "[native][frame_reader]") {
    // What a client sends across the switch: JSON frames, then native ones, in order.
    std::string stream;
    std::vector<std::string> want_events;
    for (int i = 0; i < 4; ++i) {
        const std::string data = msgpack_bytes(std::string(i * 7, '\f'));
        const std::string event = "e" + std::to_string(i);
        REQUIRE_FALSE(ipcxx::detail::encode_json_frame(event, data, "\f", stream));
        want_events.push_back(event);
    }
    for (int i = 4; i < 8; ++i) {
        const std::string data = msgpack_bytes(std::vector<char>(i * 5, '\xc1'));
        NativeFrame f;
        f.name = want_events.emplace_back("e" + std::to_string(i));
        f.data = data;
        stream += encode(f);
    }
    REQUIRE_FALSE(ipcxx::detail::encode_json_frame("late", "", "\f", stream));  // JSON stays valid after
    want_events.push_back("late");

    FrameReader reader("\f", default_max);
    ipcxx::detail::JsonFrameDecoder json;
    std::vector<std::string> events;
    for (char c : stream) {
        const auto span = reader.prepare(1);
        span.data[0] = c;
        reader.commit(1);
        Frame frame;
        std::error_code ec;
        while (reader.next_frame(frame, ec)) {
            if (frame.kind == Frame::Kind::json) {
                ipcxx::detail::DecodedFrame decoded;
                REQUIRE_FALSE(json.decode(frame.bytes, decoded));
                events.emplace_back(decoded.type);
            } else {
                events.emplace_back(decode_native(frame.bytes).name);
            }
        }
        REQUIRE_FALSE(ec);
    }
    CHECK(events == want_events);
}

TEST_CASE("mutated bodies decode or fail cleanly; what decodes re-encodes to the same frame", "[native]") {
    const auto vectors = test::load_vector_file(IPCXX_PROTOCOL_DIR "/vectors/native-wire/frames.txt");
    int decoded = 0;
    for (const auto& v : vectors) {
        if (v.at("check").rfind("error", 0) == 0) continue;
        const std::string body = test::from_hex(v.at("frame")).substr(ipcxx::detail::native_header_size);
        for (std::size_t at = 0; at < std::min<std::size_t>(body.size(), 24); ++at) {
            for (unsigned value : {0x00u, 0x01u, 0x7fu, 0x80u, 0x90u, 0xa0u, 0xc0u, 0xc1u, 0xccu, 0xd9u, 0xddu, 0xffu}) {
                std::string mutated = body;
                mutated[at] = static_cast<char>(value);
                NativeFrame f;
                if (decode_native_body(mutated, f)) continue;
                ++decoded;
                std::string body_again;
                REQUIRE_FALSE(read_one(encode(f), body_again));
                check_same(decode_native(body_again), f);
            }
        }
    }
    CHECK(decoded > 0);
}

TEST_CASE("the short-event decoder takes ASCII names of every length and leaves the rest to the general one", "[native]") {
    using ipcxx::detail::decode_short_event;
    for (std::size_t length = 1; length <= 31; ++length) {
        for (bool with_data : {false, true}) {
            // ASCII, then a two-byte UTF-8 character at each place (the name one byte longer).
            for (std::size_t accent = 0; accent <= length; ++accent) {
                std::string name(length, 'n');
                if (accent < length) name.replace(accent, 1, "\xc3\xa9");
                if (name.size() > 31) continue;
                INFO("name of " << name.size() << " bytes, accent at " << accent << ", data " << with_data);
                std::string body = std::string(1, with_data ? '\x93' : '\x92') + '\0' +
                                   static_cast<char>(0xa0 | name.size()) + name;
                if (with_data) body += msgpack_bytes(std::make_tuple(1, "x"));
                NativeFrame general;
                REQUIRE_FALSE(decode_native_body(body, general));
                NativeFrame fast;
                const bool taken = decode_short_event(body, fast);
                CHECK(taken == (accent == length));
                if (!taken) continue;
                CHECK(fast.kind == FrameKind::event);
                CHECK(fast.name == general.name);
                CHECK(fast.data == general.data);
                // Cut anywhere up to the name's end: refused (the data, the rest of the body, is
                // checked as it is unpacked).
                for (std::size_t n = 0; n <= 3 + name.size() && n < body.size(); ++n) {
                    NativeFrame prefix;
                    CHECK_FALSE(decode_short_event(body.substr(0, n), prefix));
                }
            }
        }
    }
}
