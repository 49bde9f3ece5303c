// Frame reassembly from arbitrary read boundaries: JSON-wire frames, native frames, and both mixed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "codec/frame_reader.hpp"
#include "codec/native_wire.hpp"
#include "ipcxx/error.hpp"

using ipcxx::errc;
using ipcxx::detail::Frame;
using ipcxx::detail::FrameReader;

namespace {

// Native frames are recorded with this prefix, so that one list shows kinds and order.
const std::string native_tag = "<native>";

// Feeds `chunk` as one read; appends complete frames to `frames`. Returns the error, if any.
std::error_code feed(FrameReader& reader, std::string_view chunk, std::vector<std::string>& frames,
                     std::size_t min_prepare = 1) {
    const FrameReader::Span span = reader.prepare(std::max(chunk.size(), min_prepare));
    REQUIRE(span.size >= chunk.size());
    std::memcpy(span.data, chunk.data(), chunk.size());
    reader.commit(chunk.size());
    Frame frame;
    std::error_code ec;
    while (reader.next_frame(frame, ec)) {
        frames.push_back((frame.kind == Frame::Kind::native ? native_tag : "") + std::string(frame.bytes));
    }
    return ec;
}

// Splits `stream` at the given cut points and returns the frames read.
std::vector<std::string> read_split(const std::string& delimiter, const std::string& stream,
                                    const std::vector<std::size_t>& cuts) {
    FrameReader reader(delimiter, 0);
    std::vector<std::string> frames;
    std::size_t from = 0;
    for (std::size_t cut : cuts) {
        REQUIRE_FALSE(feed(reader, std::string_view(stream).substr(from, cut - from), frames));
        from = cut;
    }
    REQUIRE_FALSE(feed(reader, std::string_view(stream).substr(from), frames));
    return frames;
}

std::string join(const std::vector<std::string>& frames, const std::string& delimiter) {
    std::string s;
    for (const auto& f : frames) s += f + delimiter;
    return s;
}

}  // namespace

TEST_CASE("every split point of a multi-frame stream", "[frame_reader]") {
    for (const std::string delimiter : {"\f", "\r\n", "<#>", "aab"}) {
        INFO("delimiter " << delimiter);
        const std::vector<std::string> frames = {
            "{\"type\":\"message\",\"data\":\"hello\"}", "", "{\"type\":\"obj\",\"data\":\"\xc3\xa9\xf0\x9f\x8c\x8d\"}",
            "a", "", "{\"type\":\"x\",\"data\":\"\\r\\n<#\"}", "aa", "\r", "<#"};
        std::vector<std::string> expected;
        for (const auto& f : frames) {
            // Frames must not contain the delimiter; "aab" forbids nothing above but keep it honest.
            if (f.find(delimiter) == std::string::npos) expected.push_back(f);
        }
        const std::string stream = join(expected, delimiter);
        CHECK(read_split(delimiter, stream, {}) == expected);
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            INFO("cut at " << cut);
            REQUIRE(read_split(delimiter, stream, {cut}) == expected);
        }
        for (std::size_t a = 0; a <= stream.size(); a += 3) {
            for (std::size_t b = a; b <= stream.size(); b += 5) {
                REQUIRE(read_split(delimiter, stream, {a, b}) == expected);
            }
        }
        std::vector<std::size_t> every_byte;
        for (std::size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
        CHECK(read_split(delimiter, stream, every_byte) == expected);
    }
}

TEST_CASE("a delimiter that overlaps itself", "[frame_reader]") {
    // "aab" inside "aaab": the search must not skip the true start after a partial match.
    const std::string stream = "xaaab" "aaaab" "ab";
    std::vector<std::string> expected = {"xa", "aa"};
    CHECK(read_split("aab", stream, {}) == expected);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) CHECK(read_split("aab", stream, {cut}) == expected);
    FrameReader reader("aab", 0);
    std::vector<std::string> frames;
    REQUIRE_FALSE(feed(reader, stream, frames));
    CHECK(reader.partial_size() == 2);  // "ab" is held
}

