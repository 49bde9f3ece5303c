// State a client needs only once it is used (requests sent, requests served): made by its first
// use, from any thread. Until then it costs a client one pointer rather than the state itself.
#pragma once

#include <atomic>
#include <memory>

namespace ipcxx::detail {

template <class T>
class MadeOnce {
public:
    MadeOnce() = default;
    MadeOnce(const MadeOnce&) = delete;
    MadeOnce& operator=(const MadeOnce&) = delete;
    ~MadeOnce() { delete made_.load(std::memory_order_acquire); }

    // The object, made by `make()` (a std::unique_ptr<T>) on the first call. Any thread: when two
    // first calls race, both make one and the loser's is destroyed unused, so `make` must have no
    // effect but the object.
    template <class Make>
    T& get(Make&& make) {
        if (T* made = made_.load(std::memory_order_acquire)) return *made;
        std::unique_ptr<T> fresh = make();
        T* expected = nullptr;
        if (made_.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
            return *fresh.release();
        }
        return *expected;
    }
    // The object if a get() made it, else null: for those that have nothing to do without it.
    T* if_made() const noexcept { return made_.load(std::memory_order_acquire); }

private:
    std::atomic<T*> made_{nullptr};
};

}  // namespace ipcxx::detail
