// libFuzzer target: the native wire's reader and body decoder.
//
// The input is a byte stream read at boundaries taken from its first bytes; every native body that
// decodes must survive a round trip (append_native_frame, then decode again) with the same fields,
// and re-encoding is stable, and decoding without the data check gives the same fields. Each frame's
// data goes through unpack_in_arena, which must agree with msgpack::unpack.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "codec/msgpack_object.hpp"
#include "codec/native_wire.hpp"
#include "fuzz_support.hpp"

namespace {

using ipcxx::detail::Frame;
using ipcxx::detail::NativeFrame;

const std::string delimiter = "\f";
constexpr std::size_t max_frame = 1024;  // small, so that inputs reach the limit

bool same_fields(const NativeFrame& a, const NativeFrame& b) {
    return a.kind == b.kind && a.id == b.id && a.name == b.name && a.data == b.data && a.error_code == b.error_code &&
           a.error_message == b.error_message;
}

// Encodes with the decoded body's size as the limit: minimal headers never make a body longer.
std::string encode(const NativeFrame& frame, std::string_view body, std::string_view context) {
    std::string out;
    fuzz::check(!ipcxx::detail::append_native_frame(frame, body.size(), out),
                "append_native_frame refuses a frame decode_native_body accepted", context);
    const auto* header = reinterpret_cast<const unsigned char*>(out.data());
    const std::size_t length = (std::size_t{header[1]} << 24) | (std::size_t{header[2]} << 16) |
                               (std::size_t{header[3]} << 8) | std::size_t{header[4]};
    fuzz::check(out.size() > ipcxx::detail::native_header_size && header[0] == ipcxx::detail::native_magic &&
                    length == out.size() - ipcxx::detail::native_header_size,
                "append_native_frame wrote a wrong header", out);
    return out;
}

void check_unpack_in_arena(std::string_view data) {
    ipcxx::detail::ObjectArena arena;
    std::unique_ptr<msgpack::zone> zone;
    msgpack::object object;
    if (!ipcxx::detail::unpack_in_arena(data, arena, zone, object)) return;  // the caller falls back to msgpack::unpack
    msgpack::object_handle reference;
    fuzz::check(fuzz::msgpack_c_unpack(data, reference), "unpack_in_arena accepts what msgpack::unpack refuses", data);
    fuzz::check(test::same_value(object, reference.get(), false), "unpack_in_arena and msgpack::unpack disagree", data);
}

void round_trip_body(std::string_view body) {
    NativeFrame first;
    if (ipcxx::detail::decode_native_body(body, first)) return;
    NativeFrame unchecked;
    fuzz::check(!ipcxx::detail::decode_native_body_unchecked_data(body, unchecked) && same_fields(first, unchecked),
                "the decoder without the data check differs from the full one", body);
    if (!first.data.empty()) check_unpack_in_arena(first.data);

    const std::string encoded = encode(first, body, body);
    const std::string_view encoded_body = std::string_view(encoded).substr(ipcxx::detail::native_header_size);
    NativeFrame second;
    fuzz::check(!ipcxx::detail::decode_native_body(encoded_body, second), "a re-encoded native frame does not decode",
                encoded);
    fuzz::check(same_fields(first, second), "the fields changed in a native round trip", encoded);
    fuzz::check(encode(second, encoded_body, encoded) == encoded, "re-encoding a native frame is not stable", encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(bytes), size);
    fuzz::read_split_and_whole(input, delimiter, max_frame, [](const Frame& frame) {
        if (frame.kind == Frame::Kind::native) round_trip_body(frame.bytes);
    });
    // The whole input as one body: the decoder sees every byte without a header in front.
    round_trip_body(input);
    return 0;
}
