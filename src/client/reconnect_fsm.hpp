// node-ipc's client reconnect rules as a socket-free state machine.
//
// node-ipc (14 and 9.2.1): on every close of the current socket, including a failed attempt:
// if stop_retrying, or retries_remaining < 1, or an explicit disconnect: publish `disconnect`,
// then `destroy`, and stop. Otherwise schedule a new attempt after `retry` (decrementing
// retries_remaining) and publish `disconnect`. retries_remaining starts at max_retries and is
// reset to it on every successful connect. node-ipc 14 also stops after bad input from the server;
// ipcxx stops only after a failure retrying cannot help (retry_cannot_help).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <system_error>

namespace ipcxx::detail {

struct ReconnectSettings {
    std::chrono::milliseconds retry{500};
    std::size_t max_retries = std::numeric_limits<std::size_t>::max();  // max() = unlimited
    bool stop_retrying = false;
    // Exponential backoff: the n-th consecutive retry waits min(retry * 2^(n-1), backoff_max);
    // off (every retry waits `retry`) when backoff_max <= retry. Then, with or without backoff, a
    // uniformly random jitter of +/- jitter_ratio of that delay.
    std::chrono::milliseconds backoff_max{0};
    double jitter_ratio = 0.0;
};

enum class CloseCause {
    closed,     // the peer closed, the link failed, an attempt failed, or the server sent bad input
    permanent,  // a failure the next attempt would meet again: never reconnect
};

// The failures that end a client for good: the server refuses its wire (native_wire_refused, or
// no welcome at all: handshake_timeout) or a certificate, or the client's own settings cannot work
// (path_too_long, tls_configuration, tls_unavailable). Bad input from the server is not one of them: a server that
// is fixed or restarted may be fine on the next connection.
bool retry_cannot_help(std::error_code ec) noexcept;
CloseCause cause_of(std::error_code ec) noexcept;

struct ReconnectStep {
    std::chrono::milliseconds delay{0};
    bool publish_disconnect = false;
    bool publish_destroy = false;
    bool reconnect = false;  // schedule an attempt after `delay`
};

class ReconnectFsm {
public:
    enum class State : std::uint8_t { idle, connecting, connected, waiting, destroyed };

    explicit ReconnectFsm(ReconnectSettings settings, std::uint64_t jitter_seed = 0);

    // The first attempt. Returns false if already started or destroyed.
    bool start();
    // connect_to again after destroy: a fresh first attempt, with max_retries and the backoff
    // starting over. Returns false unless destroyed.
    bool restart();
    void on_connected();
    // The current socket (or attempt) closed.
    ReconnectStep on_closed(CloseCause cause);
    // The retry delay elapsed: returns true if an attempt must be made now.
    bool on_timer();
    // Explicit disconnect(): no more attempts. Tells whether a disconnect is to be published
    // (it is when a socket or an attempt was live) and always publishes destroy once.
    ReconnectStep on_disconnect();

    State state() const noexcept { return state_; }
    std::size_t retries_remaining() const noexcept { return retries_remaining_; }
    std::size_t consecutive_failures() const noexcept { return consecutive_failures_; }

private:
    std::chrono::milliseconds next_delay();

    ReconnectSettings settings_;
    // Beside the state, in one word (every client keeps one of these). The count stops at 2^32 - 1:
    // the backoff reached its cap long before.
    State state_ = State::idle;
    std::uint32_t consecutive_failures_ = 0;
    std::size_t retries_remaining_;
    std::uint64_t rng_;
};

}  // namespace ipcxx::detail
