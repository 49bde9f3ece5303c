#include "bus/bus_entry.hpp"

#include <charconv>

#include "codec/handshake.hpp"
#include "codec/msgpack_raw.hpp"
#include "ipcxx/error.hpp"
#include "payload_data.hpp"

namespace ipcxx::detail {
namespace bus_entry {

std::error_code bad(std::string& detail, std::string what) {
    detail = std::move(what);
    return make_error_code(errc::invalid_message);
}

bool to_u64(const std::string& text, std::uint64_t& out) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return !text.empty() && ec == std::errc() && ptr == end;
}

// One well-formed msgpack value, as every payload must be: walked over without unpacking it, as
// every entry of a batch is checked this way before its handler unpacks it (or not).
bool valid_msgpack(const std::string& bytes) {
    MsgpackCursor cursor(bytes);
    std::string_view value;
    return cursor.skip_value(value) == MsgpackCursor::Status::ok && cursor.at_end();
}

}  // namespace bus_entry

BusKeys::BusKeys(std::string_view bus_name)
    : events("ipcxx:bus:{" + std::string(bus_name) + "}:events"),
      dead("ipcxx:bus:{" + std::string(bus_name) + "}:dead"),
      channel_prefix("ipcxx:bus:{" + std::string(bus_name) + "}:pub:"),
      cancel_channel("ipcxx:bus:{" + std::string(bus_name) + "}:cancel") {}

std::string BusKeys::reply(std::string_view consumer) const {
    // Same hash tag as the events stream: everything of a bus in one slot.
    return events.substr(0, events.size() - 6) + "reply:" + std::string(consumer);
}

std::string BusKeys::channel(std::string_view event) const { return channel_prefix + std::string(event); }

void append_event_fields(std::vector<std::string>& args, std::string_view event, std::string_view data) {
    // One by one: an initializer list's strings would be made, then copied.
    args.emplace_back("kind");
    args.emplace_back("event");
    args.emplace_back("event");
    args.emplace_back(event);
    if (data.empty()) return;
    args.emplace_back("data");
    args.emplace_back(data);
}

void append_request_fields(std::vector<std::string>& args, std::string_view event, std::string_view data, RequestId rid,
                           std::string_view reply_to, std::uint64_t timeout_ms) {
    args.insert(args.end(), {"kind", "request", "event", std::string(event)});
    if (!data.empty()) args.insert(args.end(), {"data", std::string(data)});
    args.insert(args.end(), {"rid", std::to_string(rid), "reply", std::string(reply_to), "timeout",
                             std::to_string(timeout_ms)});
}

std::error_code decode_bus_entry(const StreamEntry& entry, BusEntry& out, std::string& detail) {
    const std::string* kind = entry.field("kind");
    const std::string* event = entry.field("event");
    const std::string* data = entry.field("data");
    if (!kind) return bus_entry::bad(detail, "entry " + entry.id + " has no 'kind' field");
    if (*kind == "event") {
        out.kind = BusEntry::Kind::event;
    } else if (*kind == "request") {
        out.kind = BusEntry::Kind::request;
    } else {
        return bus_entry::bad(detail, "entry " + entry.id + " has the unknown kind '" + *kind + "'");
    }
    if (!event || event->empty()) return bus_entry::bad(detail, "entry " + entry.id + " has no event name");
    out.event = *event;
    out.data = data ? *data : std::string();
    if (!out.data.empty() && !bus_entry::valid_msgpack(out.data)) {
        return bus_entry::bad(detail, "the data of entry " + entry.id + " is not one msgpack value");
    }
    if (out.kind == BusEntry::Kind::event) return {};
    const std::string* rid = entry.field("rid");
    const std::string* reply = entry.field("reply");
    const std::string* timeout = entry.field("timeout");
    std::uint64_t rid_value = 0;
    if (!rid || !bus_entry::to_u64(*rid, rid_value)) return bus_entry::bad(detail, "request entry " + entry.id + " has no numeric 'rid'");
    if (!reply || reply->empty()) return bus_entry::bad(detail, "request entry " + entry.id + " has no 'reply' stream");
    if (!timeout || !bus_entry::to_u64(*timeout, out.timeout_ms)) {
        return bus_entry::bad(detail, "request entry " + entry.id + " has no numeric 'timeout'");
    }
    out.rid = rid_value;
    out.reply_to = *reply;
    return {};
}

void append_reply_fields(std::vector<std::string>& args, const NativeFrame& response) {
    args.insert(args.end(), {"rid", std::to_string(response.id)});
    if (response.kind == FrameKind::error_response) {
        args.insert(args.end(), {"kind", "error", "code", std::string(response.error_code), "message",
                                 std::string(response.error_message)});
        return;
    }
    args.insert(args.end(), {"kind", "response"});
    if (!response.data.empty()) args.insert(args.end(), {"data", std::string(response.data)});
}

std::error_code decode_reply_entry(const StreamEntry& entry, RequestId& rid, Response& out, std::string& detail) {
    const std::string* rid_text = entry.field("rid");
    const std::string* kind = entry.field("kind");
    std::uint64_t rid_value = 0;
    if (!rid_text || !bus_entry::to_u64(*rid_text, rid_value)) return bus_entry::bad(detail, "reply " + entry.id + " has no numeric 'rid'");
    rid = rid_value;
    if (kind && *kind == "response") {
        const std::string* data = entry.field("data");
        if (data && !data->empty()) {
            if (!bus_entry::valid_msgpack(*data)) return bus_entry::bad(detail, "the data of reply " + entry.id + " is not one msgpack value");
            out.data = PayloadAccess::trusted(*data);
        }
        return {};
    }
    if (kind && *kind == "error") {
        const std::string* code = entry.field("code");
        const std::string* message = entry.field("message");
        const std::string remote = code ? *code : std::string();
        out.error = make_error_code(remote == no_handler_code ? errc::no_handler
                                    : remote == no_reply_code ? errc::no_reply
                                                              : errc::remote_error);
        out.remote_code = remote;
        out.message = message ? *message : std::string();
        return {};
    }
    return bus_entry::bad(detail, "reply " + entry.id + " has no kind 'response' or 'error'");
}

}  // namespace ipcxx::detail
