// The in-flight batch is the writer's buffer: it is never modified between take_batch() and
// complete(), even by close(), so the pointers handed out stay valid for an asynchronous write.
// A batch in flight is recognised by its frame sizes; close() clears those (the messages are then
// reported by close()) so that the later complete() counts nothing twice.
#include "connection/outbox.hpp"

#include "ipcxx/error.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <utility>

namespace ipcxx::detail {

void Outbox::Queue::clear() noexcept {
    bytes.clear();
    sizes.clear();
    shared.clear();
    shared_bytes = 0;
}

void Outbox::Queue::release_shared(std::vector<SharedPiece>& released) {
    if (shared.empty()) return;
    if (released.empty()) {
        released.swap(shared);
    } else {
        released.insert(released.end(), std::make_move_iterator(shared.begin()), std::make_move_iterator(shared.end()));
        shared.clear();
    }
}

void Outbox::Queue::release_memory() noexcept {
    std::string().swap(bytes);
    std::vector<std::uint32_t>().swap(sizes);
    std::vector<SharedPiece>().swap(shared);
    shared_bytes = 0;
}

void Outbox::Queue::swap(Queue& other) noexcept {
    bytes.swap(other.bytes);
    sizes.swap(other.sizes);
    shared.swap(other.shared);
    std::swap(shared_bytes, other.shared_bytes);
}

void Outbox::Queue::drop_front(std::size_t frames, std::size_t length, std::vector<SharedPiece>& released) {
    // A shared piece lies inside one frame, so it is dropped when it starts before `length`.
    std::size_t shared_dropped = 0;
    std::size_t pieces = 0;
    while (pieces < shared.size() && shared[pieces].at + shared_dropped < length) {
        shared_dropped += shared[pieces].bytes.size();
        ++pieces;
    }
    const std::size_t copied_dropped = length - shared_dropped;
    bytes.erase(0, copied_dropped);
    sizes.erase(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(frames));
    const auto first_kept = shared.begin() + static_cast<std::ptrdiff_t>(pieces);
    released.insert(released.end(), std::make_move_iterator(shared.begin()), std::make_move_iterator(first_kept));
    shared.erase(shared.begin(), first_kept);
    for (SharedPiece& piece : shared) piece.at -= copied_dropped;
    shared_bytes -= shared_dropped;
}

void Outbox::Queue::split_front(std::size_t max_shared, Queue& front) {
    std::size_t frames = 0;
    std::size_t copied = 0;
    std::size_t pieces = 0;
    std::size_t shared_taken = 0;
    while (frames < sizes.size() && (frames == 0 || shared_taken < max_shared)) {
        const std::size_t size = sizes[frames++];
        // A frame's shared piece, if it has one, is its tail: it starts inside the frame.
        if (pieces < shared.size() && shared[pieces].at < copied + size) {
            copied += size - shared[pieces].bytes.size();
            shared_taken += shared[pieces++].bytes.size();
        } else {
            copied += size;
        }
    }
    front.bytes.assign(bytes, 0, copied);
    front.sizes.assign(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(frames));
    front.shared_bytes = shared_taken;
    // The front's pieces keep their offsets: its bytes start where ours did.
    drop_front(frames, copied + shared_taken, front.shared);
}

void Outbox::Queue::append(Queue& other) {
    for (SharedPiece& piece : other.shared) {
        piece.at += bytes.size();
        shared.push_back(std::move(piece));
    }
    bytes.append(other.bytes);
    sizes.insert(sizes.end(), other.sizes.begin(), other.sizes.end());
    shared_bytes += other.shared_bytes;
    other.clear();
}

void Outbox::Queue::for_each_frame(const std::function<void(std::string_view)>& f) const {
    std::size_t offset = 0;  // in bytes
    std::size_t next_piece = 0;
    std::string assembled;
    for (const std::uint32_t size : sizes) {
        const std::size_t piece_at = next_piece < shared.size() ? shared[next_piece].at : bytes.size();
        if (offset + size <= piece_at) {
            f(std::string_view(bytes).substr(offset, size));
            offset += size;
            continue;
        }
        // The frame's copied head, then its shared tail (push() never copies anything after it).
        const SharedPiece& piece = shared[next_piece++];
        assembled.assign(bytes, offset, piece.at - offset);
        assembled.append(piece.bytes.data(), piece.bytes.size());
        offset = piece.at;
        f(assembled);
    }
}

Outbox::Outbox(std::size_t max_bytes, OnFailure on_failure)
    : max_bytes_(max_bytes), on_failure_(on_failure) {}

std::size_t Outbox::held_bytes_locked() const {
    return pending_.size() + (inflight_.sizes.empty() ? 0 : inflight_.size());
}

std::size_t Outbox::requests_after_locked(std::uint64_t sequence) const {
    return static_cast<std::size_t>(requests_.end() - std::upper_bound(requests_.begin(), requests_.end(), sequence));
}

Outbox::Push Outbox::admits_locked(std::size_t size) {
    if (closed_) return Push::closed;
    // Sizes are kept as u32 (the wire length prefix): a larger frame can never be queued.
    const bool too_big = size > std::numeric_limits<std::uint32_t>::max();
    if (too_big || (max_bytes_ != 0 && held_bytes_locked() + size > max_bytes_)) {
        refused_ = true;
        return Push::full;
    }
    return Push::queued;
}

Outbox::Push Outbox::push(std::string_view frame, std::uint64_t* sequence, bool request) {
    // The one-piece case on its own (every broadcast, once per subscriber): no owner to pass along.
    std::lock_guard<ShortLock> lock(mutex_);
    const Push admitted = admits_locked(frame.size());
    if (admitted != Push::queued) return admitted;
    pending_.bytes.append(frame.data(), frame.size());
    return appended_locked(frame.size(), sequence, request);
}

Outbox::Push Outbox::push(std::string_view head, std::string_view tail, std::uint64_t* sequence, bool request,
                          std::shared_ptr<const void> tail_owner, bool lent) {
    std::lock_guard<ShortLock> lock(mutex_);
    const Push admitted = admits_locked(head.size() + tail.size());
    if (admitted != Push::queued) return admitted;
    return append_locked(head, tail, sequence, request, std::move(tail_owner), lent);
}

Outbox::Push Outbox::append_locked(std::string_view head, std::string_view tail, std::uint64_t* sequence,
                                   bool request, std::shared_ptr<const void> tail_owner, bool lent) {
    pending_.bytes.append(head.data(), head.size());
    if (tail_owner && tail.size() >= share_threshold) {
        pending_.shared.push_back({pending_.bytes.size(), tail, std::move(tail_owner), lent});
        pending_.shared_bytes += tail.size();
    } else {
        pending_.bytes.append(tail.data(), tail.size());
    }
    return appended_locked(head.size() + tail.size(), sequence, request);
}

Outbox::Push Outbox::appended_locked(std::size_t size, std::uint64_t* sequence, bool request) {
    pending_.sizes.push_back(static_cast<std::uint32_t>(size));
    ++pushed_;
    if (sequence) *sequence = pushed_;
    if (request) requests_.push_back(pushed_);
    if (up_ && !writing_) {
        writing_ = true;
        return Push::start_write;
    }
    return Push::queued;
}

Outbox::Push Outbox::push_evicting(std::string_view frame, std::size_t& evicted) {
    evicted = 0;
    std::vector<SharedPiece> released;  // destroyed after the lock (see release_shared)
    std::lock_guard<ShortLock> lock(mutex_);
    if (closed_) return Push::closed;
    if (frame.size() > std::numeric_limits<std::uint32_t>::max()) return Push::full;  // as push()
    const std::size_t held = held_bytes_locked();
    if (max_bytes_ == 0 || held + frame.size() <= max_bytes_) return append_locked(frame, {}, nullptr, false, {});
    // The pending frames are the last ones pushed; those before the first pending request may go.
    const std::uint64_t first_pending = pushed_ - pending_.sizes.size();
    const auto first_request = std::upper_bound(requests_.begin(), requests_.end(), first_pending);
    const std::size_t evictable =
        first_request == requests_.end() ? pending_.sizes.size() : static_cast<std::size_t>(*first_request - first_pending - 1);
    std::size_t frames = 0;
    std::size_t length = 0;
    while (frames < evictable && held - length + frame.size() > max_bytes_) length += pending_.sizes[frames++];
    if (held - length + frame.size() > max_bytes_) {
        refused_ = true;
        return Push::full;
    }
    pending_.drop_front(frames, length, released);
    // Numbered as if the discarded frames had never been pushed, so that sequences still count
    // written frames (requests_ and the acknowledgement tracking rely on it).
    pushed_ -= frames;
    for (auto it = first_request; it != requests_.end(); ++it) *it -= frames;
    evicted = frames;
    return append_locked(frame, {}, nullptr, false, {});
}

bool Outbox::copy_lent_locked(Queue& queue, const void* lender, std::vector<SharedPiece>& released) {
    bool found = false;
    for (SharedPiece& piece : queue.shared) {
        if (!piece.lent || (lender && piece.owner.get() != lender)) continue;
        auto copy = std::make_shared<const std::string>(piece.bytes);
        released.push_back({piece.at, piece.bytes, std::move(piece.owner), true});
        piece.bytes = *copy;
        piece.owner = std::move(copy);
        piece.lent = false;
        found = true;
    }
    return found;
}

bool Outbox::copy_lent(const void* lender, bool only_if_down) {
    std::vector<SharedPiece> released;  // the lender is let go after the lock (see release_shared)
    std::lock_guard<ShortLock> lock(mutex_);
    return !(only_if_down && up_) && copy_lent_locked(pending_, lender, released);
}

void Outbox::copy_lent_in_flight() {
    std::vector<SharedPiece> released;
    std::lock_guard<ShortLock> lock(mutex_);
    copy_lent_locked(inflight_, nullptr, released);
}

bool Outbox::link_up() {
    std::lock_guard<ShortLock> lock(mutex_);
    up_ = true;
    if (writing_ || pending_.sizes.empty()) {
        return false;
    }
    writing_ = true;
    return true;
}

bool Outbox::take_batch(Batch& batch) {
    std::lock_guard<ShortLock> lock(mutex_);
    // A second writer (started around a link_down/link_up) must not replace the batch being
    // written; the writer that owns it carries on after its complete().
    if (!inflight_.sizes.empty()) {
        return false;
    }
    if (!up_ || pending_.sizes.empty()) {
        writing_ = false;
        return false;
    }
    if (pending_.shared_bytes > batch_shared_bytes) {
        pending_.split_front(batch_shared_bytes, inflight_);
    } else {
        // Swapping keeps both buffers' capacity: no allocation once the sizes have settled.
        pending_.swap(inflight_);
        pending_.clear();
    }
    writing_ = true;
    batch.bytes = &inflight_.bytes;
    batch.shared = &inflight_.shared;
    batch.messages = inflight_.sizes.size();
    batch.size = inflight_.size();
    batch.lent = std::any_of(inflight_.shared.begin(), inflight_.shared.end(), [](const SharedPiece& piece) { return piece.lent; });
    return true;
}

void Outbox::release_memory() {
    std::lock_guard<ShortLock> lock(mutex_);
    if (writing_ || !pending_.sizes.empty() || !inflight_.sizes.empty()) return;
    pending_.release_memory();
    inflight_.release_memory();
    if (requests_.empty()) std::vector<std::uint64_t>().swap(requests_);
}

Outbox::Completion Outbox::complete(std::size_t bytes_written, bool failed) {
    std::vector<SharedPiece> released;  // destroyed after the lock (see release_shared)
    std::lock_guard<ShortLock> lock(mutex_);
    Completion result;
    const std::size_t held_before = held_bytes_locked();
    if (!failed) {
        result.delivered = inflight_.sizes.size();
        if (tracking_) track_written_locked(result.delivered, bytes_written);
    } else {
        up_ = false;
        writing_ = false;
        std::size_t covered = 0;
        std::size_t written_frames = 0;
        while (written_frames < inflight_.sizes.size() &&
               covered + inflight_.sizes[written_frames] <= bytes_written) {
            covered += inflight_.sizes[written_frames];
            ++written_frames;
        }
        result.delivered = written_frames;
        if (tracking_) track_written_locked(written_frames, bytes_written);
        const std::size_t unwritten = inflight_.sizes.size() - written_frames;
        if (on_failure_ == OnFailure::drop) {
            result.undelivered = unwritten + pending_.sizes.size() - requests_after_locked(written_ + written_frames);
            requests_.clear();
            pending_.release_shared(released);
            pending_.clear();
        } else if (unwritten != 0) {
            // The partly written frame goes out again whole on the next link, ahead of frames
            // pushed meanwhile. Built in the in-flight queue, then swapped, to reuse capacity.
            inflight_.drop_front(written_frames, covered, released);
            inflight_.append(pending_);
            pending_.swap(inflight_);
        }
    }
    written_ += result.delivered;
    requests_.erase(requests_.begin(), std::upper_bound(requests_.begin(), requests_.end(), written_));
    inflight_.release_shared(released);
    inflight_.clear();
    if (refused_ && held_bytes_locked() < held_before) {
        result.drained = true;
        refused_ = false;
    }
    result.tracked = tracking_ ? acks_.tracked() : 0;
    return result;
}

void Outbox::track_written_locked(std::size_t frames, std::size_t bytes_written) {
    // Requests are sequences above written_; both they and the frames ascend.
    auto request = std::upper_bound(requests_.begin(), requests_.end(), written_);
    std::size_t covered = 0;
    for (std::size_t i = 0; i < frames; ++i) {
        const std::uint64_t sequence = written_ + 1 + i;
        while (request != requests_.end() && *request < sequence) ++request;
        acks_.written(inflight_.sizes[i], request != requests_.end() && *request == sequence);
        covered += inflight_.sizes[i];
    }
    acks_.written_other(bytes_written - std::min(bytes_written, covered));
}

void Outbox::track_acknowledgements(bool on) {
    std::lock_guard<ShortLock> lock(mutex_);
    tracking_ = on;
    acks_.reset();
}

void Outbox::written_other(std::size_t bytes) {
    std::lock_guard<ShortLock> lock(mutex_);
    if (tracking_) acks_.written_other(bytes);
}

std::size_t Outbox::acknowledged(std::uint64_t unacknowledged_bytes) {
    std::lock_guard<ShortLock> lock(mutex_);
    acks_.acknowledged(unacknowledged_bytes);
    return acks_.tracked();
}

std::size_t Outbox::take_unacknowledged(std::uint64_t unacknowledged_bytes) {
    std::lock_guard<ShortLock> lock(mutex_);
    const std::size_t lost = tracking_ ? acks_.unacknowledged_messages(unacknowledged_bytes) : 0;
    tracking_ = false;
    acks_.reset();
    return lost;
}

void Outbox::link_down() {
    std::lock_guard<ShortLock> lock(mutex_);
    up_ = false;
    if (inflight_.sizes.empty()) {
        writing_ = false;
    }
}

std::size_t Outbox::close() {
    std::vector<SharedPiece> released;  // destroyed after the lock (see release_shared)
    std::lock_guard<ShortLock> lock(mutex_);
    closed_ = true;
    // Nobody can push again, so a later "room again" would wake no one.
    refused_ = false;
    const std::size_t discarded = pending_.sizes.size() + inflight_.sizes.size() - requests_after_locked(written_);
    requests_.clear();
    pending_.release_shared(released);
    pending_.clear();
    // The in-flight bytes and shared pieces stay until complete(): a write may still be reading them.
    inflight_.sizes.clear();
    return discarded;
}

void Outbox::reopen() {
    std::lock_guard<ShortLock> lock(mutex_);
    if (!closed_) return;
    closed_ = false;
    up_ = false;
    writing_ = false;
    // Sequences of the next frames compare with written_count() as those of a fresh outbox do.
    written_ = pushed_;
    tracking_ = false;
    acks_.reset();
}

std::size_t Outbox::discard_pending() {
    std::vector<SharedPiece> released;  // destroyed after the lock (see release_shared)
    std::lock_guard<ShortLock> lock(mutex_);
    // The pending frames are the last ones pushed.
    const std::uint64_t first_pending = pushed_ - pending_.sizes.size();
    const std::size_t requests = requests_after_locked(first_pending);
    requests_.resize(requests_.size() - requests);
    const std::size_t discarded = pending_.sizes.size() - requests;
    pending_.release_shared(released);
    pending_.clear();
    return discarded;
}

std::size_t Outbox::rewrite_pending(const std::function<bool(std::string_view, std::string&)>& encode) {
    std::vector<SharedPiece> released;  // destroyed after the lock (see release_shared)
    std::lock_guard<ShortLock> lock(mutex_);
    Queue rewritten;
    rewritten.sizes.reserve(pending_.sizes.size());
    std::size_t dropped = 0;
    std::string frame;
    pending_.for_each_frame([&](std::string_view original) {
        frame.clear();
        if (encode(original, frame)) {
            rewritten.bytes += frame;
            rewritten.sizes.push_back(static_cast<std::uint32_t>(frame.size()));
        } else {
            ++dropped;
        }
    });
    pending_.release_shared(released);
    pending_.swap(rewritten);
    return dropped;
}

std::uint64_t Outbox::written_count() const {
    std::lock_guard<ShortLock> lock(mutex_);
    return written_;
}

std::size_t Outbox::pending_bytes() const {
    std::lock_guard<ShortLock> lock(mutex_);
    return held_bytes_locked();
}

std::size_t Outbox::pending_messages() const {
    std::lock_guard<ShortLock> lock(mutex_);
    return pending_.sizes.size() + inflight_.sizes.size();
}

std::error_code push_error(Outbox::Push result) noexcept {
    switch (result) {
        case Outbox::Push::full: return make_error_code(errc::queue_full);
        case Outbox::Push::closed: return make_error_code(errc::not_connected);
        case Outbox::Push::queued:
        case Outbox::Push::start_write: break;
    }
    return {};
}

}  // namespace ipcxx::detail
