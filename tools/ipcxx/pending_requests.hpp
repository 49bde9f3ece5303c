// Requests the tool received: printed on stdout with a number of the tool's own, then answered
// from stdin by that number, or echoed back at once (serve --echo).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <ipcxx/responder.hpp>

#include "input_lines.hpp"
#include "output.hpp"

namespace ipcxx_cli {

// The error code a request gets when stdin ended before its answer.
extern const char* const no_answer_code;

// Safe from any thread: requests arrive on the library's I/O thread, answers on the main thread.
class PendingRequests {
public:
    // `echo`: answer every request with its own arguments instead of waiting for stdin.
    PendingRequests(Output& output, bool echo) : output_(output), echo_(echo) {}

    // Prints the request as {"request":N,"type":T,"data":D} and keeps it until its answer or its
    // cancellation; once stdin has ended, fails it at once with no_answer_code.
    void add(ipcxx::Responder request);
    // Answers the request an answer or failure line names. Returns why the line cannot be used
    // (no such request), or "": an answer that comes too late is noted and dropped.
    std::string answer(const InputLine& line);
    // stdin has ended: every request waiting, and every later one, fails with no_answer_code.
    void end_of_input();

private:
    void forget(std::uint64_t number);

    Output& output_;
    const bool echo_;
    std::mutex mutex_;
    std::uint64_t next_ = 1;  // the next request's number
    bool input_ended_ = false;
    std::map<std::uint64_t, ipcxx::Responder> waiting_;
};

}  // namespace ipcxx_cli
