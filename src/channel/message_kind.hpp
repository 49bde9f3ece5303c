// What a received channel message is, by Node's rules and ipcxx's envelope, without sockets.
#pragma once

#include <string>
#include <string_view>

#include <msgpack.hpp>

namespace ipcxx::detail {

enum class MessageKind {
    user,         // anything that is not internal (Node emits it as 'message')
    internal,     // an object whose `cmd` is a string longer than 5 starting "NODE_" (Node's isInternal)
    handle,       // internal NODE_HANDLE: a descriptor comes with it
    handle_ack,   // internal NODE_HANDLE_ACK
    handle_nack,  // internal NODE_HANDLE_NACK
};

MessageKind classify_message(const msgpack::object& value);

// The member `key` of a map, or null.
const msgpack::object* member(const msgpack::object& map, std::string_view key);

// An ipcxx event message {"type":T,"data":D}: an object whose "type" is a non-empty string.
// `data` is null when the object has no "data".
bool event_envelope(const msgpack::object& value, std::string_view& type, const msgpack::object*& data);

// msgpack of {"cmd":"NODE_HANDLE","type":"net.Native","msg":<message>} (Node's send(msg, handle)
// for a raw handle), `message_msgpack` being one value.
std::string handle_message(std::string_view message_msgpack);
// msgpack of {"cmd":cmd}: an internal message such as NODE_HANDLE_ACK.
std::string command_message(std::string_view cmd);
// msgpack of {"type":type,"data":<data>}, `data_msgpack` being one value (the JSON wire's message).
std::string envelope_message(std::string_view type, std::string_view data_msgpack);
// The packed form of one msgpack value.
std::string pack_object(const msgpack::object& value);

}  // namespace ipcxx::detail
