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

// JavaScript's property order, which encode_json_frame imposes: canonical array-index keys
// ("0".."4294967294") first in ascending order, then the others in their order.
inline std::uint64_t js_key_rank(const msgpack::object& key) {
    constexpr std::uint64_t not_an_index = UINT64_MAX;
    if (key.type != msgpack::type::STR) return not_an_index;
    const std::string_view s(key.via.str.ptr, key.via.str.size);
    if (s.empty() || s.size() > 10 || (s[0] == '0' && s.size() > 1)) return not_an_index;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return not_an_index;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v < 0xFFFFFFFFULL ? v : not_an_index;
}

// An integer and a float64 that are the same JavaScript number. JSON.stringify writes an integral
// double below 1e21 as its shortest digits padded with zeros (1e19 as "10000000000000000000",
// -922337203685477632 as "-922337203685477600"), and the decoder makes an int of every integer
// literal that fits 64 bits: that int rounds to the double, nothing more.
inline bool same_json_number(const msgpack::object& i, const msgpack::object& f) {
    if (f.type != msgpack::type::FLOAT64) return false;
    if (i.type == msgpack::type::POSITIVE_INTEGER) return static_cast<double>(i.via.u64) == f.via.f64;
    return i.type == msgpack::type::NEGATIVE_INTEGER && static_cast<double>(i.via.i64) == f.via.f64;
}

// Structural equality of two msgpack values; floats compare by bits (NaN equals itself). With
// `json`, as JSON sees them: map entries in JavaScript property order (what a JSON round trip does
// to them), and integers equal to float64s of the same value.
inline bool same_value(const msgpack::object& a, const msgpack::object& b, bool json) {
    if (json && (same_json_number(a, b) || same_json_number(b, a))) return true;
    if (a.type != b.type) return false;
    switch (a.type) {
        case msgpack::type::NIL: return true;
        case msgpack::type::BOOLEAN: return a.via.boolean == b.via.boolean;
        case msgpack::type::POSITIVE_INTEGER: return a.via.u64 == b.via.u64;
        case msgpack::type::NEGATIVE_INTEGER: return a.via.i64 == b.via.i64;
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64: return std::memcmp(&a.via.f64, &b.via.f64, sizeof(double)) == 0;
        case msgpack::type::STR:
            return std::string_view(a.via.str.ptr, a.via.str.size) == std::string_view(b.via.str.ptr, b.via.str.size);
        case msgpack::type::BIN:
            return std::string_view(a.via.bin.ptr, a.via.bin.size) == std::string_view(b.via.bin.ptr, b.via.bin.size);
        case msgpack::type::EXT:  // ptr points at the type byte
            return std::string_view(a.via.ext.ptr, a.via.ext.size + 1) ==
                   std::string_view(b.via.ext.ptr, b.via.ext.size + 1);
        case msgpack::type::ARRAY:
            if (a.via.array.size != b.via.array.size) return false;
            for (std::uint32_t i = 0; i < a.via.array.size; ++i) {
                if (!same_value(a.via.array.ptr[i], b.via.array.ptr[i], json)) return false;
            }
            return true;
        case msgpack::type::MAP: {
            if (a.via.map.size != b.via.map.size) return false;
            auto order = [&](const msgpack::object& m) {
                std::vector<const msgpack::object_kv*> kvs;
                for (std::uint32_t i = 0; i < m.via.map.size; ++i) kvs.push_back(&m.via.map.ptr[i]);
                if (json) {
                    std::stable_sort(kvs.begin(), kvs.end(), [](const auto* x, const auto* y) {
                        return js_key_rank(x->key) < js_key_rank(y->key);
                    });
                }
                return kvs;
            };
            const auto ka = order(a);
            const auto kb = order(b);
            for (std::size_t i = 0; i < ka.size(); ++i) {
                if (!same_value(ka[i]->key, kb[i]->key, json) ||
                    !same_value(ka[i]->val, kb[i]->val, json)) {
                    return false;
                }
            }
            return true;
        }
    }
    return false;
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
    if (!same_value(ha.get(), hb.get(), json)) {
        std::string both(a);
        both += b;
        fail(what, both);
    }
}

}  // namespace fuzz