TEST_CASE("several frames per read, frames stay valid until the next prepare", "[frame_reader]") {
    FrameReader reader("\f", 0);
    const std::string chunk = "one\ftwo\f\fthree\ffour";
    auto span = reader.prepare(chunk.size());
    std::memcpy(span.data, chunk.data(), chunk.size());
    reader.commit(chunk.size());
    std::vector<std::string_view> views;
    Frame frame;
    std::error_code ec;
    while (reader.next_frame(frame, ec)) views.push_back(frame.bytes);
    REQUIRE_FALSE(ec);
    REQUIRE(views.size() == 4);
    CHECK(views[0] == "one");
    CHECK(views[1] == "two");
    CHECK(views[2].empty());
    CHECK(views[3] == "three");
    CHECK(reader.partial_size() == 4);
    CHECK_FALSE(reader.next_frame(frame, ec));

    std::vector<std::string> frames;
    REQUIRE_FALSE(feed(reader, "\f", frames));
    CHECK(frames == std::vector<std::string>{"four"});
    CHECK(reader.partial_size() == 0);
}

TEST_CASE("large frames grow the buffer, small reads reuse it", "[frame_reader]") {
    FrameReader reader("\r\n", 0);
    std::vector<std::string> frames;
    const std::string big(3 << 20, 'x');
    for (std::size_t at = 0; at < big.size(); at += 4096) {
        REQUIRE_FALSE(feed(reader, std::string_view(big).substr(at, 4096), frames, 4096));
    }
    CHECK(frames.empty());
    CHECK(reader.partial_size() == big.size());
    REQUIRE_FALSE(feed(reader, "\r\nsmall\r", frames));
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].size() == big.size());
    CHECK((frames[0] == big));  // parenthesized: Catch would print 3 MiB on failure
    REQUIRE_FALSE(feed(reader, "\n", frames));
    CHECK(frames.back() == "small");

    // Steady state: the same buffer comes back once the data was consumed.
    const char* first = reader.prepare(64).data;
    reader.commit(0);
    for (int i = 0; i < 100; ++i) {
        auto span = reader.prepare(64);
        CHECK(span.data == first);
        std::memcpy(span.data, "abc\r\nde", 7);
        reader.commit(7);
        Frame frame;
        std::error_code ec;
        while (reader.next_frame(frame, ec)) {}
        span = reader.prepare(64);
        std::memcpy(span.data, "\r\n", 2);
        reader.commit(2);
        while (reader.next_frame(frame, ec)) {}
    }
}

TEST_CASE("frame_too_large for complete and partial frames", "[frame_reader]") {
    SECTION("complete frame over the limit") {
        FrameReader reader("\f", 5);
        std::vector<std::string> frames;
        CHECK_FALSE(feed(reader, "12345\f", frames));
        CHECK(frames == std::vector<std::string>{"12345"});
        CHECK(feed(reader, "123456\f", frames) == errc::frame_too_large);
        CHECK(frames.size() == 1);
    }
    SECTION("frames before the large one are returned first") {
        FrameReader reader("\f", 5);
        std::vector<std::string> frames;
        CHECK(feed(reader, "ok\f1234567\f", frames) == errc::frame_too_large);
        CHECK(frames == std::vector<std::string>{"ok"});
    }
    SECTION("partial frame already over the limit") {
        FrameReader reader("\f", 5);
        std::vector<std::string> frames;
        CHECK_FALSE(feed(reader, "12345", frames));
        CHECK(feed(reader, "6", frames) == errc::frame_too_large);
    }
    SECTION("a partial multi-byte delimiter does not count against the limit") {
        FrameReader reader("<#>", 5);
        std::vector<std::string> frames;
        CHECK_FALSE(feed(reader, "12345<#", frames));
        CHECK_FALSE(feed(reader, ">", frames));
        CHECK(frames == std::vector<std::string>{"12345"});
        CHECK(feed(reader, "12345<#x", frames) == errc::frame_too_large);
    }
    SECTION("zero means unlimited") {
        FrameReader reader("\f", 0);
        std::vector<std::string> frames;
        CHECK_FALSE(feed(reader, std::string(100000, 'y') + "\f", frames));
        CHECK(frames.size() == 1);
    }
}

