// Reassembly of JSON-wire and native frames from a byte stream.
#include <algorithm>
#include <cstring>
#include <utility>

#include "codec/frame_reader.hpp"
#include "codec/native_wire.hpp"
#include "codec/read_window.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {

FrameReader::FrameReader(std::string delimiter, std::size_t max_frame_size)
    : delimiter_(std::move(delimiter)), max_frame_(max_frame_size) {}

void FrameReader::release_returned_large() {
    if (!large_.returned) return;
    large_.length = large_.filled = 0;
    large_.returned = false;
    if (large_.buffer.capacity() > large_frame_initial) large_.buffer = ByteBuffer();
}

FrameReader::Span FrameReader::prepare(std::size_t min_size) {
    release_returned_large();
    // Only the rest of a large body: what follows it starts the normal buffer again. Memory grows
    // with what arrives, so a length announced and never sent costs little.
    if (large_.length != 0) {
        if (large_.filled == large_.buffer.capacity()) {
            large_.buffer.grow_to(std::min(large_.length, 2 * large_.filled), large_.filled);
        }
        return {large_.buffer.memory() + large_.filled, std::min(large_.length, large_.buffer.capacity()) - large_.filled};
    }
    // Frames handed out before are released here, so the partial tail can move to the front.
    prepare_read_window(buf_, begin_, end_, scan_, min_size, large_frame_initial);
    return {&buf_[0] + end_, buf_.size() - end_};
}

FrameReader::Span FrameReader::prepare_lent(std::string& lent, std::size_t min_size) {
    release_returned_large();
    const std::size_t held = end_ - begin_;
    if (large_.length != 0 || held > lend_limit) return prepare(min_size);
    if (lent.size() < held + min_size) lent.resize(held + min_size);
    if (held != 0) std::memcpy(&lent[0], buf_.data() + begin_, held);
    scan_ -= begin_;
    end_ = held;
    begin_ = 0;
    buf_.swap(lent);
    lent_ = true;
    return {&buf_[0] + end_, buf_.size() - end_};
}

void FrameReader::return_lent(std::string& lent) {
    const std::size_t held = end_ - begin_;
    if (!lent_) {
        // The reader's own memory held a frame beyond lend_limit, or a large body's start: once
        // nothing is held it goes, rather than wait for a quiet link's trim().
        if (held == 0 && buf_.capacity() > lend_limit) reset_window();
        return;
    }
    lent_ = false;
    buf_.swap(lent);
    buf_.assign(lent.data() + begin_, held);  // in the memory kept from before, when it fits
    scan_ -= begin_;
    end_ = held;
    begin_ = 0;
}

void FrameReader::commit(std::size_t n) {
    if (large_.length != 0 && !large_.returned) large_.filled += n;
    else end_ += n;
}

void FrameReader::start_large(std::size_t length) {
    const std::size_t held = end_ - begin_ - native_header_size;
    char* body = large_.buffer.reset_for(std::min(length, std::max(large_frame_initial, 2 * held)));
    std::memcpy(body, buf_.data() + begin_ + native_header_size, held);
    large_.length = length;
    large_.filled = held;
    begin_ = scan_ = end_;
}

std::string_view FrameReader::take_all() noexcept {
    const std::string_view all(buf_.data() + begin_, end_ - begin_);
    begin_ = scan_ = end_;
    return all;
}

bool FrameReader::next_frame_in_general(Frame& frame, std::error_code& ec) {
    ec.clear();
    if (large_.length != 0 && !large_.returned) {
        if (large_.filled < large_.length) return false;
        large_.returned = true;
        frame = {Frame::Kind::native, std::string_view(large_.buffer.memory(), large_.length)};
        return true;
    }
    if (begin_ == end_) return false;
    if (static_cast<unsigned char>(buf_[begin_]) == native_magic) return next_native(frame, ec);
    return next_json(frame, ec);
}

bool FrameReader::next_native(Frame& frame, std::error_code& ec) {
    const std::size_t held = end_ - begin_;
    if (held < native_header_size) return false;
    const std::size_t length = native_body_length(buf_.data() + begin_);
    // Refused on the header alone, before any of the body is buffered.
    if (length == 0) {
        ec = make_error_code(errc::empty_frame);
        return false;
    }
    if (max_frame_ != 0 && length > max_frame_) {
        ec = make_error_code(errc::frame_too_large);
        return false;
    }
    if (held - native_header_size < length) {
        if (length >= large_frame) start_large(length);
        return false;
    }
    frame = {Frame::Kind::native, std::string_view(buf_.data() + begin_ + native_header_size, length)};
    begin_ = scan_ = begin_ + native_header_size + length;
    return true;
}

bool FrameReader::next_json(Frame& frame, std::error_code& ec) {
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
    frame = {Frame::Kind::json, std::string_view(data + begin_, found - begin_)};
    begin_ = scan_ = found + dlen;
    return true;
}

std::size_t FrameReader::partial_size() const noexcept {
    const bool large_partial = large_.length != 0 && !large_.returned;
    return end_ - begin_ + (large_partial ? native_header_size + large_.filled : 0);
}

std::size_t FrameReader::retained_bytes() const noexcept { return buf_.capacity() + large_.buffer.capacity(); }

void FrameReader::trim() noexcept {
    if (lent_) return;
    if (large_.length == 0 || large_.returned) large_ = {};
    if (begin_ == end_) return reset_window();
    std::string held(buf_.data() + begin_, end_ - begin_);
    buf_.swap(held);
    scan_ -= begin_;
    end_ -= begin_;
    begin_ = 0;
}

void FrameReader::reset_window() noexcept {
    std::string().swap(buf_);
    begin_ = end_ = scan_ = 0;
}

void FrameReader::reset() noexcept {
    // The connection is gone: give its memory back (lent memory goes back at return_lent).
    if (lent_) begin_ = end_ = scan_ = 0;
    else reset_window();
    large_ = {};
}

}  // namespace ipcxx::detail
