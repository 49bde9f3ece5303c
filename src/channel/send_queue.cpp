#include "channel/send_queue.hpp"

#include <unistd.h>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

SendQueue::~SendQueue() { close(); }

SendQueue::Pushed SendQueue::push(std::string bytes, int fd) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (input_ended_) return {make_error_code(errc::not_connected), false};
    if (max_pending_ != 0 && pending_ + bytes.size() > max_pending_) {
        above_high_water_ = true;
        return {make_error_code(errc::queue_full), false};
    }
    pending_ += bytes.size();
    queue_.push_back({std::move(bytes), fd, 0, 0});
    const bool keep_sending = pending_ < high_water_;
    if (!keep_sending) above_high_water_ = true;
    return {{}, keep_sending};
}

SendQueue::Entry* SendQueue::next() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (awaiting_ || queue_.empty()) return nullptr;
    return &queue_.front();
}

SendQueue::Progress SendQueue::wrote(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    Progress progress;
    Entry& entry = queue_.front();
    entry.written += n;
    pending_ -= n;
    if (entry.written < entry.bytes.size()) return progress;
    progress.finished = true;
    if (entry.fd >= 0) {
        in_flight_ = std::move(entry);
        awaiting_ = true;
    }
    queue_.pop_front();
    if (queue_.empty() && above_high_water_) {
        above_high_water_ = false;
        progress.drained = true;
    }
    return progress;
}

void SendQueue::acknowledged() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!awaiting_) return;
    ::close(in_flight_.fd);
    in_flight_ = Entry();
    awaiting_ = false;
}

bool SendQueue::refused() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!awaiting_) return false;
    awaiting_ = false;
    if (in_flight_.retransmissions >= max_retransmissions) {
        ::close(in_flight_.fd);
        in_flight_ = Entry();
        return false;
    }
    ++in_flight_.retransmissions;
    in_flight_.written = 0;
    pending_ += in_flight_.bytes.size();
    queue_.push_front(std::move(in_flight_));
    in_flight_ = Entry();
    return true;
}

bool SendQueue::awaiting_answer() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return awaiting_;
}

void SendQueue::end_input() {
    std::lock_guard<std::mutex> lock(mutex_);
    input_ended_ = true;
}

bool SendQueue::idle() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.empty() && !awaiting_;
}

std::size_t SendQueue::close() {
    std::lock_guard<std::mutex> lock(mutex_);
    input_ended_ = true;
    std::size_t undelivered = queue_.size();
    for (const Entry& entry : queue_) {
        if (entry.fd >= 0) ::close(entry.fd);
    }
    queue_.clear();
    pending_ = 0;
    if (awaiting_) {
        ::close(in_flight_.fd);
        in_flight_ = Entry();
        awaiting_ = false;
        ++undelivered;
    }
    return undelivered;
}

std::size_t SendQueue::pending_bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return pending_;
}

}  // namespace ipcxx::detail
