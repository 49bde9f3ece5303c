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

namespace ipcxx::detail {

struct Frame {
    enum class Kind { json, native };
    Kind kind = Kind::json;
    std::string_view bytes;  // JSON text without the delimiter, or the native body without the header
};

// Usage: write up to prepare(n).size() bytes at prepare(n).data(), commit(k), then next_frame()
// until it returns false. Frames are returned in order; a frame's view is valid until the next
// prepare().
class FrameReader {
public:
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

    std::size_t partial_size() const noexcept;  // bytes held for a frame not yet complete
    void reset() noexcept;                      // drop everything (after the connection closed)

private:
    bool next_native(Frame& frame, std::error_code& ec);
    bool next_json(Frame& frame, std::error_code& ec);

    std::string delimiter_;
    std::size_t max_frame_;
    std::string buf_;
    std::size_t begin_ = 0;  // start of the unconsumed data
    std::size_t end_ = 0;    // end of the received data
    std::size_t scan_ = 0;   // where the delimiter search resumes
};

}  // namespace ipcxx::detail
