// node-ipc's client retry rules (nodeipc-wire.md G.1, verified against node-ipc 14 and 9.2.1):
// - every close of the current socket, a failed attempt included, publishes `disconnect`; so a
//   client started before its server keeps retrying through the same path;
// - it then gives up (`destroy`) if stopRetrying, or retriesRemaining < 1 (node-ipc 14 also when
//   the server sent bad input; ipcxx retries then, and gives up only where retrying cannot help);
//   otherwise it retries after `retry` ms and decrements retriesRemaining;
// - retriesRemaining is reset to maxRetries on every successful connect, so maxRetries bounds
//   consecutive failures, not the total (maxRetries=2: the 2nd failed retry destroys).
// Exponential backoff with jitter is an ipcxx extension, off by default like node-ipc.
#include "client/reconnect_fsm.hpp"

#include <algorithm>
#include <cmath>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

namespace {

constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

// splitmix64: tiny, seedable with any value (0 included), good enough to spread retries.
std::uint64_t next_random(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace

bool retry_cannot_help(std::error_code ec) noexcept {
    return ec == errc::native_wire_refused || ec == errc::handshake_timeout || ec == errc::path_too_long ||
           ec == errc::tls_configuration || ec == errc::tls_certificate_expired ||
           ec == errc::tls_host_name_mismatch || ec == errc::tls_unknown_ca ||
           ec == errc::tls_client_certificate_required || ec == errc::tls_certificate_rejected ||
           ec == errc::tls_unavailable;
}

CloseCause cause_of(std::error_code ec) noexcept {
    return retry_cannot_help(ec) ? CloseCause::permanent : CloseCause::closed;
}

ReconnectFsm::ReconnectFsm(ReconnectSettings settings, std::uint64_t jitter_seed)
    : settings_(settings), retries_remaining_(settings.max_retries), rng_(jitter_seed) {}

bool ReconnectFsm::start() {
    if (state_ != State::idle) {
        return false;
    }
    state_ = State::connecting;
    return true;
}

bool ReconnectFsm::restart() {
    if (state_ != State::destroyed) {
        return false;
    }
    state_ = State::connecting;
    retries_remaining_ = settings_.max_retries;
    consecutive_failures_ = 0;
    return true;
}

void ReconnectFsm::on_connected() {
    // A connect that completes after disconnect() (or in any unexpected state) changes nothing.
    if (state_ != State::connecting) {
        return;
    }
    state_ = State::connected;
    retries_remaining_ = settings_.max_retries;
    consecutive_failures_ = 0;
}

ReconnectStep ReconnectFsm::on_closed(CloseCause cause) {
    ReconnectStep step;
    if (state_ != State::connecting && state_ != State::connected) {
        return step;
    }
    step.publish_disconnect = true;
    if (settings_.stop_retrying || retries_remaining_ < 1 ||
        cause == CloseCause::permanent) {
        step.publish_destroy = true;
        state_ = State::destroyed;
        return step;
    }
    if (retries_remaining_ != unlimited) {
        --retries_remaining_;
    }
    ++consecutive_failures_;
    step.reconnect = true;
    step.delay = next_delay();
    state_ = State::waiting;
    return step;
}

bool ReconnectFsm::on_timer() {
    if (state_ != State::waiting) {
        return false;
    }
    state_ = State::connecting;
    return true;
}

ReconnectStep ReconnectFsm::on_disconnect() {
    ReconnectStep step;
    switch (state_) {
    case State::connecting:
    case State::connected:
        step.publish_disconnect = true;
        step.publish_destroy = true;
        break;
    case State::waiting:  // the close that led here already published its disconnect
    case State::idle:
        step.publish_destroy = true;
        break;
    case State::destroyed:
        return step;
    }
    state_ = State::destroyed;
    return step;
}

std::chrono::milliseconds ReconnectFsm::next_delay() {
    using rep = std::chrono::milliseconds::rep;
    const rep base = std::max<rep>(settings_.retry.count(), 0);
    const rep cap = settings_.backoff_max.count();
    rep delay = base;
    if (cap > settings_.retry.count()) {
        // Doubling step by step and stopping at the cap avoids overflowing a shift by the number of
        // failures, which is unbounded when retries are unlimited.
        for (std::size_t n = 1; n < consecutive_failures_ && delay > 0 && delay < cap; ++n) {
            delay = delay > cap / 2 ? cap : delay * 2;
        }
        delay = std::min(delay, cap);
    }

    const double ratio = settings_.jitter_ratio;
    if (ratio > 0.0 && delay > 0) {
        // 53 random bits give a double uniform in [0, 1); map it to [-ratio, +ratio).
        const double unit = static_cast<double>(next_random(rng_) >> 11) * 0x1.0p-53;
        const double jittered = static_cast<double>(delay) * (1.0 + ratio * (2.0 * unit - 1.0));
        // Jitter may lift a delay at the top of the range past what `rep` holds.
        const auto largest = static_cast<double>(std::numeric_limits<rep>::max());
        delay = jittered >= largest ? std::numeric_limits<rep>::max()
                                    : std::max<rep>(static_cast<rep>(std::llround(jittered)), 0);
    }
    return std::chrono::milliseconds(delay);
}

}  // namespace ipcxx::detail
