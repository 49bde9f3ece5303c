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

    // Extracts the next complete frame. Returns false when none is complete or on error. Sets `ec`
    // to frame_too_large when a complete or partial frame exceeds max_frame_size (for a native frame,
    // as soon as its header is in), or to empty_frame for a native header with length 0.
    bool next_frame(Frame& frame, std::error_code& ec);

    // Everything received and not yet taken, unframed (raw_buffer mode); valid until the next prepare().
    std::string_view take_all() noexcept;

    // After next_frame returned a large native body: the memory it lies in. Whoever takes it over
    // (by a swap) leaves memory for the next large body in its place.
    bool large_frame_returned() const noexcept { return large_.returned; }
    ByteBuffer& large_frame_buffer() noexcept { return large_.buffer; }

    std::size_t partial_size() const noexcept;  // bytes held for a frame not yet complete
    std::size_t retained_bytes() const noexcept;  // memory kept by both buffers, used or not
    void reset() noexcept;                      // drop everything (after the connection closed)

private:
    bool next_native(Frame& frame, std::error_code& ec);
    // Moves the incomplete native frame at begin_ (header in, `length` body bytes) to large_.
    void start_large(std::size_t length);
    bool next_json(Frame& frame, std::error_code& ec);

    std::string delimiter_;
    std::size_t max_frame_;
    std::string buf_;
    std::size_t begin_ = 0;  // start of the unconsumed data
    std::size_t end_ = 0;    // end of the received data
    std::size_t scan_ = 0;   // where the delimiter search resumes
    struct Large {
        ByteBuffer buffer;
        std::size_t length = 0;  // of the body being read; 0 when none
        std::size_t filled = 0;
        bool returned = false;   // next_frame returned it; it goes at the next prepare()
    } large_;
};

}  // namespace ipcxx::detail
