// Turns one emit into the bytes of one frame for a link, with the checks every emit gets.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "ipcxx/config.hpp"

namespace ipcxx::detail {

// Checks the event name (non-empty, not reserved) and the frame size (max_message_size), and
// encodes into `out` (cleared first). `detail` says what was wrong.
std::error_code encode_message(std::string_view event, std::string_view msgpack_data, const Config& config,
                               std::string& out, std::string& detail);

// The per-thread buffer emits encode into before the frame is queued.
std::string& encode_buffer();

}  // namespace ipcxx::detail
