// The caller's side of a lent body (Outbox::push with `lent`): an owner whose last release wakes
// the caller, who waits for it before it lets emit return.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace ipcxx::detail {

class Lender {
public:
    Lender() = default;
    Lender(const Lender&) = delete;
    Lender& operator=(const Lender&) = delete;

    // The owner to queue the body with. The Lender must outlive it: wait until released().
    std::shared_ptr<const void> owner() {
        handed_out_ = true;
        return std::shared_ptr<const void>(this, [](const Lender* lender) { const_cast<Lender*>(lender)->release(); });
    }
    // True once every copy of owner() is gone (or none was made); waits up to `limit` for that.
    bool released(std::chrono::milliseconds limit) {
        if (!handed_out_) return true;
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, limit, [this] { return released_; });
    }

private:
    void release() {
        // Notified under the lock: once the waiter sees released_, nothing here touches *this.
        std::lock_guard<std::mutex> lock(mutex_);
        released_ = true;
        changed_.notify_one();
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    bool released_ = false;
    bool handed_out_ = false;  // the lender's thread alone reads and writes it
};

}  // namespace ipcxx::detail
