// Reassembles the frames of both wires from arbitrary read boundaries.
//
// At each frame boundary the first byte says the kind: native_magic (0xC1, which JSON text never
// starts with) begins a length-prefixed native frame, anything else a delimiter-terminated JSON
// frame. So a peer may switch from JSON to native frames at any boundary without a pause.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include "codec/byte_buffer.hpp"
#include "codec/native_wire.hpp"

namespace ipcxx::detail {

struct Frame {
    enum class Kind { json, native };
    Kind kind = Kind::json;
    std::string_view bytes;  // JSON text without the delimiter, or the native body without the header
};

// Usage: write up to prepare(n).size() bytes at prepare(n).data(), commit(k), then next_frame()
// until it returns false. Frames are returned in order; a frame's view is valid until the next
// prepare().
//
// A native body of large_frame bytes or more is read into memory of its own, exactly to its end,
// and that memory can be taken over (large_frame_buffer). Up to large_frame_initial bytes no copy
// of it is made on the way; beyond, the memory doubles as bytes arrive, copying what it holds.
//
// Memory kept between frames is bounded by large_frame_initial per buffer: what a larger frame
// needed is let go once it has been handed out, so a connection that once carried one huge message
// does not hold its size for the rest of its life.
class FrameReader {
public:
    static constexpr std::size_t large_frame = 64 * 1024;
    // Memory given to a large body before its bytes arrive (address space: its pages are touched
    // only as bytes arrive); also the most either buffer keeps between frames.
    static constexpr std::size_t large_frame_initial = 4 * 1024 * 1024;

    // max_frame_size bounds JSON text and native bodies alike; 0 = no limit.
    FrameReader(std::string delimiter, std::size_t max_frame_size);

    struct Span { char* data; std::size_t size; };
    Span prepare(std::size_t min_size);
    void commit(std::size_t n);

    // Reading through memory the caller lends (one buffer per thread), so that a reader keeps no
    // read buffer between reads: prepare_lent() moves the bytes held for a partial frame to the
    // front of `lent` and offers the space after them; after the frames are taken, return_lent()
    // gives that memory back and copies the bytes still unconsumed into the reader's own memory
    // (its capacity reused, so a busy reader does not allocate; trim() lets it go). A partial frame
    // beyond lend_limit bytes, or a large body, is read into the reader's own memory instead, as
    // prepare() does, since moving it at every read would copy it again and again; that memory
    // goes once nothing is held. Frame views are valid until return_lent(). `lent` may serve
    // another reader in between (each call swaps memory, never shares it), so a nested read on the
    // same thread is safe.
    static constexpr std::size_t lend_limit = 16 * 1024;
    Span prepare_lent(std::string& lent, std::size_t min_size);
    void return_lent(std::string& lent);

    // Extracts the next complete frame. Returns false when none is complete or on error. Sets `ec`
    // to frame_too_large when a complete or partial frame exceeds max_frame_size (for a native frame,
    // as soon as its header is in), or to empty_frame for a native header with length 0.
    bool next_frame(Frame& frame, std::error_code& ec) {
        // Inline for a native frame wholly in the window, the frame nearly every read is made of.
        const std::size_t held = end_ - begin_;
        if (large_.length == 0 && held > native_header_size &&
            static_cast<unsigned char>(buf_[begin_]) == native_magic) {
            const std::size_t length = native_body_length(buf_.data() + begin_);
            if (length != 0 && length <= held - native_header_size && (max_frame_ == 0 || length <= max_frame_)) {
                if (ec) ec.clear();
                frame = {Frame::Kind::native, std::string_view(buf_.data() + begin_ + native_header_size, length)};
                begin_ = scan_ = begin_ + native_header_size + length;
                return true;
            }
        }
        return next_frame_in_general(frame, ec);
    }

    // Everything received and not yet taken, unframed (raw_buffer mode); valid until the next prepare().
    std::string_view take_all() noexcept;

    // After next_frame returned a large native body: the memory it lies in. Whoever takes it over
    // (by a swap) leaves memory for the next large body in its place.
    bool large_frame_returned() const noexcept { return large_.returned; }
    ByteBuffer& large_frame_buffer() noexcept { return large_.buffer; }

    std::size_t partial_size() const noexcept;  // bytes held for a frame not yet complete
    std::size_t retained_bytes() const noexcept;  // memory kept by both buffers, used or not
    void reset() noexcept;                      // drop everything (after the connection closed)
    // Between reads (never while a read is in flight into the reader's memory), on a link quiet
    // for a while: keeps only the bytes held, in memory sized to them, and lets the large-body
    // memory go unless a large body is being read (both are kept while busy, so that a stream of
    // frames does not allocate afresh).
    void trim() noexcept;

private:
    bool next_frame_in_general(Frame& frame, std::error_code& ec);
    // A large body handed out at the last next_frame goes; memory beyond large_frame_initial with it.
    void release_returned_large();
    bool next_native(Frame& frame, std::error_code& ec);
    // Moves the incomplete native frame at begin_ (header in, `length` body bytes) to large_.
    void start_large(std::size_t length);
    void reset_window() noexcept;  // nothing held: the window's memory goes
    bool next_json(Frame& frame, std::error_code& ec);

    std::string delimiter_;
    std::size_t max_frame_;
    std::string buf_;
    std::size_t begin_ = 0;  // start of the unconsumed data
    std::size_t end_ = 0;    // end of the received data
    std::size_t scan_ = 0;   // where the delimiter search resumes
    bool lent_ = false;      // buf_ is memory lent by prepare_lent's caller
    struct Large {
        ByteBuffer buffer;
        std::size_t length = 0;  // of the body being read; 0 when none
        std::size_t filled = 0;
        bool returned = false;   // next_frame returned it; it goes at the next prepare()
    } large_;
};

}  // namespace ipcxx::detail
