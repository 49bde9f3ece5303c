// The layout of the bus's stream entries and replies (protocol/bus.md): field lists for XADD, and
// entries read back into values, checked (a malformed entry is named, never trusted).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "bus/stream_reply.hpp"
#include "codec/native_wire.hpp"
#include "ipcxx/request.hpp"

namespace ipcxx::detail {

// The keys of one bus. `{name}` is a hash tag: every key of a bus lives in one cluster slot.
struct BusKeys {
    explicit BusKeys(std::string_view bus_name);
    std::string events;  // the stream every emit and request goes to
    std::string dead;    // the dead-letter stream
    std::string reply(std::string_view consumer) const;        // a requester's reply stream
    std::string channel(std::string_view event) const;         // publish(): the pub/sub channel
    std::string channel_prefix;                                 // what channel() puts before the event
    std::string cancel_channel;  // a cancelled request's entry id, for the consumer serving it
};

struct BusEntry {
    enum class Kind { event, request };
    Kind kind = Kind::event;
    std::string event;
    std::string data;  // msgpack of one value; empty: no data
    // Requests only.
    RequestId rid = 0;
    std::string reply_to;
    std::uint64_t timeout_ms = 0;
};

// XADD's arguments from the field list on: "kind" "event" "event" <name> ["data" <msgpack>].
void append_event_fields(std::vector<std::string>& args, std::string_view event, std::string_view data);
void append_request_fields(std::vector<std::string>& args, std::string_view event, std::string_view data, RequestId rid,
                           std::string_view reply_to, std::uint64_t timeout_ms);
// errc::invalid_message with `detail` naming the field when the entry is not a bus entry.
std::error_code decode_bus_entry(const StreamEntry& entry, BusEntry& out, std::string& detail);

// A reply entry: "rid" <id> "kind" "response" ["data" <msgpack>] or "kind" "error" "code" <c> "message" <m>.
void append_reply_fields(std::vector<std::string>& args, const NativeFrame& response);
// The request id and response of a reply entry; errc::invalid_message for anything else.
std::error_code decode_reply_entry(const StreamEntry& entry, RequestId& rid, Response& out, std::string& detail);

}  // namespace ipcxx::detail
