#include "input_lines.hpp"

#include <cstdint>

#include <msgpack.hpp>

#include <ipcxx/error.hpp>

namespace ipcxx_cli {
namespace {

InputLine bad(std::string error) {
    InputLine line;
    line.error = std::move(error);
    return line;
}

const char* json_kind(msgpack::type::object_type type) {
    switch (type) {
        case msgpack::type::NIL: return "null";
        case msgpack::type::BOOLEAN: return "a boolean";
        case msgpack::type::POSITIVE_INTEGER:
        case msgpack::type::NEGATIVE_INTEGER:
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64: return "a number";
        case msgpack::type::STR: return "a string";
        case msgpack::type::ARRAY: return "an array";
        case msgpack::type::MAP: return "an object";
        default: return "a value JSON does not have";
    }
}

// The members a line may have; null when absent.
struct Members {
    const msgpack::object* type = nullptr;
    const msgpack::object* data = nullptr;
    const msgpack::object* response = nullptr;
    const msgpack::object* error = nullptr;
};

ipcxx::Payload payload_of(const msgpack::object& value) {
    msgpack::sbuffer bytes;
    msgpack::pack(bytes, value);
    return ipcxx::Payload::from_msgpack(std::string_view(bytes.data(), bytes.size()));
}

// A non-empty string member, or a reason why not.
bool non_empty_string(const msgpack::object& value, const char* name, std::string& out, std::string& error) {
    if (value.type != msgpack::type::STR) {
        error = std::string("\"") + name + "\" must be a string, got " + json_kind(value.type);
        return false;
    }
    if (value.via.str.size == 0) {
        error = std::string("\"") + name + "\" must not be empty";
        return false;
    }
    out.assign(value.via.str.ptr, value.via.str.size);
    return true;
}

InputLine event_from(const Members& members) {
    if (members.error != nullptr) return bad("unexpected key \"error\" (only an answer has one)");
    if (members.type == nullptr) return bad("missing \"type\"");
    InputLine line;
    if (std::string error; !non_empty_string(*members.type, "type", line.type, error)) return bad(std::move(error));
    line.kind = InputLine::Kind::event;
    if (members.data != nullptr) line.data = payload_of(*members.data);
    return line;
}

// {"error":{"code":C,"message":M}}, "message" optional.
bool parse_error(const msgpack::object& value, InputLine& line, std::string& error) {
    if (value.type != msgpack::type::MAP) {
        error = std::string("\"error\" must be an object {\"code\":...,\"message\":...}, got ") + json_kind(value.type);
        return false;
    }
    const msgpack::object* code = nullptr;
    for (std::uint32_t i = 0; i < value.via.map.size; ++i) {
        const msgpack::object_kv& member = value.via.map.ptr[i];
        const std::string_view key(member.key.via.str.ptr, member.key.via.str.size);
        if (key == "code") {
            code = &member.val;
        } else if (key == "message") {
            if (member.val.type != msgpack::type::STR) {
                error = std::string("\"message\" must be a string, got ") + json_kind(member.val.type);
                return false;
            }
            line.error_message.assign(member.val.via.str.ptr, member.val.via.str.size);
        } else {
            error = "unexpected key " + json_string(key) + " in \"error\" (it has \"code\" and \"message\")";
            return false;
        }
    }
    if (code == nullptr) {
        error = "missing \"code\" in \"error\"";
        return false;
    }
    return non_empty_string(*code, "code", line.error_code, error);
}

InputLine answer_from(const Members& members) {
    if (members.type != nullptr) return bad("an answer has no \"type\" (it has \"response\" and \"data\" or \"error\")");
    if (members.data != nullptr && members.error != nullptr) return bad("an answer has \"data\" or \"error\", not both");
    const msgpack::object& number = *members.response;
    if (number.type != msgpack::type::POSITIVE_INTEGER || number.via.u64 == 0) {
        return bad(std::string("\"response\" must be a request's number (1, 2, ...), got ") +
                   (number.type == msgpack::type::POSITIVE_INTEGER ? "0" : json_kind(number.type)));
    }
    InputLine line;
    line.request = number.via.u64;
    if (members.error != nullptr) {
        if (std::string error; !parse_error(*members.error, line, error)) return bad(std::move(error));
    } else if (members.data != nullptr) {
        line.data = payload_of(*members.data);
    }
    line.kind = members.error != nullptr ? InputLine::Kind::failure : InputLine::Kind::answer;
    return line;
}

}  // namespace

bool parse_json(std::string_view text, ipcxx::Payload& out, std::string& error) {
    try {
        out = ipcxx::Payload::from_json(text);
        return true;
    } catch (const ipcxx::Error& e) {
        // what() is "<detail>: <code message>"; the detail alone is the precise part.
        error = e.what();
        const std::string suffix = ": " + e.code().message();
        if (error.size() > suffix.size() && error.compare(error.size() - suffix.size(), suffix.size(), suffix) == 0) {
            error.resize(error.size() - suffix.size());
        }
        return false;
    }
}

std::string json_string(std::string_view text) {
    return ipcxx::Payload::from(std::string(text)).to_json();
}

InputLine parse_input_line(std::string_view text) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        InputLine line;
        line.kind = InputLine::Kind::blank;
        return line;
    }
    ipcxx::Payload parsed;
    if (std::string error; !parse_json(text, parsed, error)) return bad(std::move(error));
    const msgpack::object& root = parsed.object();
    if (root.type != msgpack::type::MAP) {
        return bad(std::string("expected a JSON object {\"type\":...,\"data\":...}, got ") + json_kind(root.type));
    }
    Members members;
    for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
        const msgpack::object_kv& member = root.via.map.ptr[i];
        // from_json packs every object key as a string.
        const std::string_view key(member.key.via.str.ptr, member.key.via.str.size);
        const msgpack::object** slot = key == "type"       ? &members.type
                                       : key == "data"     ? &members.data
                                       : key == "response" ? &members.response
                                       : key == "error"    ? &members.error
                                                           : nullptr;
        if (slot == nullptr) {
            return bad("unexpected key " + json_string(key) +
                       " (an event has \"type\" and \"data\", an answer \"response\" and \"data\" or \"error\")");
        }
        if (*slot != nullptr) return bad("duplicate key " + json_string(key));
        *slot = &member.val;
    }
    return members.response != nullptr ? answer_from(members) : event_from(members);
}

std::string send_error_text(std::error_code ec, std::string_view type) {
    if (ec == ipcxx::errc::reserved_event) {
        return "event name " + json_string(type) + " is reserved (lifecycle events and \"ipcxx.*\" cannot be sent)";
    }
    return "event " + json_string(type) + " not sent: " + ec.message();
}

}  // namespace ipcxx_cli
