// A mutex for short critical sections taken once per message (a send queue, a client's wire):
// taking and giving it back uncontended is one atomic instruction each, inline, where std::mutex
// goes through two calls into pthread (about 60 instructions per message; docs/performance.md).
// Contended, it spins briefly, then sleeps on a futex. Not recursive; BasicLockable and Lockable,
// so std::lock_guard and std::unique_lock take it.
#pragma once

#include <atomic>

namespace ipcxx::detail {

class ShortLock {
public:
    ShortLock() = default;
    ShortLock(const ShortLock&) = delete;
    ShortLock& operator=(const ShortLock&) = delete;

    void lock() noexcept {
        int expected = free;
        if (!state_.compare_exchange_strong(expected, locked, std::memory_order_acquire, std::memory_order_relaxed)) {
            lock_contended();
        }
    }
    bool try_lock() noexcept {
        int expected = free;
        return state_.compare_exchange_strong(expected, locked, std::memory_order_acquire, std::memory_order_relaxed);
    }
    void unlock() noexcept {
        if (state_.exchange(free, std::memory_order_release) == waited) wake_one();
    }

private:
    enum : int { free = 0, locked = 1, waited = 2 };  // waited: locked, and someone may sleep on it
    void lock_contended() noexcept;
    void wake_one() noexcept;

    std::atomic<int> state_{free};
};

}  // namespace ipcxx::detail
