#include "connection/message_encoder.hpp"

#include "codec/handshake.hpp"
#include "codec/json_wire.hpp"
#include "codec/event_names.hpp"
#include "ipcxx/error.hpp"

#include <cstring>

namespace ipcxx::detail {
namespace {

std::error_code check_name(std::string_view name, const Config& config, std::string& detail) {
    if (name.empty()) {
        detail = "event name must not be empty";
        return make_error_code(errc::invalid_argument);
    }
    if (name.size() > config.max_event_name_length) {
        detail = "event name of " + std::to_string(name.size()) + " bytes is over max_event_name_length " +
                 std::to_string(config.max_event_name_length);
        return make_error_code(errc::event_name_too_long);
    }
    if (is_reserved_event(name)) {
        detail = "event name '" + std::string(name) + "' is reserved and cannot be sent";
        return make_error_code(errc::reserved_event);
    }
    if (!is_allowed_event(config, name)) {
        detail = "event '" + std::string(name) + "' is not in allowed_events";
        return make_error_code(errc::event_not_allowed);
    }
    return {};
}

std::error_code encode_json(const Outgoing& m, const Config& config, std::string& out, std::string& detail) {
    switch (m.kind) {
        case FrameKind::event: return encode_json_frame(m.name, m.data, config.delimiter, out, &detail);
        case FrameKind::request:
            return encode_json_frame(request_event, make_json_request(m.id, m.name, m.data, m.timeout_ms),
                                     config.delimiter, out, &detail);
        case FrameKind::response:
            return encode_json_frame(response_event, make_json_response(m.id, m.data), config.delimiter, out, &detail);
        case FrameKind::error_response:
            return encode_json_frame(response_event, make_json_error_response(m.id, m.error_code, m.error_message),
                                     config.delimiter, out, &detail);
        case FrameKind::cancel:
            return encode_json_frame(cancel_event, make_json_cancel(m.id), config.delimiter, out, &detail);
        case FrameKind::ping:
        case FrameKind::pong: break;
    }
    detail = "heartbeats exist only on the native wire";
    return make_error_code(errc::invalid_argument);
}

}  // namespace

std::error_code encode_outgoing(const Outgoing& message, bool native, const Config& config, std::string& out,
                                std::string& detail, std::string_view* tail) {
    out.clear();
    if (tail) *tail = {};
    if (message.kind == FrameKind::event || message.kind == FrameKind::request) {
        if (auto ec = check_name(message.name, config, detail)) return ec;
    }
    if (native) {
        if (tail) return append_native_frame_head(message, config.max_message_size, out, *tail, &detail);
        return append_native_frame(message, config.max_message_size, out, &detail);
    }
    if (auto ec = encode_json(message, config, out, detail)) return ec;
    if (out.size() - config.delimiter.size() > config.max_message_size) {
        detail = "message '" + std::string(message.name) + "' is " + std::to_string(out.size()) +
                 " bytes, over max_message_size " + std::to_string(config.max_message_size);
        out.clear();
        return make_error_code(errc::frame_too_large);
    }
    return {};
}

std::error_code encode_native_event_with_tail(std::string_view event, std::string_view head, std::string_view tail,
                                              const Config& config, std::string& out, std::string& detail) {
    // The frame's head needs only the data's size: a view of that size standing for head + tail,
    // never read beyond `head`.
    const std::string_view whole(head.data(), head.size() + tail.size());
    std::string_view unused;
    if (auto ec = encode_outgoing(event_message(event, whole), true, config, out, detail, &unused)) return ec;
    out.append(head.data(), head.size());
    return {};
}

namespace {

// The last event header a thread encoded, and for which config: the weak reference keeps that
// config's control block, so no other config can be mistaken for it.
struct CachedEventHead {
    std::weak_ptr<const Config> config;
    std::size_t name_size = 0;  // 0: nothing cached (an event name is never empty)
    std::size_t max_data = 0;   // data sizes up to this fit max_message_size
    EventHead head;
};

bool same_config(const std::weak_ptr<const Config>& cached, const std::shared_ptr<const Config>& config) noexcept {
    return !cached.owner_before(config) && !config.owner_before(cached);
}

}  // namespace

std::error_code encode_event_head(const std::shared_ptr<const Config>& config, std::string_view event,
                                  std::size_t data_size, EventHead& head, std::string& detail) {
    thread_local CachedEventHead cache;
    const std::size_t name_at = cache.head.size - cache.name_size;
    if (data_size <= cache.max_data && data_size > 0 &&
        same_event_name(event, std::string_view(cache.head.bytes + name_at, cache.name_size)) &&
        same_config(cache.config, config)) {
        std::memcpy(head.bytes, cache.head.bytes, sizeof head.bytes);  // whole: a copy of constant size is inline
        head.size = cache.head.size;
        set_native_body_length(head.bytes, static_cast<std::uint32_t>(head.size - native_header_size + data_size));
        return {};
    }
    // Only the data's size is read: a view of that size, never dereferenced.
    const std::string_view data(event.data(), data_size);
    std::string_view tail;
    std::string& out = head.overflow;
    if (auto ec = encode_outgoing(event_message(event, data), true, *config, out, detail, &tail)) return ec;
    if (event.size() > EventHead::max_cached_name || data_size == 0) return {};
    head.size = out.size();
    std::memcpy(head.bytes, out.data(), out.size());
    out.clear();
    const std::size_t limit = config->max_message_size == 0 || config->max_message_size > native_max_body
                                  ? native_max_body
                                  : config->max_message_size;
    cache.config = config;
    cache.name_size = event.size();
    cache.max_data = limit - (head.size - native_header_size);
    std::memcpy(cache.head.bytes, head.bytes, head.size);
    cache.head.size = head.size;
    return {};
}

bool native_to_json(std::string_view frame, const Config& config, std::string& out) {
    if (frame.empty() || static_cast<unsigned char>(frame[0]) != native_magic) {
        out.assign(frame);
        return true;
    }
    NativeFrame decoded;
    if (decode_native_body(frame.substr(native_header_size), decoded)) return false;
    std::string detail;
    return !encode_json(decoded, config, out, detail);
}

std::error_code encode_protocol_event(std::string_view event, std::string_view msgpack_data, const Config& config,
                                      std::string& out) {
    out.clear();
    return encode_json_frame(event, msgpack_data, config.delimiter, out);
}

std::string& encode_buffer() {
    thread_local std::string buffer;
    return buffer;
}

}  // namespace ipcxx::detail
