// What servers and clients share for publishing events: the handler registry, the rules about
// which handler signatures fit which events, the error event, and the log.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "dispatch/handler_registry.hpp"
#include "ipcxx/config.hpp"
#include "ipcxx/handlers.hpp"
#include "ipcxx/socket.hpp"

namespace ipcxx::detail {

enum class Side { server, client };

class EventSink {
public:
    EventSink(Side side, const Config& config) : side_(side), config_(config) {}

    // Throws ipcxx::Error(bad_handler) when the handler's signature cannot receive what the event
    // passes, or invalid_argument for an empty name.
    HandlerId add(std::string_view event, Handler handler, bool once);
    HandlerRegistry& registry() noexcept { return registry_; }

    void publish(std::string_view event, Socket* socket = nullptr);
    void publish_message(std::string_view event, const Payload& data, Socket* socket);
    void publish_error(ErrorEvent error);
    // Runs `f` (an offloaded handler, an on_cancel callback) under the registry's rule: not after
    // close(), which waits for it. An exception it throws becomes an `error` event naming `what`.
    void run_guarded(std::string_view what, const std::function<void()>& f);
    void log(const std::string& line) const;

private:
    void on_handler_exception(std::string_view event, const std::string& what, bool conversion);

    Side side_;
    const Config& config_;
    HandlerRegistry registry_;
};

}  // namespace ipcxx::detail
