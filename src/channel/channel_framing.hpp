// How a channel turns messages (msgpack values) into bytes and back: the seam between the channel
// and its serialization (Node's 'json': JSON lines; a length-prefixed framing plugs in the same way).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "ipcxx/channel.hpp"

namespace ipcxx::detail {

class ChannelFraming {
public:
    virtual ~ChannelFraming() = default;

    struct Span {
        char* data;
        std::size_t size;
    };
    // Reading, as JsonLineReader: write up to prepare(n).size bytes, commit(k), then next() until
    // it returns false (with `ec` set for a bad message, which is consumed); finish() at the end.
    virtual Span prepare(std::size_t min_size) = 0;
    virtual void commit(std::size_t n) = 0;
    virtual bool next(std::string_view& value, std::error_code& ec) = 0;
    virtual std::error_code finish() = 0;
    virtual const std::string& error_detail() const = 0;

    // Appends the bytes of one message; errors (frame_too_large past the limit, a value the
    // serialization cannot carry) leave `out` as it was. Called by senders on any thread, at the
    // same time as each other and as the reading above (which runs on the channel's strand only):
    // it must not touch the reader's state.
    virtual std::error_code encode(std::string_view msgpack_value, std::string& out, std::string* detail) = 0;
};

// The framing of `serialization`; max_message_size bounds messages both ways (0: no limit).
std::unique_ptr<ChannelFraming> make_framing(ChannelSerialization serialization, std::size_t max_message_size);

// The name NODE_CHANNEL_SERIALIZATION_MODE gives `serialization` ("json", "advanced").
std::string_view serialization_mode(ChannelSerialization serialization);
// The serialization NODE_CHANNEL_SERIALIZATION_MODE names (empty: json, as Node reads it); false
// for a name Node does not know.
bool parse_serialization_mode(std::string_view mode, ChannelSerialization& serialization);

}  // namespace ipcxx::detail
