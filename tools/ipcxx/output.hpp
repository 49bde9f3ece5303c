// Everything the tool writes: events on stdout, diagnostics on stderr, one whole line at a time.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include <ipcxx/payload.hpp>

namespace ipcxx_cli {

// {"type":T,"data":D}: compact, byte for byte the text of node-ipc's frame without the delimiter.
std::string event_line(std::string_view type, const ipcxx::Payload& data);

// Safe from any thread: handlers run on the library's I/O thread while the main thread reports
// input errors.
class Output {
public:
    Output(std::FILE* out, std::FILE* err, bool quiet);

    // One event as one line on `out`, flushed at once.
    void event(std::string_view type, const ipcxx::Payload& data);
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
