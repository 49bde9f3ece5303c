#include "codec/event_names.hpp"

#include <algorithm>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

bool is_reserved_event(std::string_view event) noexcept {
    // Asked for every received event: the length picks the few names to compare with, and most
    // names match none of the lengths.
    switch (event.size()) {
        case 1: return event[0] == '*';
        case 4: return event == "data";
        case 5: return event == "start" || event == "close" || event == "error" || event == "drain";
        case 7: return event == "connect" || event == "destroy" || is_protocol_event(event);
        case 10: return event == "disconnect" || is_protocol_event(event);
        case 12: return event == "socket.drain" || is_protocol_event(event);
        case 19: return event == "socket.disconnected" || is_protocol_event(event);
        default: return is_protocol_event(event);
    }
}

bool is_listed_event(const Config& config, std::string_view event) noexcept {
    const auto& allowed = config.allowed_events;
    return std::find(allowed.begin(), allowed.end(), event) != allowed.end();
}

std::error_code check_received_name_length(const Config& config, std::string_view event, std::string& detail) {
    if (event.size() <= config.max_event_name_length) return {};
    detail = "received event name of " + std::to_string(event.size()) + " bytes, over max_event_name_length " +
             std::to_string(config.max_event_name_length);
    return make_error_code(errc::event_name_too_long);
}

}  // namespace ipcxx::detail
