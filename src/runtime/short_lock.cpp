// The contended half of ShortLock: a futex, as in Drepper's "Futexes Are Tricky" (its third mutex).
#include "runtime/short_lock.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ipcxx::detail {
namespace {
// Holders keep it for a copy of a frame or two: worth a short wait before a system call.
constexpr int spins = 64;

void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

void futex(std::atomic<int>& word, int op, int value) noexcept {
    static_assert(sizeof(std::atomic<int>) == sizeof(int), "a futex is a plain int");
    syscall(SYS_futex, reinterpret_cast<int*>(&word), op, value, nullptr, nullptr, 0);
}
}  // namespace

void ShortLock::lock_contended() noexcept {
    for (int i = 0; i < spins; ++i) {
        pause();
        int expected = free;
        if (state_.load(std::memory_order_relaxed) == free &&
            state_.compare_exchange_strong(expected, locked, std::memory_order_acquire, std::memory_order_relaxed)) {
            return;
        }
    }
    // From now on the lock is marked waited, so that its holder wakes a sleeper when it lets go.
    while (state_.exchange(waited, std::memory_order_acquire) != free) futex(state_, FUTEX_WAIT_PRIVATE, waited);
}

void ShortLock::wake_one() noexcept { futex(state_, FUTEX_WAKE_PRIVATE, 1); }

}  // namespace ipcxx::detail
