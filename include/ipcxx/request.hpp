// Request/response on top of named events: what a request's caller gets back, and what a
// request handler returns.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "ipcxx/payload.hpp"
#include "ipcxx/socket.hpp"

namespace ipcxx {

/// Identifies a request on its client or server (for cancel()).
using RequestId = std::uint64_t;

/// The outcome of one request, delivered once.
struct Response {
    /// Empty on success. Otherwise: request_timeout, request_cancelled, connection_lost (the
    /// request had been written when the connection dropped), not_connected, remote_error (the
    /// peer's handler answered with an error), no_handler (the peer has none for the event), ...
    std::error_code error;
    std::string remote_code;  ///< the peer's error code string ("no_handler", "handler_exception", or the application's)
    std::string message;      ///< what went wrong, in one line
    Payload data;             ///< the result on success
    std::string answered_by;  ///< Server::distribute: the id of the client that answered (or last tried)
    unsigned attempts = 0;    ///< Server::distribute: how many clients the request was sent to

    /// True on success.
    explicit operator bool() const noexcept { return !error; }
};
/// Called once with a request's outcome, on the library's I/O thread.
using ResponseHandler = std::function<void(const Response&)>;

/// What a request handler returns when it answers with a value or an error. A handler may also
/// return any msgpack-packable value, a Payload, or nothing (void: the response carries nil).
/// A handler that throws answers with the error code "handler_exception" and the exception's text.
class Reply {
public:
    /// A success carrying `v`, packed with msgpack-c.
    template <class T>
    static Reply value(const T& v) {
        Reply r;
        r.data_ = Payload::from(v);
        return r;
    }
    /// A success carrying `p`.
    static Reply value(Payload p) {
        Reply r;
        r.data_ = std::move(p);
        return r;
    }
    /// An error response: the requester sees `code` as Response::remote_code, `message`, and the
    /// error remote_error (no_handler or no_reply for those two codes).
    static Reply error(std::string code, std::string message) {
        Reply r;
        r.failed_ = true;
        r.code_ = std::move(code);
        r.message_ = std::move(message);
        return r;
    }

    /// True for an error response.
    bool failed() const noexcept { return failed_; }
    /// The value of a success.
    const Payload& data() const noexcept { return data_; }
    /// The error code string of an error response.
    const std::string& code() const noexcept { return code_; }
    /// The message of an error response.
    const std::string& message() const noexcept { return message_; }

private:
    bool failed_ = false;
    Payload data_;
    std::string code_;
    std::string message_;
};

}  // namespace ipcxx
