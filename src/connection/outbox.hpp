// The outgoing side of one link, without sockets: encoded frames waiting to be written, the batch
// being written, and the accounting that says which messages reached the socket and which did not.
// Thread-safe: producers (emit from any thread) push; the link's writer takes and completes batches.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "connection/ack_tracker.hpp"
#include "runtime/short_lock.hpp"

namespace ipcxx::detail {

class Outbox {
public:
    // What happens to a batch whose write failed: a client keeps it for its next connection
    // (requeue), a server connection reports it undelivered (drop).
    enum class OnFailure { requeue, drop };

    Outbox(std::size_t max_bytes, OnFailure on_failure);

    // A frame's tail at least this long is queued by reference when its owner is given (see push):
    // copying a large message costs as much as the kernel's own copy, so the outbox holds the
    // owner's buffer until the write has taken the bytes.
    static constexpr std::size_t share_threshold = 64 * 1024;
    // A batch stops after this many shared bytes, so that large messages are confirmed written
    // (and their room given back) one by one rather than all at the end of one long write.
    static constexpr std::size_t batch_shared_bytes = 1024 * 1024;
    // How long a lent piece (see push) may wait for the socket before it is copied: its lender
    // waits meanwhile. A peer that reads at all takes a megabyte far sooner.
    static constexpr std::chrono::milliseconds lent_wait{2};

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
    Push push(std::string_view frame, std::uint64_t* sequence = nullptr, bool request = false);
    // The same for one frame given in two consecutive pieces (head and tail). With `tail_owner`
    // (something that keeps `tail`'s bytes alive and unchanged), a tail of share_threshold bytes
    // or more is held by reference rather than copied. `lent`: the owner only lends the bytes
    // while it waits for them to be written; copy_lent() and copy_lent_in_flight() end the loan.
    Push push(std::string_view head, std::string_view tail, std::uint64_t* sequence = nullptr, bool request = false,
              std::shared_ptr<const void> tail_owner = {}, bool lent = false);
    // The lender's piece, if it is still queued (not in flight), becomes a copy of its own, so
    // that the lender is let go. False when it was not found queued. `only_if_down`: only while
    // the link is down (no write will take it soon).
    bool copy_lent(const void* lender, bool only_if_down = false);

    // push() for a subscriber whose policy drops the oldest messages: when `frame` does not fit,
    // whole queued frames not yet being written are discarded, oldest first, until it does; a
    // request frame is never discarded and stops the discarding. `evicted` receives how many were
    // discarded (they are not undelivered: the policy dropped them). Full, discarding nothing,
    // when even that would not make room.
    Push push_evicting(std::string_view frame, std::size_t& evicted);

    // Writer side. The link starts down; while down, frames accumulate.
    // Returns true when the caller must start the writer.
    bool link_up();

    // Bytes held by reference, spliced into a batch's copied bytes just before bytes[at].
    struct SharedPiece {
        std::size_t at = 0;
        std::string_view bytes;
        std::shared_ptr<const void> owner;
        bool lent = false;
    };
    struct Batch {
        const std::string* bytes = nullptr;               // valid until complete()
        const std::vector<SharedPiece>* shared = nullptr;  // ascending `at`; valid until complete()
        std::size_t messages = 0;
        std::size_t size = 0;  // bytes to write: the copied ones and the shared ones
        bool lent = false;     // some piece is lent: its lender waits for the write

        // Calls f(std::string_view) for each piece to write, in order.
        template <class F>
        void for_each_piece(F&& f) const {
            std::size_t from = 0;
            for (const SharedPiece& piece : *shared) {
                if (piece.at > from) f(std::string_view(*bytes).substr(from, piece.at - from));
                f(piece.bytes);
                from = piece.at;
            }
            if (from < bytes->size()) f(std::string_view(*bytes).substr(from));
        }
    };
    // Moves everything pending into the in-flight batch. Returns false (and marks the writer idle)
    // when nothing is pending or the link is down.
    bool take_batch(Batch& batch);
    // The writer, about to leave the batch in flight to the I/O loop: its lent pieces become
    // copies (same bytes, so the batch's offsets hold) and their lenders are let go.
    void copy_lent_in_flight();

    struct Completion {
        std::size_t delivered = 0;    // messages fully written by this batch
        std::size_t undelivered = 0;  // messages lost (drop mode, or close), requests aside: to be reported
        bool drained = false;         // the outbox had refused a push and has room again
        std::size_t tracked = 0;      // frames tracked until acknowledged (track_acknowledgements)
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
    // Opens a closed outbox again (a client that connects again after giving up), with nothing
    // queued and its accounting afresh: frames pushed from now on are numbered after every frame
    // close() discarded, as if those had been written. No effect on an open outbox.
    void reopen();
    // Discards everything queued (not in flight) and returns how many messages that was,
    // requests not counted; the outbox stays open.
    std::size_t discard_pending();

