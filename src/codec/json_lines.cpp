// JSON lines: line reassembly, decoding to msgpack, and the writer of single lines.
#include <cstring>

#include "codec/json_lines.hpp"
#include "codec/json_wire.hpp"
#include "codec/read_window.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {

std::error_code append_json_line(std::string_view msgpack_value, std::string& out, std::string* detail) {
    if (msgpack_value.empty()) {
        if (detail) *detail = "no value to send (a line holds exactly one JSON value)";
        return make_error_code(errc::invalid_argument);
    }
    // append_json_value writes exactly one complete value or nothing; JSON.stringify's output
    // holds no raw newline (it escapes control characters), so the line cannot be split.
    if (const std::error_code ec = append_json_value(msgpack_value, out, detail)) return ec;
    out.push_back('\n');
    return {};
}

JsonLineReader::JsonLineReader(std::size_t max_line_size) : max_line_(max_line_size) {}

JsonLineReader::Span JsonLineReader::prepare(std::size_t min_size) {
    // Lines handed out before are released here, so the partial tail can move to the front.
    prepare_read_window(buf_, begin_, end_, scan_, min_size, kept_buffer_size);
    return {&buf_[0] + end_, buf_.size() - end_};
}

void JsonLineReader::commit(std::size_t n) {
    end_ += n;
    if (skipping_) discard_until_newline();
}

void JsonLineReader::discard_until_newline() {
    const char* base = buf_.data();
    const void* nl = std::memchr(base + begin_, '\n', end_ - begin_);
    if (!nl) {
        begin_ = end_ = scan_ = 0;
        return;
    }
    const auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
    begin_ = scan_ = at + 1;
    skipping_ = false;
}

bool JsonLineReader::next(std::string_view& value, std::error_code& ec) {
    ec.clear();
    if (skipping_) return false;
    const char* base = buf_.data();
    const void* nl = std::memchr(base + scan_, '\n', end_ - scan_);
    if (!nl) {
        scan_ = end_;
        if (max_line_ != 0 && end_ - begin_ > max_line_) {
            ++line_;
            detail_ = "line " + std::to_string(line_) + " is longer than max_message_size (" +
                      std::to_string(max_line_) + " bytes); the rest of it is skipped";
            skipping_ = true;
            discard_until_newline();
            ec = make_error_code(errc::frame_too_large);
        }
        return false;
    }
    const auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
    const std::string_view line(base + begin_, at - begin_);
    begin_ = scan_ = at + 1;
    ++line_;
    const auto prefix = [&] { return "line " + std::to_string(line_) + ": "; };
    if (max_line_ != 0 && line.size() > max_line_) {
        detail_ = prefix() + std::to_string(line.size()) + " bytes, longer than max_message_size (" +
                  std::to_string(max_line_) + " bytes)";
        ec = make_error_code(errc::frame_too_large);
        return false;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
        detail_ = prefix() + (line.empty() ? "empty line" : "whitespace-only line") + " (no JSON value)";
        ec = make_error_code(errc::invalid_json);
        return false;
    }
    std::string why;
    if ((ec = parser_.parse(line, false, why))) {
        detail_ = prefix() + why;
        return false;
    }
    value = parser_.handler.buf;
    return true;
}

std::error_code JsonLineReader::finish() {
    if (skipping_) {  // that line was reported (frame_too_large) when it passed the limit
        skipping_ = false;
        begin_ = end_ = scan_ = 0;
        return {};
    }
    if (begin_ == end_) return {};
    detail_ = "the stream ended inside line " + std::to_string(line_ + 1) + " (" + std::to_string(end_ - begin_) +
              " bytes without a newline, dropped)";
    begin_ = end_ = scan_ = 0;
    return make_error_code(errc::partial_message);
}

}  // namespace ipcxx::detail
