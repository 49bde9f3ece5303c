// JSON lines: one JSON value per line, each line ended by '\n' (Node's IPC channel with
// serialization 'json', and JSON-lines tools over stdin/stdout). Without sockets.
//
// Values cross this boundary as msgpack bytes, ipcxx's value model.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include "codec/json_sax.hpp"

namespace ipcxx::detail {

// Appends JSON.stringify(value) + '\n' for one msgpack value: exactly one line, never empty and
// never invalid JSON (a peer like Node dies on either). Errors leave `out` as it was:
// unsupported_value (a msgpack ext), invalid_utf8 (a string), invalid_argument (no value, a
// truncated value, or bytes after it); `detail` (if given) says what was wrong.
std::error_code append_json_line(std::string_view msgpack_value, std::string& out, std::string* detail = nullptr);

// Reassembles lines from arbitrary read boundaries and decodes each to msgpack.
//
// Usage: write up to prepare(n).size bytes at prepare(n).data, commit(k), then next() until it
// returns false; at the end of the stream, finish(). A bad line is reported once and consumed, so
// reading can go on with the next line:
// - a line longer than max_line_size (0 = no limit): frame_too_large as soon as the held part
//   passes the limit; the rest of that line is discarded as it arrives, never buffered;
// - an empty or whitespace-only line: invalid_json;
// - a line that is not one valid JSON value: invalid_json or invalid_utf8.
// error_detail() names the line (counted from 1) and the offset in it. '\r' before the '\n' is
// JSON whitespace, so "\r\n" line ends are read too.
class JsonLineReader {
public:
    // The most memory kept between lines: what a longer line needed is let go once it was read.
    static constexpr std::size_t kept_buffer_size = 4 * 1024 * 1024;

    explicit JsonLineReader(std::size_t max_line_size);

    struct Span {
        char* data;
        std::size_t size;
    };
    Span prepare(std::size_t min_size);
    void commit(std::size_t n);

    // Returns true with `value` (msgpack of the line's value, valid until the next call of next()
    // or prepare()); false when no complete line is held, or (ec set) for a bad line.
    bool next(std::string_view& value, std::error_code& ec);

    // At the end of the stream: partial_message when part of a line is held (it is dropped, with
    // the size named in error_detail()), else no error (also inside an over-long line, which was
    // reported when it passed the limit).
    std::error_code finish();

    const std::string& error_detail() const noexcept { return detail_; }
    std::size_t partial_size() const noexcept { return end_ - begin_; }
    std::size_t lines_read() const noexcept { return line_; }

private:
    void discard_until_newline();

    std::size_t max_line_;
    std::string buf_;
    std::size_t begin_ = 0;  // start of the line not yet taken
    std::size_t end_ = 0;    // end of the received bytes
    std::size_t scan_ = 0;   // where the newline search resumes
    std::size_t line_ = 0;   // lines completed (good or bad), for the error detail
    bool skipping_ = false;  // inside an over-long line: its bytes are dropped until its newline
    JsonSaxParser parser_;
    std::string detail_;
};

}  // namespace ipcxx::detail
