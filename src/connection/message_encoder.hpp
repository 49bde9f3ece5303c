// Turns one outgoing message into the bytes of one frame for a link, on the wire that link speaks,
// with the checks every message gets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "codec/native_wire.hpp"
#include "ipcxx/config.hpp"

namespace ipcxx::detail {

// One message: an event, a request, a response or an error response (NativeFrame's fields).
using Outgoing = NativeFrame;

// Checks user-chosen names (events and requests: non-empty, not reserved, at most
// max_event_name_length bytes) and the frame size
// (max_message_size), and encodes into `out` (cleared first): a native frame, or on the JSON wire
// the node-ipc frame (requests and responses as ipcxx.request / ipcxx.response events).
// With `tail`, a native frame's trailing data is not copied into `out`: the frame is `out` followed by
// `*tail` (a view of message.data; empty on the JSON wire), for Outbox::push(head, tail).
std::error_code encode_outgoing(const Outgoing& message, bool native, const Config& config, std::string& out,
                                std::string& detail, std::string_view* tail = nullptr);

// What a native-wire peer without the feature "deadline" (an older ipcxx) can take: a request
// without its deadline, and no cancel frame. Returns the message to send (`message` itself, or
// `scratch`), or null when there is nothing to send. On the JSON wire both go out as they are.
inline const Outgoing* for_peer(const Outgoing& message, bool native, bool peer_deadlines, Outgoing& scratch) {
    if (!native || peer_deadlines) return &message;
    if (message.kind == FrameKind::cancel) return nullptr;
    if (message.timeout_ms == 0) return &message;
    scratch = message;
    scratch.timeout_ms = 0;
    return &scratch;
}

// An event, the common case.
inline Outgoing event_message(std::string_view event, std::string_view msgpack_data) {
    Outgoing message;
    message.kind = FrameKind::event;
    message.name = event;
    message.data = msgpack_data;
    return message;
}

inline std::error_code encode_event(std::string_view event, std::string_view msgpack_data, bool native,
                                    const Config& config, std::string& out, std::string& detail) {
    return encode_outgoing(event_message(event, msgpack_data), native, config, out, detail);
}

// A native event frame whose data is `head` followed by `tail`: its header and `head` into `out`;
// the frame is `out` followed by `tail` (for Outbox::push(out, tail, ..., owner)).
std::error_code encode_native_event_with_tail(std::string_view event, std::string_view head, std::string_view tail,
                                              const Config& config, std::string& out, std::string& detail);

// The header of a native event frame whose data (`data_size` bytes, not empty) follows it: the frame
// is the header followed by the data (Outbox::push(head, data)). Checks and errors as encode_outgoing.
// A name sent again from the same thread under the same `config` is not checked and encoded again:
// the thread keeps the last header it made, and only the frame's size changes from one to the next.
struct EventHead {
    static constexpr std::size_t max_cached_name = 64;
    std::string_view view() const noexcept { return overflow.empty() ? std::string_view(bytes, size) : overflow; }
    char bytes[native_header_size + 9 + max_cached_name];  // magic, size, array and kind, name
    std::size_t size = 0;
    std::string overflow;  // the header of a name too long for `bytes`
};
std::error_code encode_event_head(const std::shared_ptr<const Config>& config, std::string_view event,
                                  std::size_t data_size, EventHead& head, std::string& detail);

// A native frame re-encoded for the JSON wire (JSON frames are copied): for a client whose queued
// messages outlive a native connection. False if the frame cannot be re-encoded.
bool native_to_json(std::string_view frame, const Config& config, std::string& out);

// A protocol event of the JSON wire (ipcxx.hello, ipcxx.welcome): no name checks.
std::error_code encode_protocol_event(std::string_view event, std::string_view msgpack_data, const Config& config,
                                      std::string& out);

// The per-thread buffer messages are encoded into before the frame is queued.
std::string& encode_buffer();

}  // namespace ipcxx::detail
