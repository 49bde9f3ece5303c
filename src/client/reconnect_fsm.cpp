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

#include "ipcxx/error.hpp"
#include "runtime/backoff.hpp"

namespace ipcxx::detail {

namespace {

constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

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
    if (consecutive_failures_ < std::numeric_limits<std::uint32_t>::max()) ++consecutive_failures_;
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
    return backoff_delay({settings_.retry, settings_.backoff_max, settings_.jitter_ratio},
                         consecutive_failures_, rng_);
}

}  // namespace ipcxx::detail
