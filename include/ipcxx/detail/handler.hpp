// How event handlers are stored, and the adapters that turn the signatures `on` accepts into
// that form (used by EventSource::on / once).
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ipcxx/export.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/socket.hpp"

namespace ipcxx::detail {

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
struct IPCXX_API ConversionFailure : std::exception {
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

}  // namespace ipcxx::detail