    // Re-encodes every queued frame (not the one in flight) in place, in order, e.g. for a new
    // connection that speaks another wire. A frame `encode` refuses (returns false) is dropped;
    // returns how many were dropped.
    std::size_t rewrite_pending(const std::function<bool(std::string_view frame, std::string& out)>& encode);

    // Plain TCP links with heartbeats: from now on, and afresh, track each written frame until the
    // peer acknowledges it (AckTracker); `on` false stops.
    void track_acknowledgements(bool on);
    // Bytes the link took that are not the outbox's frames (protocol frames), for the tracking.
    void written_other(std::size_t bytes);
    // Forgets the frames acknowledged whole, given how many written bytes the peer has not
    // acknowledged; returns how many frames are still tracked.
    std::size_t acknowledged(std::uint64_t unacknowledged_bytes);
    // The link died: the messages (requests aside) not acknowledged whole, to be reported
    // undelivered. Stops tracking.
    std::size_t take_unacknowledged(std::uint64_t unacknowledged_bytes);

    // Frames confirmed written since construction.
    std::uint64_t written_count() const;

    // Nothing queued nor being written: the queues give their capacity back (a link quiet for a
    // while; busy, they keep it, so that the steady state allocates nothing).
    void release_memory();

    std::size_t pending_bytes() const;
    std::size_t pending_messages() const;  // queued plus in flight
    std::size_t max_bytes() const noexcept { return max_bytes_; }

private:
    // Frames in order: their copied bytes with the shared pieces spliced in.
    struct Queue {
        std::string bytes;
        std::vector<std::uint32_t> sizes;
        std::vector<SharedPiece> shared;
        std::size_t shared_bytes = 0;

        std::size_t size() const noexcept { return bytes.size() + shared_bytes; }
        void clear() noexcept;
        void release_memory() noexcept;  // empty: its capacity goes too
        // Moves the shared pieces (with their owners) to `released`; only before clear(). Owners
        // are let go after the outbox's lock: the last reference may run a caller's deleter, which
        // may emit (and so lock again) or take its time.
        void release_shared(std::vector<SharedPiece>& released);
        void swap(Queue& other) noexcept;
        // Removes the first `frames` frames, which are `length` bytes long; their shared pieces
        // go to `released`.
        void drop_front(std::size_t frames, std::size_t length, std::vector<SharedPiece>& released);
        // Moves the first frames into `front` (empty): at least one, and no more once they hold
        // `max_shared` shared bytes.
        void split_front(std::size_t max_shared, Queue& front);
        // Appends `other`'s frames, leaving it empty.
        void append(Queue& other);
        // Frame by frame, in order: f(std::string_view frame); a frame with a shared piece is
        // assembled into a temporary copy.
        void for_each_frame(const std::function<void(std::string_view)>& f) const;
    };

    // Bytes counted against max_bytes: queued plus in flight (while its messages are accounted).
    std::size_t held_bytes_locked() const;
    // Whether a frame of `size` bytes may be queued now: queued (it may), full or closed.
    Push admits_locked(std::size_t size);
    // Appends one frame to pending_ and numbers it; the caller checked that it fits.
    Push append_locked(std::string_view head, std::string_view tail, std::uint64_t* sequence, bool request,
                       std::shared_ptr<const void> tail_owner, bool lent = false);
    // Makes each lent piece of `queue` (or only the lender's) a copy; the lenders go to `released`.
    static bool copy_lent_locked(Queue& queue, const void* lender, std::vector<SharedPiece>& released);
    // Numbers the frame of `size` bytes just appended to pending_.bytes; says whether to start the writer.
    Push appended_locked(std::size_t size, std::uint64_t* sequence, bool request);
    // How many request frames were pushed after frame `sequence`.
    std::size_t requests_after_locked(std::uint64_t sequence) const;
    // Hands the first `frames` frames of the batch in flight, and the bytes written of the next, to acks_.
    void track_written_locked(std::size_t frames, std::size_t bytes_written);

    mutable ShortLock mutex_;  // taken once per message pushed: see short_lock.hpp
    const std::size_t max_bytes_;
    const OnFailure on_failure_;
    Queue pending_;
    Queue inflight_;
    std::vector<std::uint64_t> requests_;  // sequences of request frames not known to be written, ascending
    bool up_ = false;
    bool writing_ = false;
    bool closed_ = false;
    bool refused_ = false;
    bool tracking_ = false;
    AckTracker acks_;
    std::uint64_t pushed_ = 0;
    std::uint64_t written_ = 0;
};

// What a refused push means to the caller of emit: queue_full or not_connected; no error otherwise.
std::error_code push_error(Outbox::Push result) noexcept;

}  // namespace ipcxx::detail
