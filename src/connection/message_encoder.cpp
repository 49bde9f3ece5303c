#include "connection/message_encoder.hpp"

#include "codec/json_wire.hpp"
#include "dispatch/event_names.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {

std::error_code encode_message(std::string_view event, std::string_view msgpack_data, const Config& config,
                               std::string& out, std::string& detail) {
    out.clear();
    if (event.empty()) {
        detail = "event name must not be empty";
        return make_error_code(errc::invalid_argument);
    }
    if (is_reserved_event(event)) {
        detail = "event name '" + std::string(event) + "' is reserved and cannot be sent";
        return make_error_code(errc::reserved_event);
    }
    if (auto ec = encode_json_frame(event, msgpack_data, config.delimiter, out, &detail)) return ec;
    if (out.size() - config.delimiter.size() > config.max_message_size) {
        detail = "message '" + std::string(event) + "' is " + std::to_string(out.size()) +
                 " bytes, over max_message_size " + std::to_string(config.max_message_size);
        out.clear();
        return make_error_code(errc::frame_too_large);
    }
    return {};
}

std::string& encode_buffer() {
    thread_local std::string buffer;
    return buffer;
}

}  // namespace ipcxx::detail