TEST_CASE("empty frames and reset", "[frame_reader]") {
    FrameReader reader("\f", 0);
    std::vector<std::string> frames;
    REQUIRE_FALSE(feed(reader, "\f\f", frames));
    CHECK(frames == std::vector<std::string>{"", ""});
    REQUIRE_FALSE(feed(reader, "partial", frames));
    CHECK(reader.partial_size() == 7);
    reader.reset();
    CHECK(reader.partial_size() == 0);
    frames.clear();
    REQUIRE_FALSE(feed(reader, "new\f", frames));
    CHECK(frames == std::vector<std::string>{"new"});
}

namespace {

// A native frame around `body` (the reader does not look inside bodies).
std::string native(const std::string& body) {
    std::string frame(1, static_cast<char>(ipcxx::detail::native_magic));
    for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((body.size() >> shift) & 0xFF));
    return frame + body;
}

}  // namespace

TEST_CASE("JSON and native frames interleaved, at every split point", "[frame_reader][native]") {
    for (const std::string delimiter : {"\f", "\r\n"}) {
        INFO("delimiter " << (delimiter == "\f" ? "\\f" : "\\r\\n"));
        // Native bodies holding the delimiter, the magic byte and NUL: only the length frames them.
        const std::string body_a = std::string("\x92\x00\xa1\x0c", 4);
        const std::string body_b = std::string("\xc1\x0c\r\n\xc1\xc1\x00", 7);
        const std::string body_c(300, '\x0c');
        std::string stream;
        std::vector<std::string> expected;
        auto json_frame = [&](const std::string& text) {
            stream += text + delimiter;
            expected.push_back(text);
        };
        auto native_frame = [&](const std::string& body) {
            stream += native(body);
            expected.push_back(native_tag + body);
        };
        native_frame(body_a);  // a native frame first
        json_frame("{\"type\":\"a\",\"data\":1}");
        native_frame(body_b);
        native_frame(body_c);  // native after native
        json_frame("");        // an empty JSON frame right after a native one
        json_frame("{\"type\":\"b\"}");
        native_frame(std::string(1, '\xc1'));
        json_frame("x");

        CHECK(read_split(delimiter, stream, {}) == expected);
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            INFO("cut at " << cut);
            REQUIRE(read_split(delimiter, stream, {cut}) == expected);
        }
        for (std::size_t a = 0; a <= stream.size(); a += 7) {
            for (std::size_t b = a; b <= stream.size(); b += 11) {
                REQUIRE(read_split(delimiter, stream, {a, b}) == expected);
            }
        }
        std::vector<std::size_t> every_byte;
        for (std::size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
        CHECK(read_split(delimiter, stream, every_byte) == expected);
    }
}

