// State a client needs only once it is used (requests sent, requests served): made by its first
// use, from any thread. Until then it costs a client three words rather than the state itself.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

namespace ipcxx::detail {

template <class T>
class MadeOnce {
public:
    // The object, made by `make()` (a std::shared_ptr<T>) on the first call. Any thread.
    template <class Make>
    T& get(Make&& make) {
        std::call_once(once_, [&] {
            owner_ = make();
            made_.store(owner_.get(), std::memory_order_release);
        });
        return *owner_;
    }
    // The object if a get() made it, else null: for those that have nothing to do without it.
    T* if_made() const noexcept { return made_.load(std::memory_order_acquire); }

private:
    std::once_flag once_;
    std::shared_ptr<T> owner_;  // written once, under once_
    std::atomic<T*> made_{nullptr};
};

}  // namespace ipcxx::detail
