// The codec layer (both wires, no sockets): where it sits among the layers and its threading are in docs/ARCHITECTURE.md.
// Native frames: encoding straight into the output buffer, decoding as views into the body.
#include "codec/native_wire.hpp"

#include <cstring>

#include "codec/msgpack_raw.hpp"
#include "codec/utf8.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace {

using Status = MsgpackCursor::Status;

const char* const kind_names[] = {"event", "request", "response", "error response", "ping", "pong", "cancel",
                                  "request with a deadline"};

// Offset of the first byte that is not UTF-8 (lone surrogates allowed), or text.size().
std::size_t find_invalid_wtf8(std::string_view text) noexcept {
    const auto* const begin = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = begin + text.size();
    const auto* p = begin;
    while (p < end) {
        if (*p < 0x80) {
            ++p;
            continue;
        }
        const std::size_t n = utf8_sequence_length(p, end, true);
        if (n == 0) break;
        p += n;
    }
    return static_cast<std::size_t>(p - begin);
}

std::error_code fail(errc e, std::string* detail, const std::string& what) {
    if (detail) *detail = what;
    return make_error_code(e);
}

std::error_code check_text(std::string_view text, const char* what, std::string* detail) {
    const std::size_t bad = find_invalid_wtf8(text);
    if (bad == text.size()) return {};
    return fail(errc::invalid_utf8, detail, std::string("invalid UTF-8 in the ") + what + " at byte " +
                                                std::to_string(bad));
}

// Element counts a kind allows: [min, max].
struct Arity { std::uint64_t min, max; };
constexpr Arity arities[] = {{2, 3}, {3, 4}, {2, 3}, {4, 4}, {2, 2}, {2, 2}, {2, 2}, {4, 5}};

class BodyDecoder {
public:
    BodyDecoder(std::string_view body, NativeFrame& out, std::string* detail, bool check_data)
        : cursor_(body), body_(body), out_(out), detail_(detail), check_data_(check_data) {}

    std::error_code decode() {
        out_ = NativeFrame{};
        std::uint64_t count = 0;
        if (!check(cursor_.read_array_header(count), "the body is not a msgpack array")) return ec_;
        if (count == 0) return invalid("the body is an empty array");
        std::uint64_t kind = 0;
        if (!check(cursor_.read_uint(kind), "the frame kind is not a non-negative integer")) return ec_;
        if (kind > request_with_deadline_kind) return invalid("unknown frame kind " + std::to_string(kind));
        const bool with_deadline = kind == request_with_deadline_kind;
        out_.kind = with_deadline ? FrameKind::request : static_cast<FrameKind>(kind);
        const Arity arity = arities[kind];
        if (count < arity.min || count > arity.max) {
            return invalid(std::string("a ") + kind_names[kind] + " frame has " + std::to_string(arity.min) +
                           (arity.min == arity.max ? "" : " or " + std::to_string(arity.max)) +
                           " elements, this one " + std::to_string(count));
        }
        const bool with_data = count == arity.max;
        switch (out_.kind) {
            case FrameKind::event:
                if (!name() || (with_data && !data())) return ec_;
                break;
            case FrameKind::request:
                if (!id("request id")) return ec_;
                if (with_deadline && !timeout()) return ec_;
                if (!name() || (with_data && !data())) return ec_;
                break;
            case FrameKind::response:
                if (!id("request id") || (with_data && !data())) return ec_;
                break;
            case FrameKind::error_response:
                if (!id("request id") || !error_fields()) return ec_;
                break;
            case FrameKind::ping:
            case FrameKind::pong:
                if (!id("nonce")) return ec_;
                break;
            case FrameKind::cancel:
                if (!id("request id")) return ec_;
                break;
        }
        if (!cursor_.at_end()) return invalid("trailing bytes after the frame's array");
        return ec_;
    }

private:
    std::error_code invalid(const std::string& what) {
        ec_ = fail(errc::invalid_message, detail_, "invalid native frame: " + what);
        return ec_;
    }

