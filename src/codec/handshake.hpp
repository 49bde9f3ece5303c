// Negotiation of the native wire (hello / welcome) and the request/response convention of the
// JSON wire, without sockets (protocol/PROTOCOL.md). Data objects go in and out as msgpack bytes,
// the `data` of a JSON-wire frame; the caller frames them with encode_json_frame.
//
// Client (auto, native)                         Server
//   on_connected() -> hello data  ---ipcxx.hello--->  on_hello() -> welcome data, native?
//   on_welcome()   -> native?     <--ipcxx.welcome--  (then native frames if native)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "codec/native_wire.hpp"
#include "ipcxx/config.hpp"

namespace ipcxx::detail {

constexpr std::uint64_t protocol_version = 1;
constexpr std::string_view hello_event = "ipcxx.hello";
constexpr std::string_view welcome_event = "ipcxx.welcome";
constexpr std::string_view request_event = "ipcxx.request";
constexpr std::string_view response_event = "ipcxx.response";
constexpr std::string_view cancel_event = "ipcxx.cancel";
// Client to server: the topics it subscribes to from now on (protocol/PROTOCOL.md, topics).
constexpr std::string_view topics_event = "ipcxx.topics";
// At most this many topics in a hello or an ipcxx.topics: a bound on what a peer can make a server keep.
constexpr std::size_t max_topics = 4096;
// Error codes of error responses defined by the protocol; applications may send their own.
constexpr std::string_view no_handler_code = "no_handler";
constexpr std::string_view handler_exception_code = "handler_exception";
constexpr std::string_view bad_request_code = "bad_request";
constexpr std::string_view no_reply_code = "no_reply";

// json: node-ipc's JSON wire only, no hello. auto: native with ipcxx peers, JSON otherwise.
// native: an ipcxx peer speaking the native wire, or the connection fails.
enum class WireMode { auto_, json, native };

constexpr WireMode wire_mode(Wire wire) noexcept {
    return wire == Wire::json ? WireMode::json : wire == Wire::native ? WireMode::native : WireMode::auto_;
}

// What both sides learned from the exchange.
struct Negotiated {
    std::error_code error;   // the connection must close with it
    std::string detail;      // what was wrong, for the error event
    bool native = false;     // send native frames from now on (server: after writing the welcome)
    std::string peer_id;
    std::uint64_t protocol = 0;  // min of both versions
    bool request = false;        // both sides support request/response
    bool deadline = false;       // the peer takes requests with deadlines and cancel frames (kinds 6, 7)
    std::vector<std::string> handles;  // hello: the request events the client answers ("*": any)
    // hello: the event names or prefixes the client subscribes to; nothing: every broadcast.
    std::optional<std::vector<std::string>> topics;
    bool takes_topics = false;  // welcome: the server takes ipcxx.topics (feature "topics")
};

class ClientHandshake {
public:
    ClientHandshake(WireMode mode, std::string client_id);

    // A new connection: starts over. Returns the data of the ipcxx.hello to send as the first
    // frame, or nothing in json mode. `handles`: the request events this client answers; `topics`:
    // the broadcasts it subscribes to (nothing: all of them).
    std::optional<std::string> on_connected(const std::vector<std::string>& handles = {},
                                            const std::optional<std::vector<std::string>>& topics = std::nullopt);
    // An ipcxx.welcome arrived. Errors: invalid_message (malformed, or no hello is outstanding),
    // native_wire_refused (native mode and the server chose JSON).
    Negotiated on_welcome(std::string_view msgpack_data);
    // The caller's handshake timer expired without a welcome: handshake_timeout in native mode
    // (the peer is not ipcxx); in auto mode no error, the client stays on JSON (a late welcome
    // still switches it).
    std::error_code on_handshake_timeout(std::string* detail = nullptr) const;

    bool native() const noexcept { return native_; }
    bool awaiting_welcome() const noexcept { return awaiting_; }

private:
    WireMode mode_;
    std::string id_;
    bool awaiting_ = false;
    bool native_ = false;
};

class ServerHandshake {
public:
    ServerHandshake(WireMode server_mode, std::string server_id);

    // The connection's first frame is an ipcxx.hello. On success `welcome` holds the data of the
    // ipcxx.welcome to send. Errors: invalid_message (malformed hello, or not the first frame),
    // native_wire_refused (native mode and the client does not accept native).
    struct HelloResult : Negotiated {
        std::string welcome;
    };
    HelloResult on_hello(std::string_view msgpack_data);
    // The connection's first frame is something else: a node-ipc client. native_wire_refused in
    // native mode, otherwise no error and the connection stays on JSON. No effect after the first frame.
    std::error_code on_first_frame_without_hello(std::string* detail = nullptr);

    bool awaiting_hello() const noexcept { return state_ == State::awaiting_hello; }
    bool native() const noexcept { return state_ == State::native; }

private:
    enum class State { awaiting_hello, json, native };
    WireMode mode_;
    std::string id_;
    State state_ = State::awaiting_hello;
};

// The request/response convention of the JSON wire: the data of ipcxx.request / ipcxx.response.
// `data` arguments are one msgpack value, or empty for none.
// `timeout_ms` > 0 adds the requester's remaining time as "timeout".
std::string make_json_request(std::uint64_t id, std::string_view event, std::string_view data,
                              std::uint64_t timeout_ms = 0);
std::string make_json_cancel(std::uint64_t id);
std::string make_json_response(std::uint64_t id, std::string_view data);
std::string make_json_error_response(std::uint64_t id, std::string_view code, std::string_view message);
// Parse into the fields a native frame has (kind request, or response / error_response), as views
// into `msgpack_data`. Errors: invalid_message (missing or mistyped field), invalid_event (empty
// event name), invalid_utf8.
std::error_code parse_json_request(std::string_view msgpack_data, NativeFrame& out, std::string* detail = nullptr);
std::error_code parse_json_response(std::string_view msgpack_data, NativeFrame& out, std::string* detail = nullptr);
std::error_code parse_json_cancel(std::string_view msgpack_data, NativeFrame& out, std::string* detail = nullptr);

// The data of an ipcxx.topics message, {"topics": [...]}, on either wire.
std::string make_topics_message(const std::vector<std::string>& topics);
// Errors: invalid_message (not such an object, or more than max_topics topics).
std::error_code parse_topics_message(std::string_view msgpack_data, std::vector<std::string>& topics,
                                     std::string* detail = nullptr);

}  // namespace ipcxx::detail
