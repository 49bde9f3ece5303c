#include "codec/event_names.hpp"

#include <algorithm>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

bool is_protocol_event(std::string_view event) noexcept { return event.substr(0, 6) == "ipcxx."; }

bool is_reserved_event(std::string_view event) noexcept {
    static constexpr std::string_view lifecycle[] = {"start", "connect", "disconnect", "destroy", "close",
                                                     "socket.disconnected", "error", "data", "*",
                                                     "drain", "socket.drain"};
    for (std::string_view name : lifecycle) {
        if (event == name) return true;
    }
    return is_protocol_event(event);
}

bool is_allowed_event(const Config& config, std::string_view event) noexcept {
    const auto& allowed = config.allowed_events;
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), event) != allowed.end();
}

std::error_code check_received_name_length(const Config& config, std::string_view event, std::string& detail) {
    if (event.size() <= config.max_event_name_length) return {};
    detail = "received event name of " + std::to_string(event.size()) + " bytes, over max_event_name_length " +
             std::to_string(config.max_event_name_length);
    return make_error_code(errc::event_name_too_long);
}

}  // namespace ipcxx::detail
