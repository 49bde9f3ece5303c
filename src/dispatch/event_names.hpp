// Event names the wire may not carry: the lifecycle events of both sides and the protocol's own.
#pragma once

#include <string_view>

#include "ipcxx/config.hpp"

namespace ipcxx::detail {

// node-ipc's reserved lifecycle names, "*" (the wildcard subscription) and "ipcxx.*".
bool is_reserved_event(std::string_view event) noexcept;
// Names reserved for ipcxx's own protocol messages.
bool is_protocol_event(std::string_view event) noexcept;
// config.allowed_events: empty allows every name.
bool is_allowed_event(const Config& config, std::string_view event) noexcept;

}  // namespace ipcxx::detail
