#include "runtime/short_lock.hpp"

#include <catch2/catch.hpp>

#include <mutex>
#include <thread>
#include <vector>

using ipcxx::detail::ShortLock;

TEST_CASE("short lock: one holder at a time, under contention too", "[short_lock]") {
    ShortLock lock;
    REQUIRE(lock.try_lock());
    CHECK_FALSE(lock.try_lock());
    lock.unlock();

    // Four threads on two CPUs: holders get preempted, so waiters both spin and sleep on the futex.
    // The count is not atomic: a lost update would show two holders at once.
    long count = 0;
    constexpr int threads = 4;
    constexpr int rounds = 20000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < rounds; ++i) {
                std::lock_guard<ShortLock> guard(lock);
                const long seen = count;
                if (i % 256 == 0) std::this_thread::yield();  // a holder that loses its CPU
                count = seen + 1;
            }
        });
    }
    for (auto& worker : workers) worker.join();
    CHECK(count == static_cast<long>(threads) * rounds);
    CHECK(lock.try_lock());
    lock.unlock();
}
