#include "codec/handshake.hpp"

#include <algorithm>
#include <utility>

#include "codec/msgpack_raw.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace {

using Status = MsgpackCursor::Status;

constexpr std::string_view wire_json = "json";
constexpr std::string_view wire_native = "native";
constexpr std::string_view feature_request = "request";
constexpr std::string_view feature_deadline = "deadline";
constexpr std::string_view feature_topics = "topics";

// Reads the fields of one msgpack map (a protocol object), naming the object in its errors.
// Unknown keys are skipped; a repeated key's last value wins, as with JSON.parse.
class ObjectReader {
public:
    ObjectReader(std::string_view data, const char* object) : cursor_(data), object_(object) {}

    std::error_code error() const { return ec_; }
    const std::string& detail() const { return detail_; }

    bool begin() {
        if (cursor_.read_map_header(remaining_) == Status::ok) return true;
        return invalid("is not an object");
    }
    // The next key, or false at the end of the map (or on error).
    bool next(std::string_view& key) {
        if (ec_ || remaining_ == 0) return false;
        --remaining_;
        if (cursor_.read_str(key) == Status::ok) return true;
        return invalid("has a key that is not a string");
    }
    bool skip() {
        std::string_view ignored;
        return raw(ignored);
    }
    bool raw(std::string_view& value) { return check(cursor_.skip_value(value), "", "is not valid msgpack"); }
    bool uint(std::string_view key, std::uint64_t& value) {
        return check(cursor_.read_uint(value), key, "is not a non-negative integer");
    }
    bool str(std::string_view key, std::string_view& value) {
        return check(cursor_.read_str(value), key, "is not a string");
    }
    // An array of strings: `each` sees every element.
    template <class F>
    bool strings(std::string_view key, F&& each) {
        std::uint64_t count = 0;
        if (!check(cursor_.read_array_header(count), key, "is not an array of strings")) return false;
        for (std::uint64_t i = 0; i < count; ++i) {
            std::string_view s;
            if (!check(cursor_.read_str(s), key, "is not an array of strings")) return false;
            each(s);
        }
        return true;
    }
    // A nested object, read by `fields(reader)`.
    template <class F>
    bool object(std::string_view key, F&& fields) {
        std::string_view bytes;
        if (!raw(bytes)) return false;
        ObjectReader inner(bytes, object_);
        if (!inner.begin()) return invalid("'" + std::string(key) + "' is not an object");
        fields(inner);
        ec_ = inner.ec_;
        detail_ = inner.detail_;
        return !ec_;
    }

    bool invalid(const std::string& what) { return fail(errc::invalid_message, what); }
    bool fail(errc e, const std::string& what) {
        ec_ = make_error_code(e);
        detail_ = std::string(object_) + " " + what;
        return false;
    }
    bool missing(const char* key) { return invalid("has no '" + std::string(key) + "'"); }

private:
    bool check(Status s, std::string_view key, const char* wrong_type) {
        if (s == Status::ok) return true;
        const std::string field = key.empty() ? "" : "'" + std::string(key) + "' ";
        return invalid(s == Status::wrong_type ? field + wrong_type : field + "is truncated or invalid msgpack");
    }

    MsgpackCursor cursor_;
    const char* object_;
    std::uint64_t remaining_ = 0;
    std::error_code ec_;
    std::string detail_;
};

// The fields hello and welcome share.
struct PeerInfo {
    std::optional<std::uint64_t> protocol;
    std::optional<std::string_view> id;
    bool request = false;
    bool deadline = false;
    bool topics_feature = false;
    std::vector<std::string> handles;
    std::optional<std::vector<std::string>> topics;
};

