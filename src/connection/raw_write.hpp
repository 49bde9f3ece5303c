// The checks every raw_buffer write gets, on either side.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "codec/text_encoding.hpp"
#include "ipcxx/config.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {

// invalid_argument outside raw_buffer mode or for no bytes at all, frame_too_large past max_message_size.
inline std::error_code check_raw_write(std::string_view bytes, const Config& config) {
    if (!config.raw_buffer || bytes.empty()) return make_error_code(errc::invalid_argument);
    if (bytes.size() > config.max_message_size) return make_error_code(errc::frame_too_large);
    return {};
}

// Text to bytes by config.encoding, for the emit_raw_text calls.
inline std::error_code raw_text_bytes(std::string_view text, const Config& config, std::string& bytes) {
    std::string detail;
    return encode_text(text, config.encoding, bytes, detail);
}

}  // namespace ipcxx::detail
