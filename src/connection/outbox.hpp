// The outgoing side of one link, without sockets: encoded frames waiting to be written, the batch
// being written, and the accounting that says which messages reached the socket and which did not.
// Thread-safe: producers (emit from any thread) push; the link's writer takes and completes batches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace ipcxx::detail {

class Outbox {
public:
    // What happens to a batch whose write failed: a client keeps it for its next connection
    // (requeue), a server connection reports it undelivered (drop).
    enum class OnFailure { requeue, drop };

    Outbox(std::size_t max_bytes, OnFailure on_failure);

    enum class Push {
        queued,       // accepted; a write is already scheduled or the link is down
        start_write,  // accepted; the caller must start the writer (take_batch)
        full,         // refused: pending bytes would exceed max_bytes; nothing was queued
        closed,       // refused: the outbox was closed
    };
    // Queues one encoded frame (whole messages only). `sequence`, when given, receives the frame's
    // place in push order (1, 2, ...): frames are written in that order, so a frame is on the
    // socket once written_count() has reached its sequence. A `request` frame's loss is reported
    // by its requester (the request's own error), so it never counts as undelivered here.
    Push push(std::string_view frame, std::uint64_t* sequence = nullptr, bool request = false) {
        return push(frame, {}, sequence, request);
    }
    // The same for one frame given in two consecutive pieces (head and tail).
    Push push(std::string_view head, std::string_view tail, std::uint64_t* sequence = nullptr, bool request = false);

    // Writer side. The link starts down; while down, frames accumulate.
    // Returns true when the caller must start the writer.
    bool link_up();

    struct Batch {
        const std::string* bytes = nullptr;  // valid until complete()
        std::size_t messages = 0;
    };
    // Moves everything pending into the in-flight batch. Returns false (and marks the writer idle)
    // when nothing is pending or the link is down.
    bool take_batch(Batch& batch);

    struct Completion {
        std::size_t delivered = 0;    // messages fully written by this batch
        std::size_t undelivered = 0;  // messages lost (drop mode, or close), requests aside: to be reported
        bool drained = false;         // the outbox had refused a push and has room again
    };
    // Reports the end of the in-flight write. `bytes_written` may be short when `failed`.
    // On failure the link goes down; unwritten (including partly written) frames are requeued
    // in order ahead of newer ones, or counted undelivered, per OnFailure.
    Completion complete(std::size_t bytes_written, bool failed);

    // Marks the link down without a write in flight (e.g. read side saw the close).
    void link_down();

    // Closes the outbox: further pushes are refused; returns the number of messages that were
    // queued or in flight (not yet confirmed written), which are discarded; requests not counted.
    std::size_t close();
    // Discards everything queued (not in flight) and returns how many messages that was,
    // requests not counted; the outbox stays open.
    std::size_t discard_pending();

    // Re-encodes every queued frame (not the one in flight) in place, in order, e.g. for a new
    // connection that speaks another wire. A frame `encode` refuses (returns false) is dropped;
    // returns how many were dropped.
    std::size_t rewrite_pending(const std::function<bool(std::string_view frame, std::string& out)>& encode);

    // Frames confirmed written since construction.
    std::uint64_t written_count() const;

    std::size_t pending_bytes() const;
    std::size_t pending_messages() const;  // queued plus in flight
    std::size_t max_bytes() const noexcept { return max_bytes_; }

private:
    // Bytes counted against max_bytes: queued plus in flight (while its messages are accounted).
    std::size_t held_bytes_locked() const;
    // How many request frames were pushed after frame `sequence`.
    std::size_t requests_after_locked(std::uint64_t sequence) const;

    mutable std::mutex mutex_;
    const std::size_t max_bytes_;
    const OnFailure on_failure_;
    std::string pending_;
    std::vector<std::uint32_t> pending_sizes_;
    std::string inflight_;
    std::vector<std::uint32_t> inflight_sizes_;
    std::vector<std::uint64_t> requests_;  // sequences of request frames not known to be written, ascending
    bool up_ = false;
    bool writing_ = false;
    bool closed_ = false;
    bool refused_ = false;
    std::uint64_t pushed_ = 0;
    std::uint64_t written_ = 0;
};

// What a refused push means to the caller of emit: queue_full or not_connected; no error otherwise.
std::error_code push_error(Outbox::Push result) noexcept;

}  // namespace ipcxx::detail
