#include "dispatch/event_names.hpp"

namespace ipcxx::detail {

bool is_protocol_event(std::string_view event) noexcept { return event.substr(0, 6) == "ipcxx."; }

bool is_reserved_event(std::string_view event) noexcept {
    static constexpr std::string_view lifecycle[] = {"start", "connect", "disconnect", "destroy", "close",
                                                     "socket.disconnected", "error", "data", "*"};
    for (std::string_view name : lifecycle) {
        if (event == name) return true;
    }
    return is_protocol_event(event);
}

}  // namespace ipcxx::detail