TEST_CASE("native frame limits are checked on the header", "[frame_reader][native]") {
    SECTION("a body of exactly max_frame_size is accepted") {
        FrameReader reader("\f", 8);
        std::vector<std::string> frames;
        CHECK_FALSE(feed(reader, native("12345678"), frames));
        CHECK(frames == std::vector<std::string>{native_tag + "12345678"});
    }
    SECTION("max_frame_size + 1 is refused before any of the body arrived") {
        FrameReader reader("\f", 8);
        std::vector<std::string> frames;
        const std::string header = native("123456789").substr(0, 5);
        CHECK_FALSE(feed(reader, header.substr(0, 4), frames));  // an incomplete header waits
        CHECK(feed(reader, header.substr(4), frames) == errc::frame_too_large);
        CHECK(frames.empty());
    }
    SECTION("the largest length field is refused, not buffered") {
        FrameReader reader("\f", 16 << 20);
        std::vector<std::string> frames;
        CHECK(feed(reader, "\xc1\xff\xff\xff\xff", frames) == errc::frame_too_large);
    }
    SECTION("a body length of 0 is an empty frame") {
        FrameReader reader("\f", 8);
        std::vector<std::string> frames;
        CHECK(feed(reader, std::string("ok\f\xc1\0\0\0\0", 8), frames) == errc::empty_frame);
        CHECK(frames == std::vector<std::string>{"ok"});
    }
    SECTION("zero means unlimited") {
        FrameReader reader("\f", 0);
        std::vector<std::string> frames;
        const std::string body(100000, 'y');
        CHECK_FALSE(feed(reader, native(body), frames));
        REQUIRE(frames.size() == 1);
        CHECK(frames[0].size() == native_tag.size() + body.size());
    }
    SECTION("a partial native frame is held, not returned") {
        FrameReader reader("\f", 0);
        std::vector<std::string> frames;
        const std::string frame = native("abc");
        CHECK_FALSE(feed(reader, frame.substr(0, 7), frames));
        CHECK(frames.empty());
        CHECK(reader.partial_size() == 7);
        CHECK_FALSE(feed(reader, frame.substr(7), frames));
        CHECK(frames == std::vector<std::string>{native_tag + "abc"});
    }
}

namespace {

std::string native_frame(const std::string& body) {
    const auto n = static_cast<std::uint32_t>(body.size());
    std::string frame{static_cast<char>(ipcxx::detail::native_magic), static_cast<char>(n >> 24),
                      static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
    return frame + body;
}

std::string patterned(std::size_t size, char seed) {
    std::string s(size, seed);
    for (std::size_t i = 0; i < size; i += 251) s[i] = static_cast<char>(seed + i % 7);
    return s;
}

// Reads `chunk` as a socket would deliver it: each read takes at most what prepare() offers. With
// `lent`, each read goes through prepare_lent(*lent, read_size) and return_lent(), as a plain
// socket's do.
void feed_reads(FrameReader& reader, std::string_view chunk, std::vector<std::string>& frames,
                std::vector<bool>* large = nullptr, std::string* lent = nullptr, std::size_t read_size = 1) {
    do {
        const FrameReader::Span span = lent ? reader.prepare_lent(*lent, read_size) : reader.prepare(1);
        REQUIRE(span.size > 0);
        const std::size_t n = std::min(span.size, chunk.size());
        std::memcpy(span.data, chunk.data(), n);
        reader.commit(n);
        chunk.remove_prefix(n);
        Frame frame;
        std::error_code ec;
        while (reader.next_frame(frame, ec)) {
            frames.push_back((frame.kind == Frame::Kind::native ? native_tag : "") + std::string(frame.bytes));
            if (large) large->push_back(reader.large_frame_returned());
        }
        REQUIRE_FALSE(ec);
        if (lent) reader.return_lent(*lent);
    } while (!chunk.empty());
}

}  // namespace

TEST_CASE("large native bodies are read into memory of their own, at any read size", "[frame_reader][native]") {
    const std::string big1 = patterned(FrameReader::large_frame, 'a');
    const std::string big2 = patterned(3 * FrameReader::large_frame + 17, 'k');
    const std::string stream = native_frame("small") + native_frame(big1) + "{\"json\":1}\f" + native_frame(big2) +
                               native_frame(std::string(FrameReader::large_frame - 1, 's'));
    const std::vector<std::string> expected{native_tag + "small", native_tag + big1, "{\"json\":1}", native_tag + big2,
                                            native_tag + std::string(FrameReader::large_frame - 1, 's')};
    for (const std::size_t read_size : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, std::size_t{65536},
                                        stream.size()}) {
        CAPTURE(read_size);
        FrameReader reader("\f", 0);
        std::vector<std::string> frames;
        std::vector<bool> large;
        for (std::size_t from = 0; from < stream.size(); from += read_size) {
            feed_reads(reader, std::string_view(stream).substr(from, read_size), frames, &large);
        }
        CHECK(frames == expected);
        CHECK(large == std::vector<bool>{false, true, false, true, false});
        CHECK(reader.partial_size() == 0);
    }
}

