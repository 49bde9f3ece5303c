// Event names the wire may not carry: the lifecycle events of both sides and the protocol's own.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "ipcxx/config.hpp"

namespace ipcxx::detail {

// node-ipc's reserved lifecycle names, "*" (the wildcard subscription) and "ipcxx.*".
bool is_reserved_event(std::string_view event) noexcept;
// Names reserved for ipcxx's own protocol messages.
bool is_protocol_event(std::string_view event) noexcept;
// config.allowed_events: empty allows every name.
bool is_allowed_event(const Config& config, std::string_view event) noexcept;
// A received name over config.max_event_name_length: event_name_too_long, with `detail` saying so.
std::error_code check_received_name_length(const Config& config, std::string_view event, std::string& detail);

}  // namespace ipcxx::detail
