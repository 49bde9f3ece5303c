// Batching without a timer: per lane (a queue and an operation), at most `depth` (up to max_depth)
// calls in flight; the operations that arrive meanwhile wait and go out together as the lane's next
// call, as the outbox coalesces writes. An operation on a lane with room for another call goes out as
// soon as the caller gets to start it (with whatever joined it by then, e.g. from the same run of
// callbacks). Socket-free; safe from any thread.
//
// Why two calls in flight: with one, the client and Redis take turns (Redis idles while the client
// handles a reply and prepares the next call, and the other way round). With two pipelined on one
// connection, Redis runs one while the client handles the other; Redis runs them in the order
// written, so a lane's calls end in the order they were issued. Splitting what waits costs Redis a
// call (a script call costs it as much as several messages' work), so a lane splits only when Redis
// would otherwise idle and each part keeps at least `min_split` operations; once calls overlap, the
// groups their replies start go out whole.
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
    using Batches = std::vector<std::vector<Item>>;
    static constexpr std::size_t max_depth = 2;

    // `max_batch`: the most operations one call carries; `min_split`: the fewest a split leaves in a call.
    BatchLanes(std::size_t max_batch, std::size_t min_split)
        : max_batch_(std::max<std::size_t>(1, max_batch)), min_split_(std::max<std::size_t>(1, min_split)) {}

    // Adds `item` to lane `lane`, where it waits for the lane's next call. True when the lane has
    // room for another call in flight (at the depth it was last given) and no start pending: the
    // caller must start() it, soon (after the callbacks it is running, so that what they add joins).
    bool add(const std::string& lane, Item item) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto& state = lanes_[lane];
        state.waiting.push_back(std::move(item));
        if (state.start_pending || state.in_flight >= state.depth) return false;
        state.start_pending = true;
        return true;
    }

    // The calls to issue now, oldest items first and in this order, after add() returned true; each
    // is in flight until ended(). When `may_split` (the caller has no other call in flight, so Redis
    // would idle) and none of the lane's is in flight, what waits is shared out over `depth` calls
    // when each gets at least min_split (as evenly as can be); otherwise it goes in as few calls as
    // max_batch allows, while fewer than `depth` are in flight.
    Batches start(const std::string& lane, std::size_t depth, bool may_split) {
        return issue(lane, false, depth, may_split);
    }

    // One of the lane's calls has ended (its results reported): the calls to issue now, as start().
    // None when nothing waits; the lane is idle again when none is in flight either.
    Batches ended(const std::string& lane, std::size_t depth, bool may_split) {
        return issue(lane, true, depth, may_split);
    }

    // Whether the lane has neither a call in flight nor an operation waiting.
    bool idle(const std::string& lane) {
        std::lock_guard<std::mutex> lock(mutex_);
        return lanes_.find(lane) == lanes_.end();
    }

private:
    struct Lane {
        std::deque<Item> waiting;
        std::size_t in_flight = 0;
        bool start_pending = false;  // add() returned true and start() has not run since
        std::size_t depth = max_depth;  // as start() or ended() was last given
        std::size_t peak = 0;  // the most items seen waiting at once since the lane was idle
    };

    Batches issue(const std::string& lane, bool one_ended, std::size_t depth, bool may_split) {
        depth = std::clamp<std::size_t>(depth, 1, max_depth);
        Batches batches;
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = lanes_.find(lane);
        if (it == lanes_.end()) return batches;
        auto& state = it->second;
        state.depth = depth;
        if (one_ended && state.in_flight > 0) --state.in_flight;
        if (!one_ended) state.start_pending = false;
        const std::size_t waiting = state.waiting.size();
        // Only a group larger than half the most the lane has seen waiting splits: the halves of a
        // split come back as groups of their own, which would otherwise split again down to min_split.
        const bool fresh_group = waiting * 2 > state.peak;
        state.peak = std::max(state.peak, waiting);
        const bool split = may_split && state.in_flight == 0 && fresh_group;
        const std::size_t parts = split ? std::min(depth, waiting / min_split_) : 0;
        if (parts > 1 && waiting <= parts * max_batch_) {
            // The first parts take the remainder: sizes differ by one at most.
            for (std::size_t part = 0; part < parts; ++part) {
                take(state, waiting / parts + (part < waiting % parts ? 1 : 0), batches);
            }
        } else {
            while (state.in_flight < depth && !state.waiting.empty()) {
                take(state, std::min(max_batch_, state.waiting.size()), batches);
            }
        }
        if (state.in_flight == 0 && state.waiting.empty() && !state.start_pending) lanes_.erase(it);
        return batches;
    }

    // The `count` oldest items of `state` as one call in flight.
    static void take(Lane& state, std::size_t count, Batches& batches) {
        const auto end = state.waiting.begin() + static_cast<std::ptrdiff_t>(count);
        batches.emplace_back(std::make_move_iterator(state.waiting.begin()), std::make_move_iterator(end));
        state.waiting.erase(state.waiting.begin(), end);
        ++state.in_flight;
    }

    const std::size_t max_batch_;
    const std::size_t min_split_;
    std::mutex mutex_;  // a leaf: nothing is called while it is held
    std::map<std::string, Lane> lanes_;  // a lane is here while it is busy
};

}  // namespace ipcxx::detail::rsmq
