// `ipcxx bus ...`: its options, parsed and checked without sockets.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <ipcxx/payload.hpp>

namespace ipcxx_cli {

enum class BusCommand { emit, consume, publish, subscribe, request };

struct BusCliOptions {
    BusCommand command = BusCommand::emit;
    std::string redis = "redis://127.0.0.1:6379";
    std::string bus = "default";
    std::string group = "default";
    std::string consumer;  // empty: the library's default
    bool pattern = false;  // subscribe: the names are glob patterns
    bool quiet = false;
    std::chrono::milliseconds timeout{5000};
    // emit, publish, request: one event from the command line (`has_event`), else stdin lines.
    bool has_event = false;
    std::string event;
    ipcxx::Payload data;
    std::vector<std::string> names;  // subscribe
};

struct BusParseResult {
    enum class Action { run, help, error };
    Action action = Action::error;
    BusCliOptions options;
    std::string error;
};

// `args` are the arguments after "bus".
BusParseResult parse_bus_options(const std::vector<std::string>& args);

extern const char* const bus_usage_text;

// Runs `ipcxx bus ...` (tools/ipcxx/bus_command.cpp); returns the exit status.
int run_bus_tool(const std::vector<std::string>& args);

}  // namespace ipcxx_cli
