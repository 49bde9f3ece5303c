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

using RequestId = std::uint64_t;

// The outcome of one request, delivered once.
struct Response {
    // Empty on success. Otherwise: request_timeout, request_cancelled, connection_lost (the
    // request had been written when the connection dropped), not_connected, remote_error (the
    // peer's handler answered with an error), no_handler (the peer has none for the event), ...
    std::error_code error;
    std::string remote_code;  // the peer's error code string ("no_handler", "handler_exception", or the application's)
    std::string message;      // what went wrong, in one line
    Payload data;             // the result on success

    explicit operator bool() const noexcept { return !error; }
};
using ResponseHandler = std::function<void(const Response&)>;

// What a request handler returns when it answers with a value or an error. A handler may also
// return any msgpack-packable value, a Payload, or nothing (void: the response carries nil).
// A handler that throws answers with the error code "handler_exception" and the exception's text.
class Reply {
public:
    template <class T>
    static Reply value(const T& v) {
        Reply r;
        r.data_ = Payload::from(v);
        return r;
    }
    static Reply value(Payload p) {
        Reply r;
        r.data_ = std::move(p);
        return r;
    }
    static Reply error(std::string code, std::string message) {
        Reply r;
        r.failed_ = true;
        r.code_ = std::move(code);
        r.message_ = std::move(message);
        return r;
    }

    bool failed() const noexcept { return failed_; }
    const Payload& data() const noexcept { return data_; }
    const std::string& code() const noexcept { return code_; }
    const std::string& message() const noexcept { return message_; }

private:
    bool failed_ = false;
    Payload data_;
    std::string code_;
    std::string message_;
};

}  // namespace ipcxx
