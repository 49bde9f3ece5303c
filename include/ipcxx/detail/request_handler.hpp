// How request handlers are stored, and the adapters that turn the signatures `handle` accepts into
// that form (used by EventSource::handle).
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "ipcxx/payload.hpp"
#include "ipcxx/request.hpp"
#include "ipcxx/responder.hpp"
#include "ipcxx/socket.hpp"

namespace ipcxx::detail {

// A request handler as the library stores it: `call` answers at once (`from` is null on the client
// side, where a handler that needs it is refused at registration); `deferred` takes a Responder and
// answers whenever it likes. Exactly one of the two is set.
struct RequestHandler {
    std::function<Reply(const Payload& args, Socket* from)> call;
    std::function<void(Responder)> deferred;
    bool needs_socket = false;
};

template <class R>
Reply to_reply(R&& result) {
    using T = std::decay_t<R>;
    if constexpr (std::is_same_v<T, Reply>) {
        return std::forward<R>(result);
    } else if constexpr (std::is_same_v<T, Payload>) {
        return Reply::value(std::forward<R>(result));
    } else {
        return Reply::value(result);
    }
}

template <class F, class... Args>
Reply call_for_reply(F& fn, Args&&... args) {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, Args...>>) {
        fn(std::forward<Args>(args)...);
        return Reply::value(msgpack::type::nil_t());
    } else {
        return to_reply(fn(std::forward<Args>(args)...));
    }
}

template <class F>
RequestHandler make_request_handler(F&& f) {
    using Fn = std::decay_t<F>;
    Fn fn(std::forward<F>(f));
    if constexpr (std::is_invocable_v<Fn&, Responder>) {
        return {{}, [fn](Responder responder) mutable { fn(std::move(responder)); }, false};
    } else if constexpr (std::is_invocable_v<Fn&, const Payload&, Socket&>) {
        return {[fn](const Payload& args, Socket* from) mutable { return call_for_reply(fn, args, *from); }, {}, true};
    } else {
        static_assert(std::is_invocable_v<Fn&, const Payload&>,
                      "request handler must take (ipcxx::Responder), (const Payload&) or (const Payload&, Socket&)");
        return {[fn](const Payload& args, Socket*) mutable { return call_for_reply(fn, args); }, {}, false};
    }
}

template <class T, class F>
RequestHandler make_typed_request_handler(F&& f) {
    using Fn = std::decay_t<F>;
    Fn fn(std::forward<F>(f));
    constexpr bool with_socket = std::is_invocable_v<Fn&, T, Socket&>;
    return {[fn](const Payload& args, Socket* from) mutable {
                T value;
                if (!args.try_as(value)) {
                    return Reply::error("bad_request", "arguments do not convert to the handler's type");
                }
                if constexpr (with_socket) {
                    return call_for_reply(fn, std::move(value), *from);
                } else {
                    return call_for_reply(fn, std::move(value));
                }
            },
            {},
            with_socket};
}

}  // namespace ipcxx::detail
