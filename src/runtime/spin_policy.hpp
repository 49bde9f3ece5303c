// When an I/O thread with nothing to do polls on (spins) and when it sleeps in the kernel: socket-free,
// driven by the times the thread hands it, so that tests can play sequences of gaps on a fake clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace ipcxx::detail {

// Spinning pays when the next event comes soon after the thread ran out of work: it saves the
// wake-up (tens of microseconds on virtual machines) for a few microseconds of polling. When events
// come further apart (paced requests, idle connections), or only some of them come soon (a request
// and the completion of its reply, then silence), the spins that find nothing cost more than the
// others save. So the policy spins, for at most `max_spin`, only while nearly all recent gaps were
// short (under half of `max_spin`); otherwise it sleeps at once, and tries a spin now and then, at
// intervals that double after each try that found no short gap.
// A spin whose work came in while it yielded the CPU to another thread for a while (a peer on the
// same CPU, which could only answer because we yielded) saved nothing either: sleeping hands the CPU
// over as well, and on the same CPU the wake-up is no dearer than the yield, while each round of
// spinning costs a yield and an extra poll. When nearly all recent spins ended so, the policy sleeps
// as for long gaps. Only nearly all: a client whose own thread emits each request (a hand-off)
// still gains from spinning for the reply from another CPU (a short gap).
class SpinPolicy {
public:
    using Clock = std::chrono::steady_clock;

    // `max_spin` > 0: the longest spin (Config::busy_poll).
    explicit SpinPolicy(std::chrono::microseconds max_spin);

    // The thread has run its handlers and found no more work at `now`.
    void went_idle(Clock::time_point now);
    // Whether the thread, idle since went_idle(), polls again at `now` rather than sleeping.
    bool keep_spinning(Clock::time_point now) const;
    // While spinning: the thread yielded the CPU from `before` to `after`, and polls next.
    void yielded(Clock::time_point before, Clock::time_point after) noexcept;
    // The thread found work at `now`, while spinning or after a sleep.
    void found_work(Clock::time_point now);

    // Whether an idle period spins (else it sleeps, unless it is a try).
    bool spinning_mode() const noexcept;
    // Whether the next idle period spins (the mode's or a try's spin).
    bool next_idle_spins() const noexcept;

private:
    Clock::duration max_spin_;
    Clock::duration short_gap_;
    // The share of recent spins that found no short gap, in 1/65536: a moving average over about
    // the last 16 spins.
    std::uint32_t miss_rate_ = 0;
    // The share of recent spins whose work came while a yield let another thread run, likewise.
    std::uint32_t handoff_rate_ = 0;
    std::uint32_t idles_until_try_ = 0;  // sleeping mode: idle periods to sleep through before a try
    std::uint32_t try_interval_ = 1;     // sleeping mode: one idle period in this many tries a spin
    bool spinning_now_ = false;          // this idle period spins
    bool handed_off_ = false;            // the last yield of this idle period let another thread run
    Clock::time_point idle_since_{};
};

}  // namespace ipcxx::detail
