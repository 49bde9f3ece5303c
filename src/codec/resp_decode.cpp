#include "codec/resp_decode.hpp"

#include <cstdio>
#include <limits>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace resp_decode_parts {

// A RESP integer: an optional '-', then 1..19 digits, within long long. Redis never sends '+' or
// leading spaces, so neither is taken.
bool parse_integer(std::string_view text, long long& out) {
    bool negative = false;
    if (!text.empty() && text[0] == '-') {
        negative = true;
        text.remove_prefix(1);
    }
    if (text.empty() || text.size() > 19) return false;
    unsigned long long value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    const auto limit = static_cast<unsigned long long>(std::numeric_limits<long long>::max());
    if (value > limit + (negative ? 1 : 0)) return false;
    out = negative ? static_cast<long long>(0ULL - value) : static_cast<long long>(value);
    return true;
}

std::string describe_byte(unsigned char byte) {
    char text[32];
    if (byte >= 0x20 && byte < 0x7f) {
        std::snprintf(text, sizeof text, "0x%02x ('%c')", byte, byte);
    } else {
        std::snprintf(text, sizeof text, "0x%02x", byte);
    }
    return text;
}

}  // namespace resp_decode_parts

void RespDecoder::feed(std::string_view bytes) {
    // Drop what was read once it is most of the buffer, so that a long stream is not kept whole.
    if (position_ > 0 && position_ >= buffer_.size() / 2) {
        buffer_.erase(0, position_);
        consumed_ += position_;
        position_ = 0;
    }
    buffer_.append(bytes.data(), bytes.size());
}

void RespDecoder::reset() {
    buffer_.clear();
    position_ = 0;
    consumed_ = 0;
    bulk_waiting_ = -1;
    open_.clear();
    error_.clear();
}

bool RespDecoder::fail(std::error_code& ec, std::string& detail, std::string why) {
    error_ = std::move(why);
    ec = make_error_code(errc::redis_protocol_error);
    detail = error_;
    return false;
}

bool RespDecoder::complete(RedisReply&& element, RedisReply& out) {
    RedisReply done = std::move(element);
    while (!open_.empty()) {
        OpenArray& top = open_.back();
        top.reply.elements.push_back(std::move(done));
        if (top.reply.elements.size() < top.expected) return false;
        done = std::move(top.reply);
        open_.pop_back();
    }
    out = std::move(done);
    return true;
}

bool RespDecoder::next(RedisReply& out, std::error_code& ec, std::string& detail) {
    ec.clear();
    if (!error_.empty()) return fail(ec, detail, error_);
    for (;;) {
        const std::uint64_t offset = consumed_ + position_;
        if (bulk_waiting_ >= 0) {
            const auto length = static_cast<std::size_t>(bulk_waiting_);
            if (buffer_.size() - position_ < length + 2) return false;
            if (buffer_[position_ + length] != '\r' || buffer_[position_ + length + 1] != '\n') {
                const std::size_t bad = buffer_[position_ + length] != '\r' ? length : length + 1;
                return fail(ec, detail,
                            "byte " + resp_decode_parts::describe_byte(static_cast<unsigned char>(buffer_[position_ + bad])) +
                                " at offset " + std::to_string(offset + bad) + " where a bulk string of " +
                                std::to_string(length) + " bytes ends with CRLF");
            }
            RedisReply bulk;
            bulk.kind = RedisReply::Kind::bulk;
            bulk.text.assign(buffer_, position_, length);
            position_ += length + 2;
            bulk_waiting_ = -1;
            if (complete(std::move(bulk), out)) return true;
            continue;
        }
        if (position_ == buffer_.size()) return false;
        const char type = buffer_[position_];
        if (type != '+' && type != '-' && type != ':' && type != '$' && type != '*') {
            return fail(ec, detail,
                        "byte " + resp_decode_parts::describe_byte(static_cast<unsigned char>(type)) + " at offset " +
                            std::to_string(offset) + " is not a RESP2 type (+ - : $ *)");
        }
        const std::size_t end = buffer_.find("\r\n", position_ + 1);
        if (end == std::string::npos) {
            if (buffer_.size() - position_ > limits_.max_line) {
                return fail(ec, detail, "a line of more than " + std::to_string(limits_.max_line) +
                                            " bytes at offset " + std::to_string(offset));
            }
            return false;
        }
        if (end - position_ > limits_.max_line) {
            return fail(ec, detail, "a line of more than " + std::to_string(limits_.max_line) +
                                        " bytes at offset " + std::to_string(offset));
        }
        const std::string_view line(buffer_.data() + position_ + 1, end - position_ - 1);
        position_ = end + 2;
        RedisReply element;
        if (type == '+' || type == '-') {
            element.kind = type == '+' ? RedisReply::Kind::status : RedisReply::Kind::error;
            element.text.assign(line.data(), line.size());
            if (complete(std::move(element), out)) return true;
            continue;
        }
        long long value = 0;
        if (!resp_decode_parts::parse_integer(line, value)) {
            return fail(ec, detail, "'" + std::string(1, type) + "' at offset " + std::to_string(offset) +
                                        " is not followed by an integer");
        }
        if (type == ':') {
            element.kind = RedisReply::Kind::integer;
            element.integer = value;
            if (complete(std::move(element), out)) return true;
            continue;
        }
        if (value == -1) {  // a null bulk string or null array
            if (complete(std::move(element), out)) return true;
            continue;
        }
        const std::size_t limit = type == '$' ? limits_.max_bulk : limits_.max_array;
        if (value < 0 || static_cast<unsigned long long>(value) > limit) {
            return fail(ec, detail, std::string(type == '$' ? "bulk length " : "array length ") +
                                        std::to_string(value) + " at offset " + std::to_string(offset) +
                                        " is out of range (-1 to " + std::to_string(limit) + ")");
        }
        if (type == '$') {
            bulk_waiting_ = value;
            continue;
        }
        element.kind = RedisReply::Kind::array;
        if (value == 0) {
            if (complete(std::move(element), out)) return true;
            continue;
        }
        if (open_.size() >= limits_.max_depth) {
            return fail(ec, detail, "arrays nested more than " + std::to_string(limits_.max_depth) +
                                        " deep at offset " + std::to_string(offset));
        }
        // Room for what the first reads bring, not for what a peer claims.
        element.elements.reserve(static_cast<std::size_t>(std::min<long long>(value, 1024)));
        open_.push_back({std::move(element), static_cast<std::size_t>(value)});
    }
}

}  // namespace ipcxx::detail
