// The in-flight batch is the writer's buffer: it is never modified between take_batch() and
// complete(), even by close(), so the pointer handed out stays valid for an asynchronous write.
// A batch in flight is recognised by its frame sizes; close() clears those (the messages are then
// reported by close()) so that the later complete() counts nothing twice.
#include "connection/outbox.hpp"

#include "ipcxx/error.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace ipcxx::detail {

Outbox::Outbox(std::size_t max_bytes, OnFailure on_failure)
    : max_bytes_(max_bytes), on_failure_(on_failure) {}

std::size_t Outbox::held_bytes_locked() const {
    return pending_.size() + (inflight_sizes_.empty() ? 0 : inflight_.size());
}

std::size_t Outbox::requests_after_locked(std::uint64_t sequence) const {
    return static_cast<std::size_t>(requests_.end() - std::upper_bound(requests_.begin(), requests_.end(), sequence));
}

Outbox::Push Outbox::push(std::string_view head, std::string_view tail, std::uint64_t* sequence, bool request) {
    const std::size_t size = head.size() + tail.size();
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) {
        return Push::closed;
    }
    // Sizes are kept as u32 (the wire length prefix): a larger frame can never be queued.
    const bool too_big = size > std::numeric_limits<std::uint32_t>::max();
    if (too_big || (max_bytes_ != 0 && held_bytes_locked() + size > max_bytes_)) {
        refused_ = true;
        return Push::full;
    }
    pending_.append(head.data(), head.size());
    pending_.append(tail.data(), tail.size());
    pending_sizes_.push_back(static_cast<std::uint32_t>(size));
    ++pushed_;
    if (sequence) *sequence = pushed_;
    if (request) requests_.push_back(pushed_);
    if (up_ && !writing_) {
        writing_ = true;
        return Push::start_write;
    }
    return Push::queued;
}

bool Outbox::link_up() {
    std::lock_guard<std::mutex> lock(mutex_);
    up_ = true;
    if (writing_ || pending_sizes_.empty()) {
        return false;
    }
    writing_ = true;
    return true;
}

bool Outbox::take_batch(Batch& batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    // A second writer (started around a link_down/link_up) must not replace the batch being
    // written; the writer that owns it carries on after its complete().
    if (!inflight_sizes_.empty()) {
        return false;
    }
    if (!up_ || pending_sizes_.empty()) {
        writing_ = false;
        return false;
    }
    // Swapping keeps both buffers' capacity: no allocation once the sizes have settled.
    pending_.swap(inflight_);
    pending_sizes_.swap(inflight_sizes_);
    pending_.clear();
    pending_sizes_.clear();
    writing_ = true;
    batch.bytes = &inflight_;
    batch.messages = inflight_sizes_.size();
    return true;
}

Outbox::Completion Outbox::complete(std::size_t bytes_written, bool failed) {
    std::lock_guard<std::mutex> lock(mutex_);
    Completion result;
    const std::size_t held_before = held_bytes_locked();
    if (!failed) {
        result.delivered = inflight_sizes_.size();
    } else {
        up_ = false;
        writing_ = false;
        std::size_t covered = 0;
        std::size_t written_frames = 0;
        while (written_frames < inflight_sizes_.size() &&
               covered + inflight_sizes_[written_frames] <= bytes_written) {
            covered += inflight_sizes_[written_frames];
            ++written_frames;
        }
        result.delivered = written_frames;
        const std::size_t unwritten = inflight_sizes_.size() - written_frames;
        if (on_failure_ == OnFailure::drop) {
            result.undelivered = unwritten + pending_sizes_.size() - requests_after_locked(written_ + written_frames);
            requests_.clear();
            pending_.clear();
            pending_sizes_.clear();
        } else if (unwritten != 0) {
            // The partly written frame goes out again whole on the next link, ahead of frames
            // pushed meanwhile. Built in the in-flight buffers, then swapped, to reuse capacity.
            inflight_.erase(0, covered);
            inflight_.append(pending_);
            inflight_sizes_.erase(inflight_sizes_.begin(),
                                  inflight_sizes_.begin() +
                                      static_cast<std::ptrdiff_t>(written_frames));
            inflight_sizes_.insert(inflight_sizes_.end(), pending_sizes_.begin(),
                                   pending_sizes_.end());
            pending_.swap(inflight_);
            pending_sizes_.swap(inflight_sizes_);
        }
    }
    written_ += result.delivered;
    requests_.erase(requests_.begin(), std::upper_bound(requests_.begin(), requests_.end(), written_));
    inflight_.clear();
    inflight_sizes_.clear();
    if (refused_ && held_bytes_locked() < held_before) {
        result.drained = true;
        refused_ = false;
    }
    return result;
}

void Outbox::link_down() {
    std::lock_guard<std::mutex> lock(mutex_);
    up_ = false;
    if (inflight_sizes_.empty()) {
        writing_ = false;
    }
}

std::size_t Outbox::close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    // Nobody can push again, so a later "room again" would wake no one.
    refused_ = false;
    const std::size_t discarded = pending_sizes_.size() + inflight_sizes_.size() - requests_after_locked(written_);
    requests_.clear();
    pending_.clear();
    pending_sizes_.clear();
    inflight_sizes_.clear();
    return discarded;
}

std::size_t Outbox::discard_pending() {
    std::lock_guard<std::mutex> lock(mutex_);
    // The pending frames are the last ones pushed.
    const std::uint64_t first_pending = pushed_ - pending_sizes_.size();
    const std::size_t requests = requests_after_locked(first_pending);
    requests_.resize(requests_.size() - requests);
    const std::size_t discarded = pending_sizes_.size() - requests;
    pending_.clear();
    pending_sizes_.clear();
    return discarded;
}

std::size_t Outbox::rewrite_pending(const std::function<bool(std::string_view, std::string&)>& encode) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string rewritten;
    std::vector<std::uint32_t> sizes;
    sizes.reserve(pending_sizes_.size());
    std::size_t dropped = 0;
    std::size_t offset = 0;
    std::string frame;
    for (const std::uint32_t size : pending_sizes_) {
        frame.clear();
        if (encode(std::string_view(pending_).substr(offset, size), frame)) {
            rewritten += frame;
            sizes.push_back(static_cast<std::uint32_t>(frame.size()));
        } else {
            ++dropped;
        }
        offset += size;
    }
    pending_.swap(rewritten);
    pending_sizes_.swap(sizes);
    return dropped;
}

std::uint64_t Outbox::written_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return written_;
}

std::size_t Outbox::pending_bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return held_bytes_locked();
}

std::size_t Outbox::pending_messages() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return pending_sizes_.size() + inflight_sizes_.size();
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
