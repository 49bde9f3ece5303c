// An incremental RESP2 reply decoder: fed the bytes of a connection in chunks of any size, it
// returns each complete reply in order. It keeps the state of a partly read reply (open arrays,
// a bulk string waiting for its bytes), so every byte is looked at once whatever the chunking.
// Bytes that are not RESP2, or a reply past the limits, stop it for good with
// errc::redis_protocol_error and a detail naming the byte and its offset in the stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ipcxx/redis.hpp"

namespace ipcxx::detail {

struct RespLimits {
    std::size_t max_bulk = 512u << 20;    // Redis's own proto-max-bulk-len default
    std::size_t max_array = 1u << 24;     // elements of one array
    std::size_t max_depth = 64;           // arrays nested in arrays
    std::size_t max_line = 64u << 10;     // a status, error or integer line, or a length
};

class RespDecoder {
public:
    explicit RespDecoder(RespLimits limits = {}) : limits_(limits) {}

    void feed(std::string_view bytes);
    // The next complete reply into `out`: true when there was one. False with `ec` set when the
    // stream is not RESP2 (`detail` says why); false with `ec` clear when more bytes are needed.
    bool next(RedisReply& out, std::error_code& ec, std::string& detail);

    // Bytes received and not yet part of a returned reply.
    std::size_t buffered() const noexcept { return buffer_.size() - position_; }
    // Back to the start of a stream (a new connection).
    void reset();

private:
    struct OpenArray {
        RedisReply reply;
        std::size_t expected = 0;
    };
    bool fail(std::error_code& ec, std::string& detail, std::string why);
    // A finished element: into the open array, or out as a whole reply (true).
    bool complete(RedisReply&& element, RedisReply& out);

    RespLimits limits_;
    std::string buffer_;
    std::size_t position_ = 0;       // next unread byte in buffer_
    std::uint64_t consumed_ = 0;     // stream offset of buffer_[0]
    long long bulk_waiting_ = -1;    // length of the bulk string whose bytes are awaited, or -1
    std::vector<OpenArray> open_;
    std::string error_;              // set once the stream failed
};

}  // namespace ipcxx::detail
