#include "channel/message_kind.hpp"

#include "codec/msgpack_raw.hpp"

namespace ipcxx::detail {

const msgpack::object* member(const msgpack::object& map, std::string_view key) {
    if (map.type != msgpack::type::MAP) return nullptr;
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        const msgpack::object_kv& kv = map.via.map.ptr[i];
        if (kv.key.type == msgpack::type::STR && std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
            return &kv.val;
        }
    }
    return nullptr;
}

MessageKind classify_message(const msgpack::object& value) {
    const msgpack::object* cmd = member(value, "cmd");
    if (!cmd || cmd->type != msgpack::type::STR) return MessageKind::user;
    const std::string_view name(cmd->via.str.ptr, cmd->via.str.size);
    if (name.size() <= 5 || name.substr(0, 5) != "NODE_") return MessageKind::user;
    if (name == "NODE_HANDLE") return MessageKind::handle;
    if (name == "NODE_HANDLE_ACK") return MessageKind::handle_ack;
    if (name == "NODE_HANDLE_NACK") return MessageKind::handle_nack;
    return MessageKind::internal;
}

bool event_envelope(const msgpack::object& value, std::string_view& type, const msgpack::object*& data) {
    const msgpack::object* t = member(value, "type");
    if (!t || t->type != msgpack::type::STR || t->via.str.size == 0) return false;
    type = std::string_view(t->via.str.ptr, t->via.str.size);
    data = member(value, "data");
    return true;
}

std::string handle_message(std::string_view message_msgpack) {
    std::string out;
    append_msgpack_map_header(3, out);
    append_msgpack_str("cmd", out);
    append_msgpack_str("NODE_HANDLE", out);
    append_msgpack_str("type", out);
    append_msgpack_str("net.Native", out);
    append_msgpack_str("msg", out);
    out += message_msgpack;
    return out;
}

std::string command_message(std::string_view cmd) {
    std::string out;
    append_msgpack_map_header(1, out);
    append_msgpack_str("cmd", out);
    append_msgpack_str(cmd, out);
    return out;
}

std::string envelope_message(std::string_view type, std::string_view data_msgpack) {
    std::string out;
    append_msgpack_map_header(2, out);
    append_msgpack_str("type", out);
    append_msgpack_str(type, out);
    append_msgpack_str("data", out);
    out += data_msgpack;
    return out;
}

std::string pack_object(const msgpack::object& value) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, value);
    return std::string(buffer.data(), buffer.size());
}

}  // namespace ipcxx::detail