TEST_CASE("a large body is read exactly to its end, and its memory can be taken over", "[frame_reader][native]") {
    FrameReader reader("\f", 0);
    const std::string body = patterned(100000, 'b');
    const std::string frame = native_frame(body);
    std::vector<std::string> frames;
    feed_reads(reader, std::string_view(frame).substr(0, 1000), frames);
    CHECK(reader.partial_size() == 1000);
    // The next read is offered the rest of this body and no more.
    const FrameReader::Span span = reader.prepare(1);
    CHECK(span.size == frame.size() - 1000);
    std::memcpy(span.data, frame.data() + 1000, span.size);
    reader.commit(span.size);
    Frame out;
    std::error_code ec;
    REQUIRE(reader.next_frame(out, ec));
    REQUIRE(reader.large_frame_returned());
    ipcxx::detail::ByteBuffer taken;
    taken.swap(reader.large_frame_buffer());
    CHECK(std::string(out.bytes) == body);  // the view now lies in `taken`, unchanged
    CHECK(out.bytes.data() == taken.memory());
    CHECK_FALSE(reader.next_frame(out, ec));

    // Reading goes on normally, and the next large body gets memory again.
    feed_reads(reader, native_frame("after") + native_frame(body), frames);
    CHECK(frames == std::vector<std::string>{native_tag + "after", native_tag + body});
}

TEST_CASE("a large body's memory grows with what arrives, not with what its header announces",
          "[frame_reader][native]") {
    FrameReader reader("\f", 0);
    std::vector<std::string> frames;
    const std::string announced_only = native_frame(std::string(FrameReader::large_frame, 'x')).substr(0, 5);
    std::string huge_header = announced_only;
    huge_header[1] = huge_header[2] = huge_header[3] = huge_header[4] = '\xff';  // 4 GiB announced
    feed_reads(reader, huge_header + "some", frames);
    CHECK(frames.empty());
    CHECK(reader.large_frame_buffer().capacity() <= FrameReader::large_frame_initial);

    FrameReader second("\f", 0);
    const std::string body = patterned(2 * FrameReader::large_frame_initial + 12345, 'g');
    const std::string stream = native_frame(body) + native_frame("tail");
    for (std::size_t from = 0; from < stream.size(); from += 1 << 20) {
        feed_reads(second, std::string_view(stream).substr(from, 1 << 20), frames);
    }
    CHECK(frames == std::vector<std::string>{native_tag + body, native_tag + "tail"});
}

TEST_CASE("memory a huge frame needed is let go once the frame is handed out", "[frame_reader]") {
    const std::size_t huge = 3 * FrameReader::large_frame_initial;
    for (const bool native : {true, false}) {
        CAPTURE(native);
        FrameReader reader("\f", 0);
        std::vector<std::string> frames;
        const std::string body = patterned(huge, native ? 'n' : 'j');
        const std::string stream = native ? native_frame(body) : body + "\f";
        for (std::size_t from = 0; from < stream.size(); from += 1 << 20) {
            feed_reads(reader, std::string_view(stream).substr(from, 1 << 20), frames);
        }
        REQUIRE(frames.size() == 1);
        CHECK(reader.retained_bytes() >= huge);  // the frame's view is still valid here

        feed_reads(reader, native ? native_frame("small") : std::string("small\f"), frames);
        REQUIRE(frames.size() == 2);
        CHECK(reader.retained_bytes() <= 2 * FrameReader::large_frame_initial);
    }
}

