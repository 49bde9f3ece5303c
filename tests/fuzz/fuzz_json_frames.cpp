// libFuzzer target: the JSON wire's reader and decoder.
//
// The input is a byte stream read at boundaries taken from its first bytes; every JSON frame that
// decodes must survive a round trip (encode_json_frame, then decode again) with the same event and
// value. The whole input also goes through json_to_msgpack and back through append_json_value, and
// when it is one number, its value is checked against strtod.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/json_wire.hpp"
#include "fuzz_support.hpp"

namespace {

using ipcxx::detail::DecodedFrame;
using ipcxx::detail::Frame;
using ipcxx::detail::JsonFrameDecoder;

const std::string delimiter = "\f";
constexpr std::size_t max_frame = 1024;  // small, so that inputs reach the limit

// What encode_json_frame sends for "no data" decodes to an empty object.
constexpr std::string_view empty_map = "\x80";

void round_trip_frame(std::string_view text, JsonFrameDecoder& decoder) {
    DecodedFrame first;
    if (decoder.decode(text, first)) return;
    const std::string event(first.type);
    const std::string data(first.data);

    std::string encoded;
    fuzz::check(!ipcxx::detail::encode_json_frame(event, data, delimiter, encoded),
                "encode_json_frame refuses what the decoder produced", text);
    // JSON.stringify escapes the delimiter, so the frame ends at its own delimiter.
    fuzz::check(encoded.find(delimiter) == encoded.size() - delimiter.size(),
                "an encoded frame contains the delimiter before its end", encoded);

    JsonFrameDecoder again;
    DecodedFrame second;
    fuzz::check(!again.decode(std::string_view(encoded).substr(0, encoded.size() - delimiter.size()), second),
                "a re-encoded frame does not decode", encoded);
    fuzz::check(second.type == event, "the event name changed in a JSON round trip", encoded);
    fuzz::check_same_msgpack(data.empty() ? empty_map : std::string_view(data), second.data, true,
                             "the data changed in a JSON round trip");
}

// A JSON text that is one number must read as the double nearest to it (strtod rounds correctly),
// or as an integer of that value: never NaN, never another double.
void check_number(std::string_view text, const msgpack::object& value) {
    const std::string literal(text);
    const double nearest = std::strtod(literal.c_str(), nullptr);
    double read = 0;
    if (value.type == msgpack::type::POSITIVE_INTEGER) read = static_cast<double>(value.via.u64);
    else if (value.type == msgpack::type::NEGATIVE_INTEGER) read = static_cast<double>(value.via.i64);
    else if (value.type == msgpack::type::FLOAT64) read = value.via.f64;
    else return;
    fuzz::check(read == nearest, "a JSON number reads as another value than the nearest double", text);
}

// Any JSON text: json_to_msgpack, then JSON.stringify of the result must read back the same.
void round_trip_value(std::string_view text) {
    std::string packed;
    if (ipcxx::detail::json_to_msgpack(text, packed)) return;
    msgpack::object_handle value;
    fuzz::check(fuzz::msgpack_c_unpack(packed, value), "json_to_msgpack produced msgpack that msgpack-c cannot read",
                text);
    check_number(text, value.get());
    std::string json;
    fuzz::check(!ipcxx::detail::append_json_value(packed, json),
                "append_json_value refuses what json_to_msgpack produced", text);
    std::string again;
    fuzz::check(!ipcxx::detail::json_to_msgpack(json, again), "JSON from append_json_value does not parse", json);
    fuzz::check_same_msgpack(packed, again, true, "the value changed in a JSON round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(bytes), size);
    JsonFrameDecoder decoder;  // one per stream, reused across its frames as a connection does
    fuzz::read_split_and_whole(input, delimiter, max_frame, [&](const Frame& frame) {
        if (frame.kind == Frame::Kind::json) round_trip_frame(frame.bytes, decoder);
    });
    // A delimiter of two bytes can straddle reads; no limit, so long frames get through.
    fuzz::read_split_and_whole(input, "\r\n", 0, [](const Frame&) {});
    round_trip_value(input);
    return 0;
}
