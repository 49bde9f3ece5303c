#include "bus_options.hpp"

#include "input_lines.hpp"

namespace ipcxx_cli {
namespace bus_cli {

struct BusUsageError {
    std::string message;
};

bool takes_value(const std::string& flag) {
    return flag == "--redis" || flag == "--bus" || flag == "--group" || flag == "--consumer" || flag == "--timeout";
}

std::chrono::milliseconds parse_ms(const std::string& text) {
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
        throw BusUsageError{"option '--timeout' needs milliseconds (1-999999999), not '" + text + "'"};
    }
    const long long value = std::stoll(text);
    if (value == 0) throw BusUsageError{"option '--timeout' must be above 0"};
    return std::chrono::milliseconds(value);
}

BusCommand command_of(const std::string& word) {
    if (word == "emit") return BusCommand::emit;
    if (word == "consume") return BusCommand::consume;
    if (word == "publish") return BusCommand::publish;
    if (word == "subscribe") return BusCommand::subscribe;
    if (word == "request") return BusCommand::request;
    throw BusUsageError{"unknown bus command '" + word + "' (emit, consume, publish, subscribe, request)"};
}

void only_for(bool allowed, const std::string& flag, const char* commands) {
    if (!allowed) throw BusUsageError{"option '" + flag + "' is only for " + commands};
}

}  // namespace bus_cli

BusParseResult parse_bus_options(const std::vector<std::string>& args) {
    using namespace bus_cli;
    BusParseResult result;
    try {
        if (args.empty()) throw BusUsageError{"bus needs a command: emit, consume, publish, subscribe or request"};
        if (args[0] == "-h" || args[0] == "--help") {
            result.action = BusParseResult::Action::help;
            return result;
        }
        BusCliOptions& options = result.options;
        options.command = command_of(args[0]);
        std::vector<std::string> positionals;
        bool flags_done = false;
        for (std::size_t i = 1; i < args.size(); ++i) {
            const std::string& arg = args[i];
            if (flags_done || arg.size() < 2 || arg[0] != '-' || (arg[1] >= '0' && arg[1] <= '9')) {
                positionals.push_back(arg);
                continue;
            }
            if (arg == "--") {
                flags_done = true;
                continue;
            }
            if (arg == "-h" || arg == "--help") {
                result.action = BusParseResult::Action::help;
                return result;
            }
            std::string flag = arg;
            std::string value;
            bool has_value = false;
            if (const auto eq = arg.find('='); eq != std::string::npos) {
                flag = arg.substr(0, eq);
                value = arg.substr(eq + 1);
                has_value = true;
            }
            if (takes_value(flag)) {
                if (!has_value) {
                    if (i + 1 == args.size()) throw BusUsageError{"option '" + flag + "' needs a value"};
                    value = args[++i];
                }
                if (value.empty()) throw BusUsageError{"option '" + flag + "' needs a non-empty value"};
                if (flag == "--redis") options.redis = value;
                else if (flag == "--bus") options.bus = value;
                else if (flag == "--group") {
                    only_for(options.command == BusCommand::consume, flag, "'consume'");
                    options.group = value;
                } else if (flag == "--consumer") {
                    only_for(options.command == BusCommand::consume, flag, "'consume'");
                    options.consumer = value;
                } else {
                    only_for(options.command == BusCommand::request || options.command == BusCommand::emit ||
                                 options.command == BusCommand::publish,
                             flag, "'emit', 'publish' and 'request'");
                    options.timeout = parse_ms(value);
                }
            } else if (has_value) {
                throw BusUsageError{"option '" + flag + "' takes no value"};
            } else if (flag == "--pattern") {
                only_for(options.command == BusCommand::subscribe, flag, "'subscribe'");
                options.pattern = true;
            } else if (flag == "--quiet" || flag == "-q") {
                options.quiet = true;
            } else {
                throw BusUsageError{"unknown option '" + flag + "'"};
            }
        }
        switch (options.command) {
        case BusCommand::consume:
            if (!positionals.empty()) throw BusUsageError{"consume takes no arguments, not '" + positionals[0] + "'"};
            break;
        case BusCommand::subscribe:
            if (positionals.empty()) throw BusUsageError{"subscribe needs at least one event name (or pattern)"};
            options.names = positionals;
            break;
        case BusCommand::request:
            if (positionals.empty()) throw BusUsageError{"request needs an EVENT"};
            [[fallthrough]];
        case BusCommand::emit:
        case BusCommand::publish:
            if (positionals.size() > 2) throw BusUsageError{"too many arguments: EVENT [JSON]"};
            if (!positionals.empty()) {
                options.has_event = true;
                options.event = positionals[0];
                if (options.event.empty()) throw BusUsageError{"the event name must not be empty"};
                if (positionals.size() == 2) {
                    std::string error;
                    if (!parse_json(positionals[1], options.data, error)) {
                        throw BusUsageError{"the data of '" + options.event + "' is not JSON: " + error};
                    }
                }
            }
            break;
        }
        result.action = BusParseResult::Action::run;
    } catch (const BusUsageError& e) {
        result.action = BusParseResult::Action::error;
        result.error = e.message;
    }
    return result;
}

const char* const bus_usage_text =
    R"(Usage: ipcxx bus emit      [--redis URL] [--bus NAME] [--timeout MS] [EVENT [JSON]]
       ipcxx bus consume   [--redis URL] [--bus NAME] [--group G] [--consumer C]
       ipcxx bus publish   [--redis URL] [--bus NAME] [--timeout MS] [EVENT [JSON]]
       ipcxx bus subscribe [--redis URL] [--bus NAME] [--pattern] NAME...
       ipcxx bus request   [--redis URL] [--bus NAME] [--timeout MS] EVENT [JSON]

The event bus on Redis (docs/bus.md). Events are JSON lines {"type":T,"data":D} ("data" optional).

  emit       appends EVENT with the data JSON (none if left out) to the bus's stream, or, without
             EVENT, every stdin line; at least once to one consumer of each group
  consume    consumes the bus as consumer C of group G: prints each event as one line; stops on
             SIGINT/SIGTERM
  publish    publishes by pub/sub (at most once: only subscribers connected now receive it)
  subscribe  prints what is published as NAME (each a glob pattern with --pattern) until stopped
  request    one request: prints the response's data as one JSON line, or the error on stderr
             with exit status 1

Options:
  --redis URL     redis://[[user]:password@]host[:port][/db], rediss://..., unix:///path (default
                  redis://127.0.0.1:6379)
  --bus NAME      the bus (default "default")
  --group G       consume: the consumer group (default "default")
  --consumer C    consume: this consumer's name (default <host>-<pid>-<random>)
  --pattern       subscribe: the names are glob patterns ("order.*")
  --timeout MS    request: how long to wait for the response; emit, publish: for Redis to have
                  stored them before exiting (default 5000)
  -q, --quiet     no notes on stderr
)";

}  // namespace ipcxx_cli
