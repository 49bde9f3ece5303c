// The connection decisions of a RedisClient (socket-free): when to reconnect and after how long,
// when to give up, and with which error each kind of command ends on each kind of break.
//
//   connecting --connected--> ready --lost--> waiting --timer--> connecting
//   connecting --attempt failed--> waiting (or closed: retries exhausted, or a failure retrying
//                                   cannot help: bad URL, refused credentials, TLS settings, a
//                                   certificate refused)
//   any --close--> closed
//
// On a break the commands written end with connection_lost (a command timeout: the timed-out one
// with request_timeout, the rest connection_lost), the unwritten ones wait for the next connection.
// When the client closes or gives up, everything waiting ends: not_connected after close(),
// retries_exhausted after max_retries failed attempts, or the failure itself when retrying cannot help.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <system_error>

#include "runtime/backoff.hpp"

namespace ipcxx::detail {

class RedisLinkFsm {
public:
    enum class State { connecting, ready, waiting, closed };

    struct Step {
        bool publish_disconnect = false;   // a ready connection ended
        bool reconnect = false;            // schedule an attempt after `delay`
        std::chrono::milliseconds delay{0};
        std::error_code end_everything;    // set: the client is closed; every command ends with it
    };

    // max_retries: failed attempts in a row before giving up; 0 = never.
    RedisLinkFsm(BackoffSettings backoff, std::size_t max_retries, std::uint64_t jitter_seed);

    State state() const noexcept { return state_; }
    // What a new command ends with at once (the client is closed), or nothing: it waits or is written.
    std::error_code refusal() const noexcept { return state_ == State::closed ? final_ : std::error_code{}; }

    void on_connected();
    Step on_attempt_failed(std::error_code why);
    // A ready connection broke (read or write error, bytes that are not RESP, a command timeout).
    Step on_lost();
    // The reconnect delay passed: true when an attempt is to be made now.
    bool on_timer();
    Step on_close();

    // Failures of the settings themselves, which the next attempt would meet again.
    static bool retry_cannot_help(std::error_code ec) noexcept;

private:
    BackoffSettings backoff_;
    std::size_t max_retries_;
    std::uint64_t rng_;
    State state_ = State::connecting;
    std::size_t failures_ = 0;
    std::error_code final_;
};

}  // namespace ipcxx::detail
