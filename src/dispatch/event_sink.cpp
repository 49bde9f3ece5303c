#include "dispatch/event_sink.hpp"

#include <cstdio>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace {

// What each lifecycle event passes to its handlers; every other name is a message.
unsigned lifecycle_offers(Side side, std::string_view event, bool& known) {
    known = true;
    if (event == "error") return needs_error;
    if (side == Side::server) {
        if (event == "start") return 0;
        if (event == "connect" || event == "socket.disconnected" || event == "socket.drain") return needs_socket;
    } else {
        if (event == "connect" || event == "disconnect" || event == "destroy" || event == "drain") return 0;
    }
    known = false;
    return 0;
}

}  // namespace

HandlerId EventSink::add(std::string_view event, Handler handler, bool once) {
    if (event.empty()) throw Error(make_error_code(errc::invalid_argument), "event name must not be empty");
    bool lifecycle = false;
    unsigned offers = lifecycle_offers(side_, event, lifecycle);
    if (!lifecycle) {
        offers = needs_data | (side_ == Side::server ? needs_socket : 0u) | (event == "*" ? needs_name : 0u);
    }
    if ((handler.needs & ~offers) != 0) {
        std::string what = "handler for '" + std::string(event) + "' takes arguments the event does not pass; ";
        if (event == "error") what += "use (const ipcxx::ErrorEvent&)";
        else if (lifecycle) what += offers == needs_socket ? "use (ipcxx::Socket&) or ()" : "use ()";
        else if (event == "*") what += side_ == Side::server ? "use (std::string_view, const Payload&, Socket&)"
                                                               : "use (std::string_view, const Payload&)";
        else what += side_ == Side::server ? "use (const Payload&, Socket&) or (const Payload&)"
                                           : "use (const Payload&)";
        throw Error(make_error_code(errc::bad_handler), what);
    }
    return registry_.add(std::string(event), std::move(handler), once);
}

void EventSink::publish(std::string_view event, Socket* socket) {
    EventArgs args;
    args.event = event;
    args.socket = socket;
    registry_.dispatch(args, false, [&](const std::string& what, bool conversion) {
        on_handler_exception(event, what, conversion);
    });
}

void EventSink::publish_message(std::string_view event, const Payload& data, Socket* socket) {
    EventArgs args;
    args.event = event;
    args.data = &data;
    args.socket = socket;
    registry_.dispatch(args, true, [&](const std::string& what, bool conversion) {
        on_handler_exception(event, what, conversion);
    });
}

void EventSink::publish_error(ErrorEvent error) {
    EventArgs args;
    args.event = "error";
    args.error = &error;
    if (error.socket) args.socket = &error.socket;
    const std::size_t called = registry_.dispatch(args, false, [&](const std::string& what, bool) {
        log("error handler threw: " + what + " (while reporting: " + error.message + ")");
    });
    if (called == 0) log("error: " + error.message);
}

void EventSink::run_guarded(std::string_view what, const std::function<void()>& f) {
    std::string failure;
    registry_.run_guarded([&] {
        try {
            f();
        } catch (const std::exception& e) {
            failure = e.what();
        } catch (...) {
            failure = "unknown exception";
        }
    });
    if (!failure.empty()) on_handler_exception(what, failure, false);
}

void EventSink::log(const std::string& line) const {
    if (config_.silent) return;
    if (config_.logger) {
        config_.logger(line);
    } else {
        std::fprintf(stderr, "[ipcxx %s] %s\n", config_.id.c_str(), line.c_str());
    }
}

void EventSink::on_handler_exception(std::string_view event, const std::string& what, bool conversion) {
    ErrorEvent error;
    error.code = make_error_code(conversion ? errc::conversion_failed : errc::handler_exception);
    error.event = std::string(event);
    error.message = conversion ? what : "handler for '" + std::string(event) + "' threw: " + what;
    publish_error(std::move(error));
}

}  // namespace ipcxx::detail
