// Where each frame written on one TCP link ends in the link's byte stream, kept until the peer's
// TCP has acknowledged it. When heartbeats find the link dead, the frames it never acknowledged
// are the ones lost with it, to be reported rather than counted as delivered.
// Not thread-safe: the outbox calls it under its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ipcxx::detail {

class AckTracker {
public:
    // A new link: nothing written on it yet.
    void reset();
    // A frame written whole, after those before it; a request is reported by its own error instead.
    void written(std::uint32_t size, bool request);
    // Bytes written that are no whole frame of the outbox: protocol frames (pings, pongs), or part
    // of a frame that goes out again whole on the next link.
    void written_other(std::size_t bytes) { bytes_ += bytes; }
    // `unacknowledged`: the written bytes the peer has not acknowledged (the socket's output queue).
    // Forgets the frames acknowledged whole.
    void acknowledged(std::uint64_t unacknowledged);
    // Frames, requests aside, not acknowledged whole.
    std::size_t unacknowledged_messages(std::uint64_t unacknowledged) const;
    std::size_t tracked() const noexcept { return ends_.size() - first_; }

private:
    static constexpr std::uint64_t request_bit = std::uint64_t{1} << 63;

    std::uint64_t bytes_ = 0;           // written on this link
    std::vector<std::uint64_t> ends_;   // each frame's end offset, ascending; request_bit marks requests
    std::size_t first_ = 0;             // ends_ before it are acknowledged (erased in bulk, not one by one)
};

}  // namespace ipcxx::detail
