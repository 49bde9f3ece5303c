// Shared by the fuzz targets: a failed invariant aborts (libFuzzer then keeps the input), the byte
// stream is fed to a FrameReader at read boundaries taken from the input itself, and msgpack values
// are compared the way the wire defines equality.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <msgpack.hpp>

#include "codec/frame_reader.hpp"
#include "support/msgpack_equal.hpp"

namespace fuzz {

// An invariant of the codec does not hold: a real bug, not bad input.
[[noreturn]] inline void fail(const char* what, std::string_view context = {}) {
    std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
    if (!context.empty()) {
        std::fprintf(stderr, "  context (%zu bytes):", context.size());
        for (unsigned char c : context) std::fprintf(stderr, " %02x", c);
        std::fprintf(stderr, "\n");
    }
    std::abort();
}

inline void check(bool ok, const char* what, std::string_view context = {}) {
    if (!ok) fail(what, context);
}

struct ReadFrame {
    ipcxx::detail::Frame::Kind kind;
    std::string bytes;
};

// What a reader made of a whole stream: its frames, the error that stopped it, the bytes left over.
struct ReadResult {
    std::vector<ReadFrame> frames;
    std::error_code error;
    std::size_t partial = 0;
};

// Feeds `stream` to a fresh FrameReader in reads of the given sizes (cycled; the last one takes the
// rest), extracting frames after every read as a connection does. `on_frame` sees each frame while
// its view is valid.
template <class OnFrame>
ReadResult read_stream(std::string_view stream, const std::string& delimiter, std::size_t max_frame,
                       const std::vector<std::size_t>& read_sizes, OnFrame&& on_frame) {
    ipcxx::detail::FrameReader reader(delimiter, max_frame);
    ReadResult result;
    std::size_t pos = 0;
    for (std::size_t i = 0; pos < stream.size() && !result.error; ++i) {
        const std::size_t n = std::min(read_sizes[i % read_sizes.size()], stream.size() - pos);
        const auto span = reader.prepare(n);
        check(span.size >= n, "FrameReader::prepare returned less room than asked for");
        std::memcpy(span.data, stream.data() + pos, n);
        reader.commit(n);
        pos += n;
        ipcxx::detail::Frame frame;
        while (reader.next_frame(frame, result.error)) {
            result.frames.push_back({frame.kind, std::string(frame.bytes)});
            on_frame(frame);
        }
    }
    result.partial = reader.partial_size();
    return result;
}

inline bool same_frames(const ReadResult& a, const ReadResult& b) {
    if (a.error != b.error || a.frames.size() != b.frames.size()) return false;
    if (!a.error && a.partial != b.partial) return false;
    for (std::size_t i = 0; i < a.frames.size(); ++i) {
        if (a.frames[i].kind != b.frames[i].kind || a.frames[i].bytes != b.frames[i].bytes) return false;
    }
    return true;
}

// Read sizes (1..32 bytes) from the stream's first bytes, so that mutations move the boundaries.
inline std::vector<std::size_t> read_sizes_from(std::string_view input) {
    std::vector<std::size_t> sizes;
    for (std::size_t i = 0; i < std::min<std::size_t>(input.size(), 4); ++i) {
        sizes.push_back(1 + static_cast<unsigned char>(input[i]) % 32);
    }
    if (sizes.empty()) sizes.push_back(1);
    return sizes;
}

// Reads `input` at boundaries derived from it and checks that the frames, the error and the
// leftover are those of a single read: read boundaries must not matter. `on_frame` sees the frames
// of the split read.
template <class OnFrame>
void read_split_and_whole(std::string_view input, const std::string& delimiter, std::size_t max_frame,
                          OnFrame&& on_frame) {
    const ReadResult split = read_stream(input, delimiter, max_frame, read_sizes_from(input), on_frame);
    const ReadResult whole = read_stream(input, delimiter, max_frame, {input.size() + 1}, [](const auto&) {});
    check(same_frames(split, whole), "FrameReader gives other frames when the reads are split differently");
}

// msgpack-c's reading of exactly one value, or false when it refuses the bytes.
inline bool msgpack_c_unpack(std::string_view bytes, msgpack::object_handle& out) {
    try {
        std::size_t offset = 0;
        out = msgpack::unpack(bytes.data(), bytes.size(), offset);
        return offset == bytes.size();
    } catch (const std::exception&) {
        return false;
    }
}

// Two msgpack byte strings that must hold the same value (the codec made both).
inline void check_same_msgpack(std::string_view a, std::string_view b, bool json, const char* what) {
    msgpack::object_handle ha;
    msgpack::object_handle hb;
    check(msgpack_c_unpack(a, ha), "the codec produced msgpack that msgpack-c cannot read", a);
    check(msgpack_c_unpack(b, hb), "the codec produced msgpack that msgpack-c cannot read", b);
    if (!test::same_value(ha.get(), hb.get(), json)) {
        std::string both(a);
        both += b;
        fail(what, both);
    }
}

}  // namespace fuzz
