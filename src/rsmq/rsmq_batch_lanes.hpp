// Batching without a timer: per lane (a queue and an operation), one call in flight at a time; the
// operations that arrive meanwhile wait and go out together as the lane's next call, as the outbox
// coalesces writes. An operation on an idle lane goes out as soon as the I/O thread gets to it (with
// whatever joined it by then, e.g. from the same run of callbacks). Socket-free; safe from any thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ipcxx::detail::rsmq {

template <class Item>
class BatchLanes {
public:
    explicit BatchLanes(std::size_t max_batch) : max_batch_(std::max<std::size_t>(1, max_batch)) {}

    // Adds `item` to lane `lane`, where it waits for the lane's next call. True when the lane was
    // idle: it is busy from now on, and the caller must start its first call (with next()).
    bool add(const std::string& lane, Item item) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto [it, idle] = lanes_.try_emplace(lane);
        it->second.push_back(std::move(item));
        return idle;
    }

    // The lane's call is to start (after add() returned true) or has ended: the items waiting (the
    // oldest, at most max_batch), to be issued as its next call; none when nothing waits, and the
    // lane is idle again.
    std::vector<Item> next(const std::string& lane) {
        std::vector<Item> batch;
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = lanes_.find(lane);
        if (it == lanes_.end()) return batch;
        auto& waiting = it->second;
        if (waiting.empty()) {
            lanes_.erase(it);
            return batch;
        }
        const auto take = static_cast<std::ptrdiff_t>(std::min(max_batch_, waiting.size()));
        batch.assign(std::make_move_iterator(waiting.begin()), std::make_move_iterator(waiting.begin() + take));
        waiting.erase(waiting.begin(), waiting.begin() + take);
        return batch;
    }

private:
    const std::size_t max_batch_;
    std::mutex mutex_;  // a leaf: nothing is called while it is held
    std::map<std::string, std::deque<Item>> lanes_;  // a lane is here while it is busy
};

}  // namespace ipcxx::detail::rsmq
