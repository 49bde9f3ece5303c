// The advanced channel's framing: a uint32 big-endian length, then the V8 bytes.
#include <limits>

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

void V8FrameReader::feed(std::string_view bytes) {
    if (failed_) return;
    // What was consumed goes once it is most of the buffer, so the copy stays linear.
    if (begin_ != 0 && begin_ >= buf_.size() / 2) {
        buf_.erase(0, begin_);
        begin_ = 0;
    }
    buf_.append(bytes);
}

bool V8FrameReader::next(std::string_view& message, std::error_code& ec) {
    if (failed_) {
        ec = failed_;
        return false;
    }
    if (partial_size() < v8_length_size) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + begin_);
    const std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
    if (max_ != 0 && length > max_) {
        failed_ = ec = make_error_code(errc::frame_too_large);
        buf_.clear();
        buf_.shrink_to_fit();
        begin_ = 0;
        return false;
    }
    if (partial_size() - v8_length_size < length) return false;
    message = std::string_view(buf_.data() + begin_ + v8_length_size, length);
    begin_ += v8_length_size + length;
    return true;
}

std::error_code V8FrameReader::finish(std::string* detail) {
    if (failed_ || partial_size() == 0) return failed_;
    if (detail) *detail = "the stream ended " + std::to_string(partial_size()) + " bytes into a message";
    buf_.clear();
    begin_ = 0;
    return make_error_code(errc::partial_message);
}

}  // namespace ipcxx::detail
