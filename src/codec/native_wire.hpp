// ipcxx's native binary wire between two ipcxx peers (protocol/PROTOCOL.md, "The native wire").
//
// A frame is the byte 0xC1, the body length as an unsigned 32-bit big-endian integer, then the body:
// one msgpack array whose first element is the frame kind.
//   event          [0, name, data?]        request  [1, id, name, data?]
//   response       [2, id, data?]          error    [3, id, code, message]
//   ping           [4, nonce]              pong     [5, nonce]
//   cancel         [6, id]                 request with a deadline [7, id, timeout_ms, name, data?]
// Kinds 6 and 7 are sent only to a peer whose hello or welcome lists the feature "deadline"; kind 7
// decodes as a request with `timeout_ms` set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace ipcxx::detail {

// Never valid UTF-8 and "never used" in msgpack, so it can never start a JSON-wire frame.
constexpr unsigned char native_magic = 0xC1;
constexpr std::size_t native_header_size = 5;  // magic + u32 length
// The length field's range; a max_message_size beyond it is capped to it.
constexpr std::size_t native_max_body = 0xFFFFFFFF;

// The length field of the native header at `header` (native_header_size bytes): read and written.
inline std::size_t native_body_length(const char* header) noexcept {
    const auto* h = reinterpret_cast<const unsigned char*>(header);
    return (std::size_t{h[1]} << 24) | (std::size_t{h[2]} << 16) | (std::size_t{h[3]} << 8) | std::size_t{h[4]};
}
inline void set_native_body_length(char* header, std::uint32_t length) noexcept {
    for (int i = 4; i >= 1; --i, length >>= 8) header[i] = static_cast<char>(length & 0xFF);
}

enum class FrameKind : std::uint8_t {
    event = 0, request = 1, response = 2, error_response = 3, ping = 4, pong = 5, cancel = 6
};
// The kind byte of a request that carries its deadline (FrameKind::request with timeout_ms > 0).
constexpr std::uint8_t request_with_deadline_kind = 7;

// One frame's fields; which ones apply depends on `kind` (see above). Decoded frames view the body.
struct NativeFrame {
    FrameKind kind = FrameKind::event;
    std::uint64_t id = 0;              // request id, or the nonce of ping/pong
    std::uint64_t timeout_ms = 0;      // request: the time the requester still waits; 0 = no deadline sent
    std::string_view name;             // event and request
    std::string_view data;             // msgpack bytes of the data value; empty = no data
    std::string_view error_code;       // error_response
    std::string_view error_message;    // error_response
};

// Appends header + body to `out`. `frame.data` must be one msgpack value (copied as is).
// Errors leave `out` unchanged: invalid_argument (unknown kind, empty name or error code),
// invalid_utf8 (name, code, message), frame_too_large (body over max_message_size; 0 = no limit
// but the length field's).
std::error_code append_native_frame(const NativeFrame& frame, std::size_t max_message_size, std::string& out,
                                    std::string* detail = nullptr);

// The same frame without its trailing data: appends everything up to the data to `out` and sets
// `tail` to the bytes that complete the frame (frame.data, or empty). The caller writes `tail` right
// after, so large data is copied once, straight to where it goes (the outbox), not via `out`.
std::error_code append_native_frame_head(const NativeFrame& frame, std::size_t max_message_size, std::string& out,
                                         std::string_view& tail, std::string* detail = nullptr);

// Decodes a body (the bytes after the 5-byte header). `out` views `body`; nothing is allocated.
// Errors: invalid_message (not exactly one array of a known shape: unknown kind, wrong arity,
// wrong element type, truncated or invalid msgpack, trailing bytes), invalid_event (empty name),
// invalid_utf8 (name, error code or message).
std::error_code decode_native_body(std::string_view body, NativeFrame& out, std::string* detail = nullptr);
// The same, except that the data (always the last element) is taken to be the rest of the body
// unchecked: for a caller that parses it right away and reports what does not parse
// (PayloadPool::make), so that the data is not walked twice.
std::error_code decode_native_body_unchecked_data(std::string_view body, NativeFrame& out, std::string* detail = nullptr);

// The frame nearly every message is, [0, name, data] or [0, name] with a short ASCII name,
// recognised without the general walk: sets out.kind, out.name and out.data (and nothing else) and
// returns true, or returns false for anything else, which the general decoder then takes. Inline:
// it runs for every received message.
inline bool decode_short_event(std::string_view body, NativeFrame& out) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(body.data());
    if (body.size() < 4 || (p[0] != 0x93 && p[0] != 0x92) || p[1] != 0x00 || (p[2] & 0xE0) != 0xA0) return false;
    const std::size_t name_size = p[2] & 0x1Fu;
    const std::size_t name_end = 3 + name_size;
    if (name_size == 0 || name_end > body.size()) return false;
    // ASCII: no byte with its high bit set, eight bytes at a time.
    std::uint64_t high_bits = 0;
    std::size_t i = 3;
    for (; i + 8 <= name_end; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + i, 8);
        high_bits |= word;
    }
    for (; i < name_end; ++i) high_bits |= p[i];
    if (high_bits & 0x8080808080808080u) return false;
    const bool with_data = p[0] == 0x93;
    if (with_data == (name_end == body.size())) return false;
    out.kind = FrameKind::event;
    out.name = std::string_view(body.data() + 3, name_size);
    if (with_data) out.data = std::string_view(body.data() + name_end, body.size() - name_end);
    return true;
}

// Event names on both wires: non-empty UTF-8, lone surrogates in their 3-byte form accepted
// (JavaScript strings carry them and the JSON wire passes them on). Returns invalid_utf8 or, when
// empty, `empty_error`.
std::error_code check_event_name(std::string_view name, std::error_code empty_error, std::string* detail);

}  // namespace ipcxx::detail
