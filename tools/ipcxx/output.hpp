// Everything the tool writes: events on stdout, diagnostics on stderr, one whole line at a time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include <ipcxx/payload.hpp>
#include <ipcxx/request.hpp>

namespace ipcxx_cli {

// {"type":T,"data":D}: compact, byte for byte the text of node-ipc's frame without the delimiter.
std::string event_line(std::string_view type, const ipcxx::Payload& data);

// {"request":N,"type":T,"data":D}: a request received, numbered by the tool for its answer.
std::string request_line(std::uint64_t number, std::string_view type, const ipcxx::Payload& data);

// A request's result on stdout: its data as JSON, "null" when the response carries none.
std::string response_line(const ipcxx::Payload& data);

// `request "EVENT" failed: CODE: MESSAGE`, CODE being the peer's own code for its errors.
std::string request_failure_text(std::string_view event, const ipcxx::Response& response);

// serve's note on a new client: `client N connected: id "ID" (ADDRESS)`, or "no id" for a client
// that said no hello (node-ipc clients).
std::string client_connected_text(std::uint64_t serial, std::string_view id, std::string_view address);

// Safe from any thread: handlers run on the library's I/O thread while the main thread reports
// input errors.
class Output {
public:
    Output(std::FILE* out, std::FILE* err, bool quiet);

    // One event as one line on `out`, flushed at once.
    void event(std::string_view type, const ipcxx::Payload& data);
    // A request received, as one line on `out`; false (and a note) when the data has no JSON form.
    bool request(std::uint64_t number, std::string_view type, const ipcxx::Payload& data);
    // A request's result as one line on `out`; false (and a note) when the data has no JSON form.
    bool response(const ipcxx::Payload& data);
    // "ipcxx: <text>" on `err`, unless quiet.
    void note(std::string_view text);
    // "ipcxx: <text>" on `err`, even when quiet.
    void fatal(std::string_view text);

private:
    void write_line(std::FILE* to, std::string_view prefix, std::string_view text);

    std::mutex mutex_;
    std::FILE* const out_;
    std::FILE* const err_;
    const bool quiet_;
};

}  // namespace ipcxx_cli