// Reads protocol, id and features; `wire` reads the wire field, which differs between the two.
template <class WireField>
PeerInfo read_peer(ObjectReader& reader, WireField&& wire) {
    PeerInfo info;
    std::string_view key;
    while (reader.next(key)) {
        std::uint64_t protocol = 0;
        std::string_view id;
        bool ok = true;
        if (key == "protocol") {
            ok = reader.uint(key, protocol) && (protocol >= 1 || reader.invalid("'protocol' must be at least 1"));
            info.protocol = protocol;
        } else if (key == "id") {
            ok = reader.str(key, id);
            info.id = id;
        } else if (key == "wire") {
            ok = wire(key);
        } else if (key == "features") {
            info.request = false;
            info.deadline = false;
            info.topics_feature = false;
            ok = reader.strings(key, [&](std::string_view f) {
                info.request = info.request || f == feature_request;
                info.deadline = info.deadline || f == feature_deadline;
                info.topics_feature = info.topics_feature || f == feature_topics;
            });
        } else if (key == "handles") {
            info.handles.clear();
            ok = reader.strings(key, [&](std::string_view event) { info.handles.emplace_back(event); });
        } else if (key == "topics") {
            info.topics.emplace();
            ok = reader.strings(key, [&](std::string_view topic) { info.topics->emplace_back(topic); }) &&
                 (info.topics->size() <= max_topics ||
                  reader.invalid("'topics' lists more than " + std::to_string(max_topics) + " topics"));
        } else {
            ok = reader.skip();
        }
        if (!ok) break;
    }
    if (reader.error()) return info;
    if (!info.protocol) reader.missing("protocol");
    else if (!info.id) reader.missing("id");
    return info;
}

void append_peer_object(std::string_view id, std::string& out) {
    append_msgpack_str("protocol", out);
    append_msgpack_uint(protocol_version, out);
    append_msgpack_str("id", out);
    append_msgpack_str(id, out);
}

// `topics`: the server's welcome, which says it takes ipcxx.topics.
void append_features(std::string& out, bool topics = false) {
    append_msgpack_str("features", out);
    append_msgpack_array_header(topics ? 3 : 2, out);
    append_msgpack_str(feature_request, out);
    append_msgpack_str(feature_deadline, out);
    if (topics) append_msgpack_str(feature_topics, out);
}

void append_topics(const std::vector<std::string>& topics, std::string& out) {
    append_msgpack_str("topics", out);
    append_msgpack_array_header(static_cast<std::uint32_t>(topics.size()), out);
    for (const std::string& topic : topics) append_msgpack_str(topic, out);
}

}  // namespace

ClientHandshake::ClientHandshake(WireMode mode, std::string client_id) : mode_(mode), id_(std::move(client_id)) {}

std::optional<std::string> ClientHandshake::on_connected(const std::vector<std::string>& handles,
                                                        const std::optional<std::vector<std::string>>& topics) {
    native_ = false;
    awaiting_ = mode_ != WireMode::json;
    if (!awaiting_) return std::nullopt;
    std::string hello;
    append_msgpack_map_header(4 + (handles.empty() ? 0 : 1) + (topics ? 1 : 0), hello);
    append_peer_object(id_, hello);
    append_msgpack_str("wire", hello);
    if (mode_ == WireMode::auto_) {
        append_msgpack_array_header(2, hello);
        append_msgpack_str(wire_json, hello);
    } else {
        append_msgpack_array_header(1, hello);
    }
    append_msgpack_str(wire_native, hello);
    append_features(hello);
    if (!handles.empty()) {
        append_msgpack_str("handles", hello);
        append_msgpack_array_header(static_cast<std::uint32_t>(handles.size()), hello);
        for (const std::string& event : handles) append_msgpack_str(event, hello);
    }
    if (topics) append_topics(*topics, hello);
    return hello;
}

Negotiated ClientHandshake::on_welcome(std::string_view msgpack_data) {
    Negotiated result;
    ObjectReader reader(msgpack_data, "ipcxx.welcome");
    if (!awaiting_) {
        reader.invalid("arrived, but no ipcxx.hello is outstanding");
    } else if (reader.begin()) {
        std::optional<std::string_view> wire;
        const PeerInfo info = read_peer(reader, [&](std::string_view key) {
            std::string_view value;
            if (!reader.str(key, value)) return false;
            if (value != wire_json && value != wire_native) {
                return reader.invalid("'wire' is \"" + std::string(value) + "\", neither \"json\" nor \"native\"");
            }
            wire = value;
            return true;
        });
        if (!reader.error() && !wire) reader.missing("wire");
        if (!reader.error()) {
            awaiting_ = false;
            result.peer_id = std::string(*info.id);
            result.protocol = std::min(*info.protocol, protocol_version);
            result.request = info.request;
            result.deadline = info.deadline;
            result.takes_topics = info.topics_feature;
            result.native = *wire == wire_native;
            if (!result.native && mode_ == WireMode::native) {
                reader.fail(errc::native_wire_refused, "from server '" + result.peer_id +
                                                           "' chose the JSON wire; this client has wire = native");
            }
            native_ = result.native;
        }
    }
    result.error = reader.error();
    result.detail = reader.detail();
    return result;
}

