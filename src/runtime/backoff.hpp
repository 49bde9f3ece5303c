// Exponential backoff with a cap and jitter, shared by the client's reconnects and the worker
// pool's restarts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace ipcxx::detail {

struct BackoffSettings {
    std::chrono::milliseconds base{0};  // the first delay
    // The n-th consecutive failure waits min(base * 2^(n-1), cap); every wait is `base` when
    // cap <= base.
    std::chrono::milliseconds cap{0};
    double jitter_ratio = 0.0;  // then a uniformly random +/- jitter_ratio of that delay
};

// The delay after `failures` consecutive failures (1 for the first); `rng` is the jitter's state,
// advanced on every call that jitters.
std::chrono::milliseconds backoff_delay(const BackoffSettings& settings, std::size_t failures,
                                        std::uint64_t& rng);

}  // namespace ipcxx::detail
