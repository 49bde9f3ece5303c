// Handler registration: EventSource, the on / once / handle interface of Server and Client.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "ipcxx/detail/handler.hpp"
#include "ipcxx/detail/request_handler.hpp"
#include "ipcxx/export.hpp"

namespace ipcxx {

/// Identifies a handler added by on / once, for off().
using HandlerId = std::uint64_t;

/// on / once / off, shared by Server and Client. Which signatures fit which events is checked at
/// registration: a misfit throws ipcxx::Error(errc::bad_handler) naming the signatures that fit.
class IPCXX_API EventSource {
public:
    /// Adds `handler` for `event` and returns its id, for off(). The signatures that fit are listed
    /// with each event in Server and Client.
    template <class F>
    HandlerId on(std::string_view event, F&& handler) {
        return add_handler(event, detail::make_handler(std::forward<F>(handler)), false);
    }
    /// A handler that receives the payload converted to T; a failed conversion is an `error` event
    /// (errc::conversion_failed) naming the event.
    template <class T, class F>
    HandlerId on(std::string_view event, F&& handler) {
        return add_handler(event, detail::make_typed_handler<T>(std::forward<F>(handler)), false);
    }
    /// As on(), for the next `event` only: the handler runs at most once, then is removed.
    template <class F>
    HandlerId once(std::string_view event, F&& handler) {
        return add_handler(event, detail::make_handler(std::forward<F>(handler)), true);
    }
    virtual void off(std::string_view event) = 0;  ///< removes every handler of the event
    /// Removes the handler `id`.
    virtual void off(HandlerId id) = 0;

    /// Answers requests for `event` (one handler per event; a second replaces the first).
    /// The handler takes (const Payload& args) or, on a server, (const Payload& args, Socket& from),
    /// and returns a value, a Payload, a Reply (value or error), or nothing. A handler that takes an
    /// ipcxx::Responder instead returns at once and answers through it, later. An exception thrown by
    /// it answers with the error "handler_exception" and its text.
    template <class F>
    void handle(std::string_view event, F&& handler) {
        add_request_handler(event, detail::make_request_handler(std::forward<F>(handler)));
    }
    /// The same with the arguments converted to T; a failed conversion answers "bad_request".
    template <class T, class F>
    void handle(std::string_view event, F&& handler) {
        add_request_handler(event, detail::make_typed_request_handler<T>(std::forward<F>(handler)));
    }
    /// Removes the request handler of `event`.
    virtual void unhandle(std::string_view event) = 0;

protected:
    /// Virtual, so that a class derived from Server or Client is destroyed whole through a pointer to either.
    virtual ~EventSource() = default;
    /// Stores an adapted handler (the hook behind on / once).
    virtual HandlerId add_handler(std::string_view event, detail::Handler handler, bool once) = 0;
    /// Stores an adapted request handler (the hook behind handle).
    virtual void add_request_handler(std::string_view event, detail::RequestHandler handler) = 0;
};

}  // namespace ipcxx
