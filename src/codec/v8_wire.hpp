// Node's IPC channel with `serialization: 'advanced'`: V8 ValueSerializer bytes <-> msgpack, and the
// channel's framing, without sockets (docs/v8-serialization.md has the subset and the mapping table).
//
// A message on the wire is a uint32 big-endian length, then that many bytes: the V8 header (FF 0D,
// FF 0E or FF 0F) and one serialized value, as Node's ChildProcessSerializer writes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace ipcxx::detail {

// msgpack ext types standing for the JavaScript values msgpack has no type of its own for.
namespace v8_ext {
constexpr std::int8_t timestamp = -1;  // Date: msgpack's own timestamp type
constexpr std::int8_t undefined = 1;   // undefined, and a hole in an array; no data
constexpr std::int8_t bigint = 2;      // a BigInt outside int64/uint64: sign byte (0 or 1), then the magnitude big-endian
constexpr std::int8_t set = 3;         // Set: the data is one msgpack array of its members
// Typed arrays and DataView: typed_array_base + Node's view type index (0 Int8Array ... 12
// BigUint64Array), the data their bytes as they are in memory (little-endian). Index 10 (Buffer) is
// msgpack bin instead.
constexpr std::int8_t typed_array_base = 16;
}  // namespace v8_ext

struct V8DecodeLimits {
    // Containers nested deeper are refused (v8_unsupported): recursion stays bounded.
    std::size_t max_depth = 512;
    // Most msgpack bytes one message may decode to; 0 = 4 times the message plus 1 MiB. Only
    // back-references (an object copied at each place it is referenced) and the holes of sparse
    // arrays can exceed that, so it bounds what a small message can make us allocate.
    std::size_t max_output = 0;
};

// Converts one V8-serialized message (header + one value, without the length prefix) to one msgpack
// value, appended to `out`. Errors leave `out` as it was and say in `detail` what and at which
// offset of `message`: v8_malformed (truncated, unknown tag, inconsistent counts, bad header),
// v8_unsupported (a valid V8 type outside the subset, named; a cyclic reference; nesting past
// max_depth), invalid_utf8 (an 'S' string), frame_too_large (past max_output).
std::error_code v8_to_msgpack(std::string_view message, std::string& out, std::string* detail = nullptr,
                              const V8DecodeLimits& limits = {});

// Converts one msgpack value to a V8-serialized message (header FF 0F + value) a Node 20 peer reads,
// appended to `out`. Errors leave `out` as it was: invalid_argument (not exactly one well-formed
// msgpack value, a malformed ext of ours, duplicate string keys in a map), invalid_utf8 (a string),
// unsupported_value (an ext type without a V8 form, nesting deeper than 512, a timestamp outside
// the range of a Date).
std::error_code msgpack_to_v8(std::string_view msgpack_value, std::string& out, std::string* detail = nullptr);

// The length prefix of every message.
constexpr std::size_t v8_length_size = 4;

// Appends one whole message (length prefix + V8 bytes) for a msgpack value. frame_too_large when the
// V8 bytes exceed max_message_size (0 = no limit but the length field's); else msgpack_to_v8's errors.
std::error_code append_v8_frame(std::string_view msgpack_value, std::size_t max_message_size, std::string& out,
                                std::string* detail = nullptr);

// Reassembles the messages of the advanced channel from arbitrary read boundaries and decodes each
// to msgpack: the same interface as JsonLineReader (codec/json_lines.hpp), so that a channel reads
// either serialization alike.
//
// Usage: write up to prepare(n).size bytes at prepare(n).data, commit(k) (or feed(bytes)), then
// next() until it returns false; at the end of the stream, finish(). A bad message is reported once
// and consumed, so reading goes on with the next one:
// - a length field above max_message_size (0 = no limit): frame_too_large as soon as the field is
//   in; the message's bytes are then discarded as they arrive, never buffered;
// - a message that does not decode: v8_to_msgpack's errors (v8_malformed, v8_unsupported, ...).
// error_detail() names the message (counted from 1) and the offset in it.
class V8FrameReader {
public:
    // The most memory kept between messages: what a larger message needed is let go once read.
    static constexpr std::size_t kept_buffer_size = 4 * 1024 * 1024;

    explicit V8FrameReader(std::size_t max_message_size, const V8DecodeLimits& limits = {})
        : max_(max_message_size), limits_(limits) {}

    struct Span {
        char* data;
        std::size_t size;
    };
    Span prepare(std::size_t min_size);
    void commit(std::size_t n);
    // prepare + copy + commit.
    void feed(std::string_view bytes);

    // Returns true with `value` (msgpack of the message's value, valid until the next call of next()
    // or prepare()); false when no complete message is held, or (ec set) for a bad message.
    bool next(std::string_view& value, std::error_code& ec);

    // At the end of the stream: partial_message when part of a message is held (it is dropped,
    // with its size named in error_detail()), else no error (also inside an over-long message,
    // which was reported when its length arrived).
    std::error_code finish();

    const std::string& error_detail() const noexcept { return detail_; }
    std::size_t partial_size() const noexcept { return end_ - begin_; }
    std::size_t messages_read() const noexcept { return message_; }

private:
    void drop_skipped();

    std::size_t max_;
    V8DecodeLimits limits_;
    std::string buf_;
    std::size_t begin_ = 0;     // start of the message not yet taken
    std::size_t end_ = 0;       // end of the received bytes
    std::uint64_t skipping_ = 0;  // bytes of an over-long message still to discard
    std::size_t message_ = 0;   // messages completed (good or bad), for the error detail
    std::string value_;
    std::string detail_;
};

}  // namespace ipcxx::detail
