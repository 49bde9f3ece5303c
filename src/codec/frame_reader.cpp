// Delimiter-based reassembly of frames from a byte stream.
#include <algorithm>
#include <cstring>
#include <utility>

#include "codec/json_wire.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {

DelimitedFrameReader::DelimitedFrameReader(std::string delimiter, std::size_t max_frame_size)
    : delimiter_(std::move(delimiter)), max_frame_(max_frame_size) {}

DelimitedFrameReader::Span DelimitedFrameReader::prepare(std::size_t min_size) {
    // Frames handed out before are released here, so the partial tail can move to the front.
    if (begin_ == end_) {
        begin_ = end_ = scan_ = 0;
    } else if (begin_ > 0) {
        std::memmove(&buf_[0], &buf_[begin_], end_ - begin_);
        end_ -= begin_;
        scan_ -= begin_;
        begin_ = 0;
    }
    if (buf_.size() - end_ < min_size) buf_.resize(std::max(end_ + min_size, buf_.size() * 2));
    return {&buf_[0] + end_, buf_.size() - end_};
}

void DelimitedFrameReader::commit(std::size_t n) { end_ += n; }

bool DelimitedFrameReader::next_frame(std::string_view& frame, std::error_code& ec) {
    ec.clear();
    const std::size_t dlen = delimiter_.size();
    const char* const data = buf_.data();
    std::size_t found = std::string_view::npos;
    if (dlen == 1) {
        if (const void* p = std::memchr(data + scan_, delimiter_[0], end_ - scan_)) {
            found = static_cast<std::size_t>(static_cast<const char*>(p) - data);
        }
    } else {
        const std::size_t at = std::string_view(data + scan_, end_ - scan_).find(delimiter_);
        if (at != std::string_view::npos) found = scan_ + at;
    }
    if (found == std::string_view::npos) {
        // A delimiter may straddle this read and the next: rescan only its possible start.
        const std::size_t held = end_ - begin_;
        scan_ = held >= dlen ? end_ - (dlen - 1) : begin_;
        // The frame is at least held - (dlen - 1) bytes long (its tail may start the delimiter).
        if (max_frame_ != 0 && held > max_frame_ + dlen - 1) ec = make_error_code(errc::frame_too_large);
        return false;
    }
    if (max_frame_ != 0 && found - begin_ > max_frame_) {
        ec = make_error_code(errc::frame_too_large);
        return false;
    }
    frame = std::string_view(data + begin_, found - begin_);
    begin_ = scan_ = found + dlen;
    return true;
}

std::size_t DelimitedFrameReader::partial_size() const noexcept { return end_ - begin_; }

void DelimitedFrameReader::reset() noexcept {
    std::string().swap(buf_);  // the connection is gone: give its memory back
    begin_ = end_ = scan_ = 0;
}

}  // namespace ipcxx::detail
