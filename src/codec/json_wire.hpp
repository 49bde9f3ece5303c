// node-ipc's JSON text wire: frame encoding and decoding, without sockets.
//
// A frame is the UTF-8 text of JSON.stringify({type, data}) followed by the delimiter.
// Values cross this boundary as msgpack bytes, ipcxx's value model.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace ipcxx::detail {

// Appends to `out` the frame node-ipc 14 would send for emit(event, data):
// byte-identical to JSON.stringify({type: event, data}) + delimiter.
// `msgpack_data` holds exactly one msgpack value; empty means "no data" and is sent as {}
// (what node-ipc 14 sends for undefined).
// On error `out` is left as it was and `detail` (if given) says what was wrong.
std::error_code encode_json_frame(std::string_view event, std::string_view msgpack_data,
                                  std::string_view delimiter, std::string& out,
                                  std::string* detail = nullptr);

// Appends JSON.stringify(value) of one msgpack value to `out`.
std::error_code append_json_value(std::string_view msgpack_value, std::string& out,
                                  std::string* detail = nullptr);

// Converts one JSON text (any value, whitespace around it allowed) to msgpack by the decoder's
// rules: integral numbers within +-2^53 and integer literals that fit 64 bits become ints, lone
// surrogate escapes their 3-byte form. Appends to `out`; on error (invalid_utf8, invalid_json)
// `out` is unchanged and `detail` (if given) says what was wrong.
std::error_code json_to_msgpack(std::string_view json, std::string& out, std::string* detail = nullptr);

// One decoded frame. The views point into the decoder and stay valid until its next decode().
struct DecodedFrame {
    std::string_view type;
    std::string_view data;  // msgpack bytes of one value; empty when the frame had no "data" key
};

// Decodes the text of one frame (delimiter already removed) into an event name and msgpack data,
// without building a DOM. Keeps its parser across calls until release(); not thread-safe.
class JsonFrameDecoder {
public:
    JsonFrameDecoder();
    ~JsonFrameDecoder();
    JsonFrameDecoder(const JsonFrameDecoder&) = delete;
    JsonFrameDecoder& operator=(const JsonFrameDecoder&) = delete;

    std::error_code decode(std::string_view frame, DecodedFrame& out);
    // After a failed decode: what was wrong, for the error event ("invalid JSON at offset 7: ...").
    const std::string& error_detail() const noexcept { return detail_; }
    // Gives the parser back to the thread (its one spare, else it goes); the next decode takes the
    // thread's spare or makes one. Invalidates the views of the last DecodedFrame.
    void release() noexcept;

private:
    struct State;
    State* state_ = nullptr;  // made at the first decode
    std::string detail_;
};

// Frames are reassembled from the byte stream by FrameReader (codec/frame_reader.hpp).

}  // namespace ipcxx::detail