std::error_code ClientHandshake::on_handshake_timeout(std::string* detail) const {
    if (mode_ != WireMode::native || !awaiting_) return {};
    if (detail) *detail = "no ipcxx.welcome in time: the server does not speak ipcxx's protocol (this client has wire = native)";
    return make_error_code(errc::handshake_timeout);
}

ServerHandshake::ServerHandshake(WireMode server_mode, std::string server_id)
    : mode_(server_mode), id_(std::move(server_id)) {}

ServerHandshake::HelloResult ServerHandshake::on_hello(std::string_view msgpack_data) {
    HelloResult result;
    ObjectReader reader(msgpack_data, "ipcxx.hello");
    if (state_ != State::awaiting_hello) {
        reader.invalid("is not the connection's first frame");
    } else if (reader.begin()) {
        bool wire_seen = false;
        bool accepts_native = false;
        const PeerInfo info = read_peer(reader, [&](std::string_view key) {
            wire_seen = true;
            accepts_native = false;
            return reader.strings(key, [&](std::string_view w) { accepts_native = accepts_native || w == wire_native; });
        });
        if (!reader.error() && !wire_seen) reader.missing("wire");
        if (!reader.error()) {
            result.peer_id = std::string(*info.id);
            result.protocol = std::min(*info.protocol, protocol_version);
            result.request = info.request;
            result.deadline = info.deadline;
            result.handles = info.handles;
            result.topics = info.topics;
            result.native = accepts_native && mode_ != WireMode::json;
            if (!result.native && mode_ == WireMode::native) {
                reader.fail(errc::native_wire_refused, "from client '" + result.peer_id +
                                                           "' does not offer the native wire; this server has wire = native");
            }
        }
    }
    state_ = result.native && !reader.error() ? State::native : State::json;
    result.error = reader.error();
    result.detail = reader.detail();
    if (result.error) return result;
    append_msgpack_map_header(4, result.welcome);
    append_peer_object(id_, result.welcome);
    append_msgpack_str("wire", result.welcome);
    append_msgpack_str(result.native ? wire_native : wire_json, result.welcome);
    append_features(result.welcome, true);
    return result;
}

std::error_code ServerHandshake::on_first_frame_without_hello(std::string* detail) {
    if (state_ != State::awaiting_hello) return {};  // only the first frame decides
    state_ = State::json;
    if (mode_ != WireMode::native) return {};
    if (detail) *detail = "the client's first frame is not ipcxx.hello: it does not speak ipcxx's protocol (this server has wire = native)";
    return make_error_code(errc::native_wire_refused);
}

std::string make_json_request(std::uint64_t id, std::string_view event, std::string_view data,
                              std::uint64_t timeout_ms) {
    std::string out;
    append_msgpack_map_header(2 + !data.empty() + (timeout_ms > 0), out);
    append_msgpack_str("id", out);
    append_msgpack_uint(id, out);
    append_msgpack_str("event", out);
    append_msgpack_str(event, out);
    if (!data.empty()) {
        append_msgpack_str("data", out);
        out.append(data);
    }
    if (timeout_ms > 0) {
        append_msgpack_str("timeout", out);
        append_msgpack_uint(timeout_ms, out);
    }
    return out;
}

std::string make_json_cancel(std::uint64_t id) {
    std::string out;
    append_msgpack_map_header(1, out);
    append_msgpack_str("id", out);
    append_msgpack_uint(id, out);
    return out;
}

std::string make_json_response(std::uint64_t id, std::string_view data) {
    std::string out;
    append_msgpack_map_header(data.empty() ? 1 : 2, out);
    append_msgpack_str("id", out);
    append_msgpack_uint(id, out);
    if (!data.empty()) {
        append_msgpack_str("data", out);
        out.append(data);
    }
    return out;
}

std::string make_json_error_response(std::uint64_t id, std::string_view code, std::string_view message) {
    std::string out;
    append_msgpack_map_header(2, out);
    append_msgpack_str("id", out);
    append_msgpack_uint(id, out);
    append_msgpack_str("error", out);
    append_msgpack_map_header(2, out);
    append_msgpack_str("code", out);
    append_msgpack_str(code, out);
    append_msgpack_str("message", out);
    append_msgpack_str(message, out);
    return out;
}

