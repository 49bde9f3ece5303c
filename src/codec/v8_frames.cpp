// The advanced channel's framing: a uint32 big-endian length, then the V8 bytes.
#include <algorithm>
#include <cstring>
#include <limits>

#include "codec/read_window.hpp"
#include "codec/v8_wire.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {

std::error_code append_v8_frame(std::string_view msgpack_value, std::size_t max_message_size, std::string& out,
                                std::string* detail) {
    const std::size_t start = out.size();
    out.append(v8_length_size, '\0');
    if (const std::error_code ec = msgpack_to_v8(msgpack_value, out, detail)) {
        out.resize(start);
        return ec;
    }
    const std::size_t length = out.size() - start - v8_length_size;
    const std::size_t limit = max_message_size != 0 ? max_message_size : std::numeric_limits<std::uint32_t>::max();
    if (length > limit || length > std::numeric_limits<std::uint32_t>::max()) {
        out.resize(start);
        if (detail) *detail = "a message of " + std::to_string(length) + " bytes, over the limit of " + std::to_string(limit);
        return make_error_code(errc::frame_too_large);
    }
    for (std::size_t i = 0; i < v8_length_size; ++i) out[start + i] = static_cast<char>(length >> (24 - 8 * i));
    return {};
}

V8FrameReader::Span V8FrameReader::prepare(std::size_t min_size) {
    std::size_t scan = begin_;  // no delimiter to search for
    prepare_read_window(buf_, begin_, end_, scan, min_size, kept_buffer_size);
    return {&buf_[end_], buf_.size() - end_};
}

void V8FrameReader::commit(std::size_t n) {
    end_ += n;
    drop_skipped();
}

void V8FrameReader::feed(std::string_view bytes) {
    const Span span = prepare(bytes.size());
    if (!bytes.empty()) std::memcpy(span.data, bytes.data(), bytes.size());
    commit(bytes.size());
}

// While an over-long message is discarded nothing else is held, so its bytes are at begin_.
void V8FrameReader::drop_skipped() {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(skipping_, end_ - begin_));
    begin_ += n;
    skipping_ -= n;
}

bool V8FrameReader::next(std::string_view& value, std::error_code& ec) {
    if (skipping_ != 0 || partial_size() < v8_length_size) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + begin_);
    const std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
    if (max_ != 0 && length > max_) {
        ++message_;
        detail_ = "message " + std::to_string(message_) + " of " + std::to_string(length) +
                  " bytes, over max_message_size " + std::to_string(max_);
        begin_ += v8_length_size;
        skipping_ = length;
        drop_skipped();
        ec = make_error_code(errc::frame_too_large);
        return false;
    }
    if (partial_size() - v8_length_size < length) return false;
    const std::string_view message(buf_.data() + begin_ + v8_length_size, length);
    begin_ += v8_length_size + length;
    ++message_;
    value_.clear();
    if (const std::error_code bad = v8_to_msgpack(message, value_, &detail_, limits_)) {
        detail_ = "message " + std::to_string(message_) + ": " + detail_;
        ec = bad;
        return false;
    }
    value = value_;
    return true;
}

std::error_code V8FrameReader::finish() {
    if (skipping_ != 0 || partial_size() == 0) return {};
    detail_ = "the stream ended " + std::to_string(partial_size()) + " bytes into message " + std::to_string(message_ + 1);
    begin_ = end_ = 0;
    return make_error_code(errc::partial_message);
}

}  // namespace ipcxx::detail
