// The runtime (the library's I/O thread and handler pool): where it sits among the layers and its threading are in docs/ARCHITECTURE.md.
#include "runtime/spin_policy.hpp"

#include <algorithm>

namespace ipcxx::detail {

namespace spin_policy_constants {

constexpr std::uint32_t one = 1u << 16;  // a miss rate of 100 %
// Spinning mode while under a quarter of recent spins missed: a stray long gap (a preempted peer)
// does not end it, four or five in a row do, and so does a steady half (short gap, long gap).
constexpr std::uint32_t max_miss_rate = one / 4;
constexpr std::uint32_t average_shift = 4;  // each spin weighs 1/16 in the moving average
// In sleeping mode one idle period in this many at most tries a spin: at 50 us a try, a thread that
// never gains from spinning pays under a microsecond per idle period for them.
constexpr std::uint32_t max_try_interval = 64;
// A yield with nothing else to run on the CPU returns in a fraction of a microsecond (0.2 us on the
// benchmark VMs); one that lasted longer ran another thread meanwhile.
constexpr auto handoff_yield = std::chrono::microseconds(1);
// Sleeping mode while over seven in eight recent spins ended with a hand-off: about 33 in a row
// from none.
constexpr std::uint32_t max_handoff_rate = one - one / 8;

std::uint32_t moving_average(std::uint32_t average, bool sample) {
    return average - (average >> average_shift) + (sample ? one >> average_shift : 0);
}

}  // namespace spin_policy_constants

using namespace spin_policy_constants;

SpinPolicy::SpinPolicy(std::chrono::microseconds max_spin) : max_spin_(max_spin), short_gap_(max_spin / 2) {}

bool SpinPolicy::spinning_mode() const noexcept {
    return miss_rate_ < max_miss_rate && handoff_rate_ <= max_handoff_rate;
}

bool SpinPolicy::next_idle_spins() const noexcept { return spinning_mode() || idles_until_try_ == 0; }

void SpinPolicy::went_idle(Clock::time_point now) {
    idle_since_ = now;
    handed_off_ = false;
    if (spinning_mode()) {
        spinning_now_ = true;
    } else if (idles_until_try_ == 0) {
        spinning_now_ = true;
        idles_until_try_ = try_interval_ - 1;
    } else {
        spinning_now_ = false;
        --idles_until_try_;
    }
}

bool SpinPolicy::keep_spinning(Clock::time_point now) const {
    return spinning_now_ && now - idle_since_ < max_spin_;
}

void SpinPolicy::yielded(Clock::time_point before, Clock::time_point after) noexcept {
    handed_off_ = after - before >= handoff_yield;
}

void SpinPolicy::found_work(Clock::time_point now) {
    // After a sleep that was not a try, the gap includes this thread's own wake-up: it says nothing
    // about what a spin would have caught.
    if (!spinning_now_) return;
    const bool missed = now - idle_since_ > short_gap_;
    miss_rate_ = moving_average(miss_rate_, missed);
    handoff_rate_ = moving_average(handoff_rate_, handed_off_);
    if (spinning_mode()) {
        try_interval_ = 1;
        idles_until_try_ = 0;
    } else if (missed || handed_off_) {
        try_interval_ = std::min(try_interval_ * 2, max_try_interval);
        idles_until_try_ = try_interval_ - 1;
    }
}

}  // namespace ipcxx::detail
