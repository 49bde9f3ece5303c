// One subscriber's standing against its send-queue limit, without sockets or clocks of its own:
// how long it has been over the limit (for SlowSubscriberConfig::disconnect_after) and how many
// broadcasts its policy dropped or refused since the last report (coalesced, at most one report
// per report_interval). Not thread-safe: its owner serialises the calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include "ipcxx/config.hpp"

namespace ipcxx::detail {

// The policy's name as written in Config (for messages).
const char* policy_name(SlowSubscriberPolicy policy) noexcept;

class OverflowMonitor {
public:
    using Clock = std::chrono::steady_clock;

    // 0 turns either duration off: never disconnect; report every drop (no coalescing).
    OverflowMonitor(std::chrono::milliseconds disconnect_after, std::chrono::milliseconds report_interval) noexcept
        : disconnect_after_(disconnect_after), report_interval_(report_interval) {}

    struct Verdict {
        std::size_t report = 0;   // drops to report now: all those since the last report; 0: nothing to say
        bool disconnect = false;  // over the limit for disconnect_after: close the subscriber (once)
    };
    // A broadcast was queued; `evicted` older messages were discarded to make room (drop_oldest),
    // which keeps the subscriber over its limit. Without eviction it is under its limit again.
    Verdict on_queued(Clock::time_point now, std::size_t evicted);
    // A broadcast did not fit: dropped or refused by the policy, counted for a report either way;
    // the subscriber is over its limit.
    Verdict on_overflow(Clock::time_point now);
    // The drops or refusals not reported yet, now forgotten (the subscriber is going away).
    std::size_t take_unreported() noexcept;

    bool over_limit() const noexcept { return over_since_.has_value(); }
    // Whether a broadcast that fits without discarding anything would change anything here: false
    // when under the limit with nothing held back, so such a broadcast may skip the monitor.
    bool watching() const noexcept { return over_since_.has_value() || unreported_ > 0; }

private:
    Verdict verdict(Clock::time_point now);

    const std::chrono::milliseconds disconnect_after_;
    const std::chrono::milliseconds report_interval_;
    std::optional<Clock::time_point> over_since_;
    std::optional<Clock::time_point> last_report_;
    std::size_t unreported_ = 0;
    bool disconnected_ = false;
};

}  // namespace ipcxx::detail
