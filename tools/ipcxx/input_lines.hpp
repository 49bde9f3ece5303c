// One stdin line -> one event to send or one answer to a request, or a one-line reason why the
// line cannot be used.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <ipcxx/payload.hpp>

namespace ipcxx_cli {

struct InputLine {
    enum class Kind {
        event,    // `type` and `data` are set
        answer,   // the response to request number `request`: `data`
        failure,  // the error response to request number `request`: `error_code`, `error_message`
        blank,    // only whitespace: skipped without complaint
        bad,      // `error` says why
    };
    Kind kind = Kind::bad;
    std::string type;
    ipcxx::Payload data;  // empty when the line has no "data"
    std::uint64_t request = 0;
    std::string error_code;
    std::string error_message;
    std::string error;
};

// Accepts exactly a JSON object: an event {"type":T,"data":D} ("data" optional), or an answer to
// a request the tool printed, {"response":N,"data":D} or {"response":N,"error":{"code":C,"message":M}}
// ("data" and "message" optional). Event names the library reserves are refused when sending
// (see send_error_text).
InputLine parse_input_line(std::string_view line);

// `text` as one JSON value; false with `error` saying where it is not JSON.
bool parse_json(std::string_view text, ipcxx::Payload& out, std::string& error);

// Why emit/broadcast refused the event `type`, as one line.
std::string send_error_text(std::error_code ec, std::string_view type);

// `text` as a JSON string literal, as JSON.stringify writes it.
std::string json_string(std::string_view text);

}  // namespace ipcxx_cli
