// Event names the wire may not carry: the lifecycle events of both sides and the protocol's own.
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include "ipcxx/config.hpp"

namespace ipcxx::detail {

// node-ipc's reserved lifecycle names, "*" (the wildcard subscription) and "ipcxx.*".
bool is_reserved_event(std::string_view event) noexcept;
// Whether two event names are equal. Names are short: a loop costs less than the call to memcmp,
// and it runs for every message sent or received.
inline bool same_event_name(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] != b[i]) return false;
    }
    return true;
}
// Names reserved for ipcxx's own protocol messages.
inline bool is_protocol_event(std::string_view event) noexcept {
    return event.size() >= 6 && std::memcmp(event.data(), "ipcxx.", 6) == 0;
}
// config.allowed_events: empty allows every name. Inline, as it is asked for every received message.
bool is_listed_event(const Config& config, std::string_view event) noexcept;
inline bool is_allowed_event(const Config& config, std::string_view event) noexcept {
    return config.allowed_events.empty() || is_listed_event(config, event);
}
// A received name over config.max_event_name_length: event_name_too_long, with `detail` saying so.
std::error_code check_received_name_length(const Config& config, std::string_view event, std::string& detail);

}  // namespace ipcxx::detail
