// The seam for stream kinds other than a plain socket (TLS, an in-memory test stream; a child
// process's pipes or a broker link later). `Stream` forwards to one of these when it holds one; the plain
// socket path does not go through it, so it keeps its direct calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <system_error>
#include <vector>

#include <asio/buffer.hpp>

namespace ipcxx::detail {

class ByteStream {
public:
    // Completion of a read or write: called at most once, never inside the call that started the
    // operation (as Asio's own completion rules).
    using Completion = std::function<void(std::error_code, std::size_t)>;

    virtual ~ByteStream() = default;
    virtual void async_read_some(asio::mutable_buffer buffer, Completion done) = 0;
    // Writes all of `buffers`, or fails with the count written so far.
    virtual void async_write(std::vector<asio::const_buffer> buffers, Completion done) = 0;
    // Writes what the stream takes at once without waiting; 0 when it would block (`ec` clear).
    virtual std::size_t write_now(const std::vector<asio::const_buffer>& buffers, std::error_code& ec) = 0;
    virtual void shutdown_send() = 0;
    // Aborts pending operations (their completions report asio::error::operation_aborted).
    virtual void close() = 0;
    // Bytes written that the peer has not acknowledged, when the kind can tell.
    virtual std::optional<std::uint64_t> unacknowledged_bytes() { return std::nullopt; }
    // For a dead link: stops writing and discards what the peer has not acknowledged (see
    // Stream::abort); returns how many bytes that is, when the kind can tell.
    virtual std::optional<std::uint64_t> abort() {
        const auto unacknowledged = unacknowledged_bytes();
        close();
        return unacknowledged;
    }
};

}  // namespace ipcxx::detail
