// ipcxx bus: emit, consume, publish, subscribe and request on the event bus on Redis.
#include <atomic>
#include <cstdio>
#include <exception>
#include <string>

#include <ipcxx/bus.hpp>
#include <ipcxx/error.hpp>

#include "bus_options.hpp"
#include "error_names.hpp"
#include "session.hpp"

namespace ipcxx_cli {
namespace bus_cli {

ipcxx::BusOptions library_options(const BusCliOptions& cli, Output& output) {
    ipcxx::BusOptions options;
    options.redis.url = cli.redis;
    options.name = cli.bus;
    options.group = cli.group;
    options.consumer = cli.consumer;
    options.consume = cli.command == BusCommand::consume;
    options.logger = [&output](std::string_view line) { output.note(line); };
    options.silent = cli.quiet;
    return options;
}

// emit and publish: one event from the command line or every stdin line, then a wait until Redis
// has stored them all.
int send_events(ipcxx::Bus& bus, const BusCliOptions& cli, Output& output, Stop& stop) {
    const SendEvent send = [&](const std::string& type, const ipcxx::Payload& data) {
        return cli.command == BusCommand::emit ? bus.emit(type, data) : bus.publish_packed(type, data.msgpack());
    };
    std::size_t bad = 0;
    if (cli.has_event) {
        if (auto ec = send(cli.event, cli.data)) {
            output.fatal(send_error_text(ec, cli.event));
            return 1;
        }
    } else {
        LineReader input(0, stop.wake_fd());
        bad = feed_events(input, output, stop, send, [](const InputLine&) {
            return std::string("a bus command receives no requests: there is nothing to answer");
        });
    }
    if (auto ec = bus.flush(cli.timeout)) {
        output.fatal("not every event was stored by Redis: " + error_text(ec, ec.message()));
        return 1;
    }
    return bad > 0 ? 1 : 0;
}

int request(ipcxx::Bus& bus, const BusCliOptions& cli, Output& output, Stop& stop) {
    std::atomic<bool> succeeded{false};
    bus.request_packed(cli.event, cli.data.msgpack(), cli.timeout, [&](const ipcxx::Response& response) {
        if (response) succeeded = output.response(response.data);
        else output.fatal(request_failure_text(cli.event, response));
        stop.request();
    });
    stop.wait();
    return succeeded ? 0 : 1;
}

int run(const BusCliOptions& cli) {
    // Everything the handlers use outlives the bus: they may run until its destructor returns.
    Output output(stdout, stderr, cli.quiet);
    Stop stop;
    std::atomic<std::size_t> undelivered{0};
    int status = 0;
    {
        ipcxx::Bus bus(library_options(cli, output));
        bus.on("error", [&](const ipcxx::ErrorEvent& error) {
            if (error.code == ipcxx::errc::undelivered) undelivered += error.undelivered;
            output.note(error_text(error.code, error.message));
        });
        bus.on("*", [&](std::string_view type, const ipcxx::Payload& data) { output.event(type, data); });
        switch (cli.command) {
        case BusCommand::consume:
            bus.start();
            stop.wait();
            break;
        case BusCommand::subscribe:
            for (const std::string& name : cli.names) {
                if (cli.pattern) bus.psubscribe(name);
                else bus.subscribe(name);
            }
            stop.wait();
            break;
        case BusCommand::request: status = request(bus, cli, output, stop); break;
        case BusCommand::emit:
        case BusCommand::publish: status = send_events(bus, cli, output, stop); break;
        }
    }
    if (undelivered > 0) status = 1;
    return status;
}

}  // namespace bus_cli

int run_bus_tool(const std::vector<std::string>& args) {
    const BusParseResult parsed = parse_bus_options(args);
    switch (parsed.action) {
        case BusParseResult::Action::help: std::fputs(bus_usage_text, stdout); return 0;
        case BusParseResult::Action::error:
            std::fprintf(stderr, "ipcxx: %s\nTry 'ipcxx bus --help' for more information.\n", parsed.error.c_str());
            return 2;
        case BusParseResult::Action::run: break;
    }
    // Before any library object exists, so that its threads inherit the mask.
    Stop::block_signals();
    try {
        return bus_cli::run(parsed.options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ipcxx: %s\n", e.what());
        return 1;
    }
}

}  // namespace ipcxx_cli
