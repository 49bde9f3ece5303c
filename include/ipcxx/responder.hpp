// Responder: one received request, answered later (a deferred reply), from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "ipcxx/export.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/request.hpp"
#include "ipcxx/socket.hpp"

namespace ipcxx {

namespace detail {
class ResponderState;
struct ResponderAccess;
}  // namespace detail

/// A request handler that takes a Responder (`handle("job", [](ipcxx::Responder r) { ... })`) returns
/// at once and answers later, exactly once, from any thread: with a value, a Payload, a Reply, or an
/// error code and message. The handle is copyable; copies share the request.
///
/// - The requester's deadline travels with the request: time_left() says how long it still waits.
/// - Cancellation travels: when the requester cancels, its deadline passes, or its connection drops,
///   cancelled() turns true and the on_cancel callback runs (once, on the library's thread for that
///   connection; never inside on_cancel itself). Stop the work then.
/// - An answer after cancellation is dropped and counted (dropped_replies() on the server or client)
///   and reply() returns errc::request_cancelled. An answer whose connection has closed is reported
///   in an `error` event (errc::undelivered, naming the request) and reply() returns not_connected.
///   A second answer is refused with errc::already_answered.
/// - When the last copy is destroyed without an answer (and without a cancellation), the requester
///   gets the error response "no_reply": never silence.
///
/// Thread safety: every member is safe from any thread.
class IPCXX_API Responder {
public:
    Responder() = default;

    RequestId id() const noexcept;              ///< the request's id on its connection
    const std::string& event() const noexcept;  ///< the requested event
    const Payload& args() const noexcept;       ///< the request's arguments
    Socket socket() const;                      ///< server: the requesting connection; empty on a client

    /// The requester's deadline, as seen here: arrival time + the time it said it would wait.
    std::optional<std::chrono::steady_clock::time_point> deadline() const noexcept;
    /// Until that deadline (zero once passed); milliseconds::max() when the requester sent none.
    std::chrono::milliseconds time_left() const;

    /// True once the request is cancelled (see cancel_reason()).
    bool cancelled() const noexcept;
    /// Why: request_cancelled (the requester cancelled), request_timeout (its deadline passed),
    /// connection_lost (its connection closed); empty while not cancelled.
    std::error_code cancel_reason() const;
    /// Runs `callback(reason)` once when the request is cancelled (at once, posted, if it already is).
    void on_cancel(std::function<void(std::error_code reason)> callback);

    /// Answers with a value (anything msgpack can pack), a Payload, or a Reply.
    template <class T>
    std::error_code reply(const T& value) {
        return reply_packed(detail::pack_thread_local(value));
    }
    /// Answers with an already packed Payload.
    std::error_code reply(const Payload& value) { return reply_packed(value.msgpack()); }
    /// Answers with a value or an error (Reply).
    std::error_code reply(const Reply& answer);
    /// Answers with an error response: `code` (non-empty) and a one-line message.
    std::error_code fail(std::string_view code, std::string_view message);

    /// True once an answer was accepted.
    bool answered() const noexcept;
    /// False for an empty handle.
    explicit operator bool() const noexcept { return static_cast<bool>(state_); }

private:
    friend struct detail::ResponderAccess;
    explicit Responder(std::shared_ptr<detail::ResponderState> state) : state_(std::move(state)) {}
    std::error_code reply_packed(std::string_view msgpack_data);

    std::shared_ptr<detail::ResponderState> state_;
};

}  // namespace ipcxx