namespace {

// The memory a trimmed reader may keep while it holds `partial` bytes of a small frame: those
// bytes, or the few a std::string holds inline.
std::size_t allowed_after_trim(std::size_t partial) { return std::max<std::size_t>(partial, 15); }
// Untrimmed, at most the memory its largest partial frame needed (the stream below is a few
// hundred bytes long), never the 64 KiB it read into.
constexpr std::size_t kept_while_busy = 1024;

// Reads through memory lent per read: two buffers in turn, scribbled over after each read, so
// that a reader keeping a pointer into either would return wrong frames.
struct LentReads {
    FrameReader reader{"\f", 0};
    std::string lent[2];
    std::size_t reads = 0;
    std::vector<std::string> frames;

    void read(std::string_view chunk, std::size_t read_size) {
        if (chunk.empty()) return;
        std::string& buffer = lent[reads++ % 2];
        feed_reads(reader, chunk, frames, nullptr, &buffer, read_size);
        std::fill(buffer.begin(), buffer.end(), 'Z');
    }
};

}  // namespace

TEST_CASE("frames split at every byte reassemble through a lent buffer released between reads",
          "[frame_reader][lent]") {
    std::string stream;
    std::vector<std::string> expected;
    auto json = [&](const std::string& text) {
        stream += text + "\f";
        expected.push_back(text);
    };
    auto native = [&](const std::string& body) {
        stream += native_frame(body);
        expected.push_back(native_tag + body);
    };
    json("{\"type\":\"a\",\"data\":1}");
    native(std::string("\x92\x00\xa1\x0c", 4));
    native(std::string(300, '\x0c'));
    json("{\"type\":\"b\"}");
    native(std::string(1, '\xc1'));
    json("x");

    // Between reads the reader keeps at most the memory of the partial frames it held (reused,
    // so that a busy reader does not allocate), never the 64 KiB it read into; trimmed, only what
    // it holds now.
    for (const bool trim_between : {false, true}) {
        CAPTURE(trim_between);
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            CAPTURE(cut);
            LentReads reads;
            reads.read(std::string_view(stream).substr(0, cut), 64 * 1024);
            CHECK(reads.reader.retained_bytes() < kept_while_busy);
            if (trim_between) reads.reader.trim();
            reads.read(std::string_view(stream).substr(cut), 64 * 1024);
            REQUIRE(reads.frames == expected);
            CHECK(reads.reader.retained_bytes() < kept_while_busy);
            reads.reader.trim();
            CHECK(reads.reader.retained_bytes() <= allowed_after_trim(0));
        }
        LentReads byte_by_byte;
        for (std::size_t i = 0; i < stream.size(); ++i) {
            byte_by_byte.read(std::string_view(stream).substr(i, 1), 64 * 1024);
            REQUIRE(byte_by_byte.reader.retained_bytes() < kept_while_busy);
            if (trim_between) {
                byte_by_byte.reader.trim();
                REQUIRE(byte_by_byte.reader.retained_bytes() <= allowed_after_trim(byte_by_byte.reader.partial_size()));
            }
        }
        CHECK(byte_by_byte.frames == expected);
    }
}

TEST_CASE("a partial frame beyond the lend limit and a large body use the reader's own memory, let go after",
          "[frame_reader][lent]") {
    const std::string long_json = "{\"type\":\"long\",\"data\":\"" + std::string(FrameReader::lend_limit * 2, 'j') + "\"}";
    const std::string large_body(FrameReader::large_frame + 1000, '\x0c');
    const std::string stream = "{\"type\":\"a\"}\f" + long_json + "\f" + native_frame(large_body) + native_frame("end");
    const std::vector<std::string> expected{"{\"type\":\"a\"}", long_json, native_tag + large_body, native_tag + "end"};
    for (const std::size_t read_size : {std::size_t{1000}, std::size_t{4096}, std::size_t{64 * 1024}}) {
        CAPTURE(read_size);
        LentReads reads;
        for (std::size_t from = 0; from < stream.size(); from += read_size) {
            reads.read(std::string_view(stream).substr(from, read_size), read_size);
        }
        CHECK(reads.frames == expected);
        CHECK(reads.reader.partial_size() == 0);
        reads.reader.trim();
        CHECK(reads.reader.retained_bytes() <= allowed_after_trim(0));
    }
}
