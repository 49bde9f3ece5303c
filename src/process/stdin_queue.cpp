#include "process/stdin_queue.hpp"

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

void StdinQueue::open(std::size_t max_bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    max_bytes_ = max_bytes;
    open_ = true;
}

std::error_code StdinQueue::push(std::string_view bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!open_ || ended_ || failed_) return errc::not_connected;
    if (bytes_ + bytes.size() > max_bytes_) {
        drain_owed_ = true;
        return errc::queue_full;
    }
    waiting_.append(bytes);
    bytes_ += bytes.size();
    return {};
}

std::string StdinQueue::take() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out = std::move(waiting_);
    waiting_.clear();
    return out;
}

bool StdinQueue::written(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    bytes_ -= n;
    if (bytes_ != 0 || !drain_owed_) return false;
    drain_owed_ = false;
    return true;
}

void StdinQueue::end() {
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
}

bool StdinQueue::ended() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ended_;
}

std::size_t StdinQueue::fail() {
    std::lock_guard<std::mutex> lock(mutex_);
    failed_ = true;
    const std::size_t lost = bytes_;
    bytes_ = 0;
    waiting_.clear();
    return lost;
}

}  // namespace ipcxx::detail