    // Turns a cursor status into the error naming what was expected.
    bool check(Status s, const char* wrong_type) {
        if (s == Status::ok) return true;
        const std::string at = " at body offset " + std::to_string(cursor_.offset());
        if (s == Status::wrong_type) invalid(wrong_type + at);
        else if (s == Status::truncated) invalid("truncated msgpack" + at);
        else invalid("invalid msgpack type byte 0xc1" + at);
        return false;
    }

    bool id(const char* what) {
        return check(cursor_.read_uint(out_.id), (std::string("the ") + what + " is not a non-negative integer").c_str());
    }

    bool timeout() {
        if (!check(cursor_.read_uint(out_.timeout_ms), "the request's timeout is not a non-negative integer")) return false;
        if (out_.timeout_ms > 0) return true;
        invalid("a request's timeout must be at least 1 ms");
        return false;
    }

    bool name() {
        if (!check(cursor_.read_str(out_.name), "the event name is not a string")) return false;
        ec_ = check_event_name(out_.name, make_error_code(errc::invalid_event), detail_);
        return !ec_;
    }

    bool data() {
        if (check_data_) return check(cursor_.skip_value(out_.data), "the data is not msgpack");
        if (cursor_.at_end()) return check(Status::truncated, "the data is not msgpack");
        out_.data = body_.substr(cursor_.offset());
        cursor_ = MsgpackCursor(std::string_view());
        return true;
    }

    bool error_fields() {
        if (!check(cursor_.read_str(out_.error_code), "the error code is not a string")) return false;
        if (out_.error_code.empty()) {
            invalid("the error code is empty");
            return false;
        }
        if (!check(cursor_.read_str(out_.error_message), "the error message is not a string")) return false;
        ec_ = check_text(out_.error_code, "error code", detail_);
        if (!ec_) ec_ = check_text(out_.error_message, "error message", detail_);
        return !ec_;
    }

    MsgpackCursor cursor_;
    std::string_view body_;
    NativeFrame& out_;
    std::string* detail_;
    bool check_data_;
    std::error_code ec_;
};

}  // namespace

std::error_code check_event_name(std::string_view name, std::error_code empty_error, std::string* detail) {
    if (name.empty()) {
        if (detail) *detail = "the event name is empty";
        return empty_error;
    }
    // Event names are nearly always short ASCII, checked on every message sent and received.
    unsigned char high_bits = 0;
    for (const char c : name) high_bits |= static_cast<unsigned char>(c);
    if ((high_bits & 0x80) == 0) return {};
    return check_text(name, "event name", detail);
}

namespace {

// Big-endian writers into storage already sized (the frame's size is computed before anything is
// written, so the frame is laid out with one resize instead of a capacity check per byte).
char* put_be(char* p, std::uint64_t value, int bytes) noexcept {
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) *p++ = static_cast<char>((value >> shift) & 0xFF);
    return p;
}

char* put_uint(char* p, std::uint64_t value) noexcept {
    if (value <= 0x7F) {
        *p++ = static_cast<char>(value);
        return p;
    }
    if (value <= 0xFF) {
        *p++ = static_cast<char>(0xCC);
        return put_be(p, value, 1);
    }
    if (value <= 0xFFFF) {
        *p++ = static_cast<char>(0xCD);
        return put_be(p, value, 2);
    }
    if (value <= 0xFFFFFFFF) {
        *p++ = static_cast<char>(0xCE);
        return put_be(p, value, 4);
    }
    *p++ = static_cast<char>(0xCF);
    return put_be(p, value, 8);
}

char* put_str(char* p, std::string_view value) noexcept {
    const std::size_t n = value.size();
    if (n <= 31) {
        *p++ = static_cast<char>(0xA0 | n);
    } else if (n <= 0xFF) {
        *p++ = static_cast<char>(0xD9);
        p = put_be(p, n, 1);
    } else if (n <= 0xFFFF) {
        *p++ = static_cast<char>(0xDA);
        p = put_be(p, n, 2);
    } else {
        *p++ = static_cast<char>(0xDB);
        p = put_be(p, n, 4);
    }
    if (n != 0) std::memcpy(p, value.data(), n);
    return p + n;
}

