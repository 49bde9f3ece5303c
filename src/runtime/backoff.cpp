#include "runtime/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ipcxx::detail {
namespace backoff_jitter {

// splitmix64: tiny, seedable with any value (0 included), good enough to spread retries.
std::uint64_t next_random(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace backoff_jitter

std::chrono::milliseconds backoff_delay(const BackoffSettings& settings, std::size_t failures,
                                        std::uint64_t& rng) {
    using rep = std::chrono::milliseconds::rep;
    const rep base = std::max<rep>(settings.base.count(), 0);
    const rep cap = settings.cap.count();
    rep delay = base;
    if (cap > settings.base.count()) {
        // Doubling step by step and stopping at the cap avoids overflowing a shift by the number of
        // failures, which is unbounded when retries are unlimited.
        for (std::size_t n = 1; n < failures && delay > 0 && delay < cap; ++n) {
            delay = delay > cap / 2 ? cap : delay * 2;
        }
        delay = std::min(delay, cap);
    }

    const double ratio = settings.jitter_ratio;
    if (ratio > 0.0 && delay > 0) {
        // 53 random bits give a double uniform in [0, 1); map it to [-ratio, +ratio).
        const double unit = static_cast<double>(backoff_jitter::next_random(rng) >> 11) * 0x1.0p-53;
        const double jittered = static_cast<double>(delay) * (1.0 + ratio * (2.0 * unit - 1.0));
        // Jitter may lift a delay at the top of the range past what `rep` holds.
        const auto largest = static_cast<double>(std::numeric_limits<rep>::max());
        delay = jittered >= largest ? std::numeric_limits<rep>::max()
                                    : std::max<rep>(static_cast<rep>(std::llround(jittered)), 0);
    }
    return std::chrono::milliseconds(delay);
}

}  // namespace ipcxx::detail
