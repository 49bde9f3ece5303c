#include "connection/ack_tracker.hpp"

#include <algorithm>

namespace ipcxx::detail {

void AckTracker::reset() {
    bytes_ = 0;
    ends_.clear();  // keeps the capacity: no allocation once the sizes have settled
    first_ = 0;
}

void AckTracker::written(std::uint32_t size, bool request) {
    bytes_ += size;
    ends_.push_back(request ? bytes_ | request_bit : bytes_);
}

void AckTracker::acknowledged(std::uint64_t unacknowledged) {
    const std::uint64_t acked = bytes_ - std::min(bytes_, unacknowledged);
    while (first_ < ends_.size() && (ends_[first_] & ~request_bit) <= acked) ++first_;
    // Erasing the front only once it is most of the vector keeps the cost per frame constant.
    if (first_ > ends_.size() / 2) {
        ends_.erase(ends_.begin(), ends_.begin() + static_cast<std::ptrdiff_t>(first_));
        first_ = 0;
    }
}

std::size_t AckTracker::unacknowledged_messages(std::uint64_t unacknowledged) const {
    const std::uint64_t acked = bytes_ - std::min(bytes_, unacknowledged);
    std::size_t count = 0;
    for (std::size_t i = ends_.size(); i > first_ && (ends_[i - 1] & ~request_bit) > acked; --i) {
        if (!(ends_[i - 1] & request_bit)) ++count;
    }
    return count;
}

}  // namespace ipcxx::detail
