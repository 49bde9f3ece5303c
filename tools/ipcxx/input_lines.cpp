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
    const msgpack::object* type = nullptr;
    const msgpack::object* data = nullptr;
    for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
        const msgpack::object_kv& member = root.via.map.ptr[i];
        // from_json packs every object key as a string.
        const std::string_view key(member.key.via.str.ptr, member.key.via.str.size);
        const msgpack::object** slot = key == "type" ? &type : key == "data" ? &data : nullptr;
        if (slot == nullptr) return bad("unexpected key " + json_string(key) + " (an event has \"type\" and \"data\")");
        if (*slot != nullptr) return bad("duplicate key " + json_string(key));
        *slot = &member.val;
    }
    if (type == nullptr) return bad("missing \"type\"");
    if (type->type != msgpack::type::STR) {
        return bad(std::string("\"type\" must be a string, got ") + json_kind(type->type));
    }
    if (type->via.str.size == 0) return bad("\"type\" must not be empty");

    InputLine line;
    line.kind = InputLine::Kind::event;
    line.type.assign(type->via.str.ptr, type->via.str.size);
    if (data != nullptr) {
        msgpack::sbuffer bytes;
        msgpack::pack(bytes, *data);
        line.data = ipcxx::Payload::from_msgpack(std::string_view(bytes.data(), bytes.size()));
    }
    return line;
}

std::string send_error_text(std::error_code ec, std::string_view type) {
    if (ec == ipcxx::errc::reserved_event) {
        return "event name " + json_string(type) + " is reserved (lifecycle events and \"ipcxx.*\" cannot be sent)";
    }
    return "event " + json_string(type) + " not sent: " + ec.message();
}

}  // namespace ipcxx_cli
