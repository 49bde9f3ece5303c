// ipcxx: nc for node-ipc and ipcxx endpoints. See usage_text in options.cpp.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "bus_options.hpp"
#include "options.hpp"
#include "rsmq_command.hpp"
#include "session.hpp"
#include "stop.hpp"

int main(int argc, char** argv) {
    using namespace ipcxx_cli;
    if (argc > 1 && std::string(argv[1]) == "bus") return run_bus_tool(std::vector<std::string>(argv + 2, argv + argc));
    if (argc > 1 && std::string(argv[1]) == "rsmq") {
        try {
            return run_rsmq(std::vector<std::string>(argv + 2, argv + argc));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "ipcxx: rsmq: %s\n", e.what());
            return 1;
        }
    }
    const ParseResult parsed = parse_options(std::vector<std::string>(argv + 1, argv + argc));
    switch (parsed.action) {
        case ParseResult::Action::help: std::fputs(usage_text, stdout); return 0;
        case ParseResult::Action::error:
            std::fprintf(stderr, "ipcxx: %s\nTry 'ipcxx --help' for more information.\n", parsed.error.c_str());
            return 2;
        case ParseResult::Action::run: break;
    }
    // Before any library object exists, so that its threads inherit the mask.
    Stop::block_signals();
    try {
        switch (parsed.options.command) {
            case Command::serve: return run_serve(parsed.options);
            case Command::connect: return run_connect(parsed.options);
            case Command::request: return run_request(parsed.options);
        }
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ipcxx: %s\n", e.what());
        return 1;
    }
}
