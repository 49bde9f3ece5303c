#include "server/overflow_monitor.hpp"

namespace ipcxx::detail {

const char* policy_name(SlowSubscriberPolicy policy) noexcept {
    switch (policy) {
        case SlowSubscriberPolicy::refuse: return "refuse";
        case SlowSubscriberPolicy::drop_newest: return "drop_newest";
        case SlowSubscriberPolicy::drop_oldest: return "drop_oldest";
    }
    return "unknown";
}

OverflowMonitor::Verdict OverflowMonitor::on_queued(Clock::time_point now, std::size_t evicted) {
    if (evicted == 0) {
        over_since_.reset();
    } else {
        if (!over_since_) over_since_ = now;
        unreported_ += evicted;
    }
    return verdict(now);
}

OverflowMonitor::Verdict OverflowMonitor::on_overflow(Clock::time_point now) {
    if (!over_since_) over_since_ = now;
    ++unreported_;
    return verdict(now);
}

std::size_t OverflowMonitor::take_unreported() noexcept {
    const std::size_t count = unreported_;
    unreported_ = 0;
    return count;
}

OverflowMonitor::Verdict OverflowMonitor::verdict(Clock::time_point now) {
    Verdict out;
    // Held back drops go out with the next broadcast after the interval, whether it fits or not.
    if (unreported_ > 0 && (!last_report_ || now - *last_report_ >= report_interval_)) {
        out.report = take_unreported();
        last_report_ = now;
    }
    if (over_since_ && !disconnected_ && disconnect_after_.count() > 0 && now - *over_since_ >= disconnect_after_) {
        out.disconnect = true;
        disconnected_ = true;
    }
    return out;
}

}  // namespace ipcxx::detail
