// Handler registration: the signatures `on` accepts, and the adapters that call them.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ipcxx/payload.hpp"
#include "ipcxx/request.hpp"
#include "ipcxx/request_handler.hpp"
#include "ipcxx/responder.hpp"
#include "ipcxx/socket.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

using HandlerId = std::uint64_t;

namespace detail {

// An io_context run by a thread that `keepalive` keeps alive (ipcxx::Ipc's).
struct SharedIo {
    asio::io_context& io;
    std::shared_ptr<void> keepalive;
};

// What an event offers its handlers.
struct EventArgs {
    std::string_view event;
    const Payload* data = nullptr;
    Socket* socket = nullptr;
    const ErrorEvent* error = nullptr;
};

enum HandlerNeeds : unsigned { needs_data = 1u, needs_socket = 2u, needs_error = 4u, needs_name = 8u };

struct Handler {
    std::function<void(const EventArgs&)> call;
    unsigned needs = 0;
};

// Thrown inside a typed handler's adapter when the payload does not convert; the dispatcher turns
// it into an `error` event with errc::conversion_failed naming the event.
struct ConversionFailure : std::exception {
    std::string message;
    explicit ConversionFailure(std::string m) : message(std::move(m)) {}
    const char* what() const noexcept override { return message.c_str(); }
};

template <class F>
Handler make_handler(F&& f) {
    using Fn = std::decay_t<F>;
    Fn fn(std::forward<F>(f));
    if constexpr (std::is_invocable_v<Fn&, std::string_view, const Payload&, Socket&>) {
        return {[fn](const EventArgs& a) mutable { fn(a.event, *a.data, *a.socket); },
                needs_name | needs_data | needs_socket};
    } else if constexpr (std::is_invocable_v<Fn&, std::string_view, const Payload&>) {
        return {[fn](const EventArgs& a) mutable { fn(a.event, *a.data); }, needs_name | needs_data};
    } else if constexpr (std::is_invocable_v<Fn&, const Payload&, Socket&>) {
        return {[fn](const EventArgs& a) mutable { fn(*a.data, *a.socket); }, needs_data | needs_socket};
    } else if constexpr (std::is_invocable_v<Fn&, const Payload&>) {
        return {[fn](const EventArgs& a) mutable { fn(*a.data); }, needs_data};
    } else if constexpr (std::is_invocable_v<Fn&, const ErrorEvent&>) {
        return {[fn](const EventArgs& a) mutable { fn(*a.error); }, needs_error};
    } else if constexpr (std::is_invocable_v<Fn&, Socket&>) {
        return {[fn](const EventArgs& a) mutable { fn(*a.socket); }, needs_socket};
    } else if constexpr (std::is_invocable_v<Fn&>) {
        return {[fn](const EventArgs&) mutable { fn(); }, 0u};
    } else {
        static_assert(std::is_invocable_v<Fn&>,
                      "handler must take (), (const Payload&), (const Payload&, Socket&), (Socket&), "
                      "(const ErrorEvent&), or (std::string_view, const Payload&[, Socket&]) for \"*\"");
        return {};
    }
}

template <class T>
T convert_for(const EventArgs& a) {
    T value;
    if (!a.data->try_as(value)) {
        throw ConversionFailure("payload of event '" + std::string(a.event) +
                                "' does not convert to the handler's type");
    }
    return value;
}

template <class T, class F>
Handler make_typed_handler(F&& f) {
    using Fn = std::decay_t<F>;
    Fn fn(std::forward<F>(f));
    if constexpr (std::is_invocable_v<Fn&, T, Socket&>) {
        return {[fn](const EventArgs& a) mutable { fn(convert_for<T>(a), *a.socket); },
                needs_data | needs_socket};
    } else {
        static_assert(std::is_invocable_v<Fn&, T>, "typed handler must take (T) or (T, Socket&)");
        return {[fn](const EventArgs& a) mutable { fn(convert_for<T>(a)); }, needs_data};
    }
}

}  // namespace detail

// on / once / off, shared by Server and Client. Which signatures fit which events is checked at
// registration: a misfit throws ipcxx::Error(errc::bad_handler) naming the signatures that fit.
class EventSource {
public:
    template <class F>
    HandlerId on(std::string_view event, F&& handler) {
        return add_handler(event, detail::make_handler(std::forward<F>(handler)), false);
    }
    // A handler that receives the payload converted to T; a failed conversion is an `error` event
    // (errc::conversion_failed) naming the event.
    template <class T, class F>
    HandlerId on(std::string_view event, F&& handler) {
        return add_handler(event, detail::make_typed_handler<T>(std::forward<F>(handler)), false);
    }
    template <class F>
    HandlerId once(std::string_view event, F&& handler) {
        return add_handler(event, detail::make_handler(std::forward<F>(handler)), true);
    }
    virtual void off(std::string_view event) = 0;  // removes every handler of the event
    virtual void off(HandlerId id) = 0;

    // Answers requests for `event` (one handler per event; a second replaces the first).
    // The handler takes (const Payload& args) or, on a server, (const Payload& args, Socket& from),
    // and returns a value, a Payload, a Reply (value or error), or nothing. An exception thrown by
    // it answers with the error "handler_exception" and its text.
    template <class F>
    void handle(std::string_view event, F&& handler) {
        add_request_handler(event, detail::make_request_handler(std::forward<F>(handler)));
    }
    // The same with the arguments converted to T; a failed conversion answers "bad_request".
    template <class T, class F>
    void handle(std::string_view event, F&& handler) {
        add_request_handler(event, detail::make_typed_request_handler<T>(std::forward<F>(handler)));
    }
    virtual void unhandle(std::string_view event) = 0;

protected:
    ~EventSource() = default;
    virtual HandlerId add_handler(std::string_view event, detail::Handler handler, bool once) = 0;
    virtual void add_request_handler(std::string_view event, detail::RequestHandler handler) = 0;
};

namespace detail {
// The std::future form of a request: resolves to the response's data, or throws ipcxx::Error.
inline std::pair<ResponseHandler, std::future<Payload>> future_response() {
    auto promise = std::make_shared<std::promise<Payload>>();
    auto future = promise->get_future();
    ResponseHandler handler = [promise](const Response& response) {
        if (response) {
            promise->set_value(response.data);
        } else {
            promise->set_exception(std::make_exception_ptr(Error(response.error, response.message)));
        }
    };
    return {std::move(handler), std::move(future)};
}
// A future-form request refused on the I/O thread: its future holds Error(would_deadlock).
std::future<Payload> would_deadlock_future(std::string_view event);
}  // namespace detail

}  // namespace ipcxx