std::error_code parse_json_request(std::string_view msgpack_data, NativeFrame& out, std::string* detail) {
    out = NativeFrame{};
    out.kind = FrameKind::request;
    ObjectReader reader(msgpack_data, "ipcxx.request");
    bool has_id = false;
    bool has_event = false;
    if (reader.begin()) {
        std::string_view key;
        while (reader.next(key)) {
            bool ok = true;
            if (key == "id") ok = has_id = reader.uint(key, out.id);
            else if (key == "event") ok = has_event = reader.str(key, out.name);
            else if (key == "data") ok = reader.raw(out.data);
            else if (key == "timeout") ok = reader.uint(key, out.timeout_ms);
            else ok = reader.skip();
            if (!ok) break;
        }
        if (!reader.error() && !has_id) reader.missing("id");
        if (!reader.error() && !has_event) reader.missing("event");
    }
    std::error_code ec = reader.error();
    if (ec) {
        if (detail) *detail = reader.detail();
        return ec;
    }
    return check_event_name(out.name, make_error_code(errc::invalid_event), detail);
}

std::error_code parse_json_response(std::string_view msgpack_data, NativeFrame& out, std::string* detail) {
    out = NativeFrame{};
    out.kind = FrameKind::response;
    ObjectReader reader(msgpack_data, "ipcxx.response");
    bool has_id = false;
    if (reader.begin()) {
        std::string_view key;
        while (reader.next(key)) {
            bool ok = true;
            if (key == "id") {
                ok = has_id = reader.uint(key, out.id);
            } else if (key == "data") {
                ok = reader.raw(out.data);
            } else if (key == "error") {
                out.kind = FrameKind::error_response;
                out.error_message = {};
                bool has_code = false;
                ok = reader.object(key, [&](ObjectReader& error) {
                    std::string_view field;
                    while (error.next(field)) {
                        bool field_ok = true;
                        if (field == "code") field_ok = has_code = error.str(field, out.error_code);
                        else if (field == "message") field_ok = error.str(field, out.error_message);
                        else field_ok = error.skip();
                        if (!field_ok) return;
                    }
                    if (!error.error() && (!has_code || out.error_code.empty())) {
                        error.invalid("'error' has no non-empty 'code'");
                    }
                });
            } else {
                ok = reader.skip();
            }
            if (!ok) break;
        }
        if (!reader.error() && !has_id) reader.missing("id");
    }
    // An error response carries no data, whatever else the object held.
    if (out.kind == FrameKind::error_response) out.data = {};
    if (detail && reader.error()) *detail = reader.detail();
    return reader.error();
}

std::error_code parse_json_cancel(std::string_view msgpack_data, NativeFrame& out, std::string* detail) {
    out = NativeFrame{};
    out.kind = FrameKind::cancel;
    ObjectReader reader(msgpack_data, "ipcxx.cancel");
    bool has_id = false;
    if (reader.begin()) {
        std::string_view key;
        while (reader.next(key)) {
            if (!(key == "id" ? (has_id = reader.uint(key, out.id)) : reader.skip())) break;
        }
        if (!reader.error() && !has_id) reader.missing("id");
    }
    if (detail && reader.error()) *detail = reader.detail();
    return reader.error();
}

std::string make_topics_message(const std::vector<std::string>& topics) {
    std::string out;
    append_msgpack_map_header(1, out);
    append_topics(topics, out);
    return out;
}

std::error_code parse_topics_message(std::string_view msgpack_data, std::vector<std::string>& topics,
                                     std::string* detail) {
    ObjectReader reader(msgpack_data, "ipcxx.topics");
    bool seen = false;
    if (reader.begin()) {
        std::string_view key;
        while (reader.next(key)) {
            if (key != "topics") {
                if (!reader.skip()) break;
                continue;
            }
            seen = true;
            topics.clear();
            if (!reader.strings(key, [&](std::string_view topic) { topics.emplace_back(topic); })) break;
            if (topics.size() > max_topics) {
                reader.invalid("'topics' lists more than " + std::to_string(max_topics) + " topics");
                break;
            }
        }
    }
    if (!reader.error() && !seen) reader.missing("topics");
    if (detail && reader.error()) *detail = reader.detail();
    return reader.error();
}

}  // namespace ipcxx::detail