char* put_array_header(char* p, std::uint32_t count) noexcept {
    if (count <= 15) {
        *p++ = static_cast<char>(0x90 | count);
        return p;
    }
    if (count <= 0xFFFF) {
        *p++ = static_cast<char>(0xDC);
        return put_be(p, count, 2);
    }
    *p++ = static_cast<char>(0xDD);
    return put_be(p, count, 4);
}

}  // namespace

std::error_code append_native_frame_head(const NativeFrame& frame, std::size_t max_message_size, std::string& out,
                                         std::string_view& tail, std::string* detail) {
    tail = {};
    const auto kind = static_cast<std::size_t>(frame.kind);
    if (kind > static_cast<std::size_t>(FrameKind::cancel)) {
        return fail(errc::invalid_argument, detail, "unknown frame kind " + std::to_string(kind));
    }
    const bool has_id = frame.kind != FrameKind::event;
    const bool has_timeout = frame.kind == FrameKind::request && frame.timeout_ms > 0;
    const bool has_name = frame.kind == FrameKind::event || frame.kind == FrameKind::request;
    const bool is_error = frame.kind == FrameKind::error_response;
    const bool has_data = !frame.data.empty() && (has_name || frame.kind == FrameKind::response);
    if (has_name) {
        if (auto ec = check_event_name(frame.name, make_error_code(errc::invalid_argument), detail)) return ec;
    }
    if (is_error) {
        if (frame.error_code.empty()) return fail(errc::invalid_argument, detail, "the error code is empty");
        if (auto ec = check_text(frame.error_code, "error code", detail)) return ec;
        if (auto ec = check_text(frame.error_message, "error message", detail)) return ec;
    }

    // The size first, so that nothing is written when the frame is refused.
    const auto count = static_cast<std::uint32_t>(1 + has_id + has_timeout + has_name + has_data + 2 * is_error);
    std::uint64_t size = msgpack_container_header_size(count) + 1;
    if (has_id) size += msgpack_uint_size(frame.id);
    if (has_timeout) size += msgpack_uint_size(frame.timeout_ms);
    if (has_name) size += msgpack_str_size(frame.name.size());
    if (has_data) size += frame.data.size();
    if (is_error) size += msgpack_str_size(frame.error_code.size()) + msgpack_str_size(frame.error_message.size());
    const std::uint64_t limit = max_message_size == 0 || max_message_size > native_max_body ? native_max_body
                                                                                             : max_message_size;
    if (size > limit) {
        return fail(errc::frame_too_large, detail,
                    std::string(kind_names[kind]) + " frame body is " + std::to_string(size) +
                        " bytes, over max_message_size " + std::to_string(limit));
    }

    // The data, when present, is always the last element: it is left to the caller as `tail`.
    const std::size_t data_size = has_data ? frame.data.size() : 0;
    const std::size_t old = out.size();
    out.resize(old + native_header_size + size - data_size);
    char* p = &out[old];
    *p = static_cast<char>(native_magic);
    set_native_body_length(p, static_cast<std::uint32_t>(size));
    p += native_header_size;
    p = put_array_header(p, count);
    *p++ = static_cast<char>(has_timeout ? request_with_deadline_kind : kind);
    if (has_id) p = put_uint(p, frame.id);
    if (has_timeout) p = put_uint(p, frame.timeout_ms);
    if (has_name) p = put_str(p, frame.name);
    if (is_error) {
        p = put_str(p, frame.error_code);
        p = put_str(p, frame.error_message);
    }
    if (has_data) tail = frame.data;
    return {};
}

std::error_code append_native_frame(const NativeFrame& frame, std::size_t max_message_size, std::string& out,
                                    std::string* detail) {
    std::string_view tail;
    if (auto ec = append_native_frame_head(frame, max_message_size, out, tail, detail)) return ec;
    out.append(tail.data(), tail.size());
    return {};
}

std::error_code decode_native_body(std::string_view body, NativeFrame& out, std::string* detail) {
    return BodyDecoder(body, out, detail, true).decode();
}

std::error_code decode_native_body_unchecked_data(std::string_view body, NativeFrame& out, std::string* detail) {
    out = NativeFrame{};
    if (decode_short_event(body, out)) return {};
    return BodyDecoder(body, out, detail, false).decode();
}

}  // namespace ipcxx::detail
