// libFuzzer target: the hello / welcome exchange and the JSON wire's request convention.
//
// The input is used twice, as msgpack data and (when it parses) as JSON text converted to msgpack,
// and goes to ServerHandshake::on_hello in every mode, ClientHandshake::on_welcome, and
// parse_json_request / parse_json_response. A hello that succeeds must yield a welcome the client
// accepts, read directly and through the JSON wire; parsed requests and responses must rebuild to
// the same fields.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/handshake.hpp"
#include "codec/json_wire.hpp"
#include "fuzz_support.hpp"
#include "ipcxx/error.hpp"

namespace {

using ipcxx::errc;
using ipcxx::detail::ClientHandshake;
using ipcxx::detail::FrameKind;
using ipcxx::detail::NativeFrame;
using ipcxx::detail::ServerHandshake;
using ipcxx::detail::WireMode;

constexpr WireMode all_modes[] = {WireMode::auto_, WireMode::json, WireMode::native};
const std::string server_id = "server";
const std::string client_id = "client";

bool same_fields(const NativeFrame& a, const NativeFrame& b) {
    return a.kind == b.kind && a.id == b.id && a.name == b.name && a.data == b.data && a.error_code == b.error_code &&
           a.error_message == b.error_message;
}

// A client that sent a hello reads `welcome`, which chose the native wire or not.
void client_accepts(WireMode mode, std::string_view welcome, bool native) {
    ClientHandshake client(mode, client_id);
    fuzz::check(client.on_connected().has_value(), "a client in auto or native mode sends no hello");
    const auto result = client.on_welcome(welcome);
    if (mode == WireMode::native && !native) {
        fuzz::check(result.error == make_error_code(errc::native_wire_refused),
                    "a native client accepts a welcome that chose JSON", welcome);
        return;
    }
    fuzz::check(!result.error, "the client refuses the welcome the server made", welcome);
    fuzz::check(result.native == native && client.native() == native,
                "the client reads another wire than the server chose", welcome);
    fuzz::check(result.peer_id == server_id && result.protocol == ipcxx::detail::protocol_version && result.request,
                "the client reads other fields than the server wrote", welcome);
    fuzz::check(!client.awaiting_welcome(), "the client still awaits a welcome after accepting one");
}

void check_hello(std::string_view data) {
    for (const WireMode mode : all_modes) {
        ServerHandshake server(mode, server_id);
        const auto result = server.on_hello(data);
        fuzz::check(!server.awaiting_hello(), "the server still awaits a hello after reading one", data);
        if (result.error) {
            fuzz::check(!server.native() && result.welcome.empty(), "a refused hello switched the server to native",
                        data);
            continue;
        }
        fuzz::check(result.protocol == ipcxx::detail::protocol_version,
                    "negotiated a protocol this side does not speak", data);
        fuzz::check(result.native == server.native(), "the hello's result and the server's state disagree", data);
        fuzz::check(mode != WireMode::json || !result.native, "a json server chose the native wire", data);
        fuzz::check(server.on_hello(data).error == make_error_code(errc::invalid_message),
                    "a second hello on the connection was accepted", data);

        // The welcome as the client reads it off the JSON wire: through the frame codec.
        std::string frame;
        fuzz::check(!ipcxx::detail::encode_json_frame(ipcxx::detail::welcome_event, result.welcome, "\f", frame),
                    "the welcome cannot be sent", result.welcome);
        ipcxx::detail::JsonFrameDecoder decoder;
        ipcxx::detail::DecodedFrame decoded;
        fuzz::check(!decoder.decode(std::string_view(frame).substr(0, frame.size() - 1), decoded) &&
                        decoded.type == ipcxx::detail::welcome_event,
                    "the welcome frame does not decode", frame);
        for (const WireMode client_mode : {WireMode::auto_, WireMode::native}) {
            client_accepts(client_mode, result.welcome, result.native);
            client_accepts(client_mode, decoded.data, result.native);
        }
    }
}

void check_welcome(std::string_view data) {
    for (const WireMode mode : all_modes) {
        ClientHandshake client(mode, client_id);
        fuzz::check(client.on_welcome(data).error == make_error_code(errc::invalid_message),
                    "a welcome was accepted before any hello", data);
        const bool hello_sent = client.on_connected().has_value();
        const auto result = client.on_welcome(data);
        if (!hello_sent) {
            fuzz::check(result.error == make_error_code(errc::invalid_message),
                        "a json client accepted a welcome it never asked for", data);
            continue;
        }
        fuzz::check(client.native() == (result.native && !result.error), "the client's wire and the result disagree",
                    data);
        if (result.error) continue;
        fuzz::check(result.protocol == ipcxx::detail::protocol_version,
                    "negotiated a protocol this side does not speak", data);
        fuzz::check(mode != WireMode::native || result.native, "a native client accepted the JSON wire", data);
        fuzz::check(!client.awaiting_welcome(), "the client still awaits a welcome after accepting one", data);
        fuzz::check(client.on_welcome(data).error == make_error_code(errc::invalid_message),
                    "a second welcome was accepted", data);
    }
}

void check_request(std::string_view data) {
    NativeFrame request;
    if (ipcxx::detail::parse_json_request(data, request)) return;
    fuzz::check(request.kind == FrameKind::request && !request.name.empty(), "a parsed request has no event name",
                data);
    const std::string rebuilt = ipcxx::detail::make_json_request(request.id, request.name, request.data);
    NativeFrame again;
    fuzz::check(!ipcxx::detail::parse_json_request(rebuilt, again) && same_fields(request, again),
                "a rebuilt request does not parse to the same fields", rebuilt);

    // Every JSON-wire request can be carried by the native wire.
    std::string frame;
    fuzz::check(!ipcxx::detail::append_native_frame(request, 0, frame), "a parsed request has no native frame", data);
    NativeFrame native;
    fuzz::check(!ipcxx::detail::decode_native_body(std::string_view(frame).substr(ipcxx::detail::native_header_size),
                                                   native) &&
                    same_fields(request, native),
                "a request changed on its way through the native wire", frame);
}

void check_response(std::string_view data) {
    NativeFrame response;
    if (ipcxx::detail::parse_json_response(data, response)) return;
    std::string rebuilt;
    if (response.kind == FrameKind::response) {
        rebuilt = ipcxx::detail::make_json_response(response.id, response.data);
    } else {
        fuzz::check(response.kind == FrameKind::error_response && !response.error_code.empty() && response.data.empty(),
                    "a parsed error response has no code, or has data", data);
        rebuilt = ipcxx::detail::make_json_error_response(response.id, response.error_code, response.error_message);
    }
    NativeFrame again;
    fuzz::check(!ipcxx::detail::parse_json_response(rebuilt, again) && same_fields(response, again),
                "a rebuilt response does not parse to the same fields", rebuilt);
}

void check_all(std::string_view data) {
    check_hello(data);
    check_welcome(data);
    check_request(data);
    check_response(data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(bytes), size);
    check_all(input);
    // The data of a JSON-wire frame, as the connection hands it over.
    std::string packed;
    if (!ipcxx::detail::json_to_msgpack(input, packed)) check_all(packed);
    return 0;
}
