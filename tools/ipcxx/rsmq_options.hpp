// `ipcxx rsmq ...`: its command line (parsed without sockets) and its output lines.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <ipcxx/rsmq.hpp>

namespace ipcxx_cli {

enum class RsmqCommand { create, send, receive, delete_message, pop, attrs, list };

struct RsmqCliOptions {
    RsmqCommand command = RsmqCommand::list;
    std::string redis = "redis://127.0.0.1:6379";  // --redis URL
    std::string queue;                              // --queue Q (every command but list)
    std::string ns = "rsmq";                        // --ns NS
    bool realtime = false;                          // --realtime: send publishes notifications
    std::optional<long long> vt;                    // create, receive, attrs: --vt SECONDS
    std::optional<long long> delay;                 // create, send, attrs: --delay SECONDS
    std::optional<long long> maxsize;               // create, attrs: --maxsize N
    bool keep = false;                              // receive: --keep (do not delete)
    std::optional<std::chrono::milliseconds> wait;  // receive: --wait MS (the blocking receive)
    bool drop_queue = false;                        // delete: --drop-queue (the queue, not a message)
    std::string argument;  // send: MESSAGE (empty: each stdin line); delete: ID
    bool has_argument = false;
};

struct RsmqParseResult {
    bool ok = false;
    bool help = false;
    RsmqCliOptions options;
    std::string error;  // one line
};

// The arguments after "rsmq".
RsmqParseResult parse_rsmq_options(const std::vector<std::string>& args);

// A received message as the tool prints it: {"id":..,"message":..,"rc":..,"fr":..,"sent":..}
// (`sent` as JavaScript prints the number).
std::string rsmq_message_line(const ipcxx::RsmqMessage& message);
// A queue's attributes as one JSON object with rsmq's field names.
std::string rsmq_attributes_line(const ipcxx::RsmqQueueAttributes& attributes);

extern const char* const rsmq_usage_text;

}  // namespace ipcxx_cli
