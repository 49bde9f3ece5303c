// BroadcastResult: what one Server::broadcast did for each subscriber.
#pragma once

#include <cstddef>
#include <string>
#include <system_error>

#include "ipcxx/export.hpp"

namespace ipcxx {

/// The outcome of one broadcast: how many subscribers got it queued, how many dropped it by their
/// slow-subscriber policy (Config::slow_subscriber), how many refused it. It converts to the
/// std::error_code broadcast used to return, so `if (auto ec = server.broadcast(...))` still means
/// "something failed": `error` is set when the broadcast failed as a whole (bad event name, frame too
/// large, not allowed...) or when at least one subscriber refused it (policy refuse: queue_full).
/// A drop is the policy working as configured: it is counted, never an error.
struct IPCXX_API BroadcastResult {
    std::size_t queued = 0;   ///< subscribers that got the message queued
    std::size_t dropped = 0;  ///< subscribers whose policy dropped it (drop_newest) or made room by dropping older ones (drop_oldest)
    std::size_t refused = 0;  ///< subscribers that refused it (policy refuse, or another per-subscriber error)
    std::error_code error;    ///< the broadcast's failure, or the first subscriber's refusal; empty otherwise

    /// `error`, so that existing `std::error_code ec = server.broadcast(...)` keeps compiling.
    operator std::error_code() const noexcept { return error; }  // NOLINT(google-explicit-constructor)
    /// True when `error` is set.
    explicit operator bool() const noexcept { return static_cast<bool>(error); }
    /// `error.message()`.
    std::string message() const { return error.message(); }
    /// Compares `error` with an error code (or an ipcxx::errc value).
    friend bool operator==(const BroadcastResult& result, const std::error_code& ec) noexcept { return result.error == ec; }
    /// Negation of operator==.
    friend bool operator!=(const BroadcastResult& result, const std::error_code& ec) noexcept { return result.error != ec; }
};

}  // namespace ipcxx
