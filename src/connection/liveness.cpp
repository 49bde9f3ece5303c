#include "connection/liveness.hpp"

#include <algorithm>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

void Liveness::send_pings(Clock::time_point now) {
    pinging_ = settings_.heartbeat_interval.count() > 0;
    next_ping_ = now + settings_.heartbeat_interval;
}

void Liveness::native_client_ready(Clock::time_point now) {
    if (settings_.heartbeat != HeartbeatMode::ping || pinging_) return;
    send_pings(now);
    watch_silence();
}

bool Liveness::peer_pinged() noexcept {
    if (watching_ || settings_.heartbeat == HeartbeatMode::off) return false;
    watch_silence();
    return watching_;
}

Liveness::Verdict Liveness::check(Clock::time_point now, bool frame_incomplete) {
    Verdict verdict;
    // Run late: this side stalled, and silence counts from the end of the stall.
    if (now > due_ && now - due_ > settings_.stall_threshold) last_received_ = now;
    const auto silent_for = now - last_received_;
    if (watching_ && silent_for >= settings_.heartbeat_timeout) {
        verdict.failure = make_error_code(errc::heartbeat_timeout);
        return verdict;
    }
    const bool message_check = settings_.message_timeout.count() > 0;
    if (message_check && frame_incomplete && silent_for >= settings_.message_timeout) {
        verdict.failure = make_error_code(errc::message_timeout);
        return verdict;
    }
    if (pinging_ && now >= next_ping_) {
        verdict.ping = true;
        next_ping_ = now + settings_.heartbeat_interval;
    }
    verdict.next = Clock::time_point::max();
    if (watching_) verdict.next = std::min(verdict.next, last_received_ + settings_.heartbeat_timeout);
    // A frame that starts after this check cannot time out before now + message_timeout.
    if (message_check) {
        verdict.next = std::min(verdict.next, (frame_incomplete ? last_received_ : now) + settings_.message_timeout);
    }
    if (pinging_) verdict.next = std::min(verdict.next, next_ping_);
    if (settings_.quiet_period.count() > 0) {
        const bool arrived = last_received_ > checked_;
        verdict.quiet = !arrived;
        if (arrived) verdict.next = std::min(verdict.next, now + settings_.quiet_period);
    }
    verdict.next = on_grid(verdict.next);
    checked_ = now;
    due_ = verdict.next;
    return verdict;
}

Liveness::Clock::time_point Liveness::on_grid(Clock::time_point t) const noexcept {
    const auto step = std::chrono::duration_cast<Clock::duration>(settings_.granularity);
    if (step.count() <= 0 || t == Clock::time_point::max()) return t;
    const auto past = t.time_since_epoch() % step;
    return past.count() == 0 ? t : t + (step - past);
}

}  // namespace ipcxx::detail
