#include "options.hpp"

#include <limits>
#include <optional>

namespace ipcxx_cli {

const char* const usage_text =
    R"(Usage: ipcxx serve   [--id ID] [--echo] [--unix PATH | --tcp [HOST:]PORT] [OPTIONS]
       ipcxx connect [--id ID] [--exit-on-eof] [--unix PATH | --tcp [HOST:]PORT | SERVER_ID] [OPTIONS]

What nc is for sockets, for node-ipc and ipcxx endpoints. Every stdin line is one event, a JSON
object {"type":T,"data":D} ("data" optional); every event received is printed on stdout as one
such line. Diagnostics go to stderr.

  serve     listen as server ID (default "world") at the default socket path of ID, or on
            --unix / --tcp; stdin events are broadcast to every connected client
  connect   connect to server SERVER_ID (default "world") at its default socket path, or to
            --unix / --tcp; stdin events are sent in order, also those read before the
            connection is up; reconnects like a node-ipc client

Options:
  --id ID            own id (serve: the server's id, default "world"; connect: default "ipcxx-cli")
  --unix PATH        the Unix socket at PATH
  --tcp [HOST:]PORT  TCP; HOST defaults to 127.0.0.1 ([::1] for IPv6); serve: PORT 0 picks a free port
  --echo             serve: send every event received back to its sender
  --exit-on-eof      connect: once stdin ends, exit when every event read has been written
  --retry MS         delay before each reconnect attempt (default 500)
  --max-retries N    reconnect attempts after a close, or "unlimited" (default)
  --wire WIRE        auto (default: native with ipcxx peers, JSON with node-ipc), json, or native
  --quiet            no diagnostics on stderr except fatal errors
  -h, --help         show this help

serve reports its endpoint on stderr: "ipcxx: listening on unix PATH" or
"ipcxx: listening on tcp HOST:PORT". Both run until SIGINT or SIGTERM.
Exit status: 0 on success; 1 if an input line was bad or on a fatal error; 2 on bad usage.
)";

namespace {

struct UsageError {
    std::string message;
};

std::uint64_t parse_number(const std::string& flag, const std::string& text, std::uint64_t max) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
        throw UsageError{"option '" + flag + "' needs a non-negative integer, not '" + text + "'"};
    }
    std::uint64_t value = 0;
    for (char c : text) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (max - digit) / 10) {
            throw UsageError{"option '" + flag + "': " + text + " is out of range (0-" + std::to_string(max) + ")"};
        }
        value = value * 10 + digit;
    }
    return value;
}

// [HOST:]PORT, with an IPv6 HOST in brackets.
void parse_tcp(const std::string& text, bool allow_port_zero, Options& options) {
    std::string host = options.host;
    std::string port = text;
    if (!text.empty() && text[0] == '[') {
        const auto close = text.find("]:");
        if (close == std::string::npos || close == 1) {
            throw UsageError{"option '--tcp' needs [IPV6-HOST]:PORT, not '" + text + "'"};
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else if (const auto colon = text.find(':'); colon != std::string::npos) {
        if (text.find(':', colon + 1) != std::string::npos) {
            throw UsageError{"option '--tcp': write an IPv6 host in brackets, e.g. [::1]:8000"};
        }
        if (colon == 0) throw UsageError{"option '--tcp': empty host in '" + text + "'"};
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    const auto number = parse_number("--tcp", port, std::numeric_limits<std::uint16_t>::max());
    if (number == 0 && !allow_port_zero) throw UsageError{"option '--tcp': port 0 is only for serve"};
    options.host = std::move(host);
    options.port = static_cast<std::uint16_t>(number);
}

class Parser {
public:
    explicit Parser(Command command) { options_.command = command; }

    // Returns false for --help.
    bool parse(const std::vector<std::string>& args, std::size_t first) {
        bool flags_done = false;
        for (std::size_t i = first; i < args.size(); ++i) {
            const std::string& arg = args[i];
            if (flags_done || arg.size() < 2 || arg[0] != '-') {
                positional(arg);
                continue;
            }
            if (arg == "--") {
                flags_done = true;
                continue;
            }
            if (arg == "-h" || arg == "--help") return false;
            std::string flag = arg;
            std::optional<std::string> inline_value;
            if (const auto eq = arg.find('='); eq != std::string::npos && arg.compare(0, 2, "--") == 0) {
                flag = arg.substr(0, eq);
                inline_value = arg.substr(eq + 1);
            }
            if (takes_value(flag)) {
                if (!inline_value) {
                    if (i + 1 == args.size()) throw UsageError{"option '" + flag + "' needs a value"};
                    inline_value = args[++i];
                }
                with_value(flag, *inline_value);
            } else {
                if (inline_value) throw UsageError{"option '" + flag + "' takes no value"};
                switch_flag(flag);
            }
        }
        if (options_.id.empty()) options_.id = options_.command == Command::serve ? "world" : "ipcxx-cli";
        return true;
    }

    Options& options() { return options_; }

private:
    static bool takes_value(const std::string& flag) {
        return flag == "--id" || flag == "--unix" || flag == "--tcp" || flag == "--retry" ||
               flag == "--max-retries" || flag == "--wire";
    }

    void only_for(Command command, const std::string& flag) const {
        if (options_.command != command) {
            throw UsageError{"option '" + flag + "' is only for '" +
                             (command == Command::serve ? "serve" : "connect") + "'"};
        }
    }

    void set_target(const std::string& source) {
        if (!target_source_.empty() && target_source_ != source) {
            throw UsageError{options_.command == Command::serve
                                 ? "give only one of --unix and --tcp"
                                 : "give only one of --unix, --tcp and SERVER_ID"};
        }
        target_source_ = source;
    }

    void switch_flag(const std::string& flag) {
        if (flag == "--echo") {
            only_for(Command::serve, flag);
            options_.echo = true;
        } else if (flag == "--exit-on-eof") {
            only_for(Command::connect, flag);
            options_.exit_on_eof = true;
        } else if (flag == "--quiet") {
            options_.quiet = true;
        } else {
            throw UsageError{"unknown option '" + flag + "'"};
        }
    }

    void with_value(const std::string& flag, const std::string& value) {
        if (value.empty()) throw UsageError{"option '" + flag + "' needs a non-empty value"};
        if (flag == "--id") {
            options_.id = value;
        } else if (flag == "--unix") {
            set_target(flag);
            options_.transport = Transport::unix_path;
            options_.unix_path = value;
        } else if (flag == "--tcp") {
            set_target(flag);
            options_.transport = Transport::tcp;
            parse_tcp(value, options_.command == Command::serve, options_);
        } else if (flag == "--retry") {
            // Bounded so that the delay in nanoseconds cannot overflow a timer.
            options_.retry =
                std::chrono::milliseconds(parse_number(flag, value, std::numeric_limits<std::int32_t>::max()));
        } else if (flag == "--max-retries") {
            options_.max_retries =
                value == "unlimited"
                    ? ipcxx::unlimited
                    : static_cast<std::size_t>(parse_number(flag, value, std::numeric_limits<std::uint32_t>::max()));
        } else if (flag == "--wire") {
            if (value == "auto") {
                options_.wire = ipcxx::Wire::automatic;
            } else if (value == "json") {
                options_.wire = ipcxx::Wire::json;
            } else if (value == "native") {
                options_.wire = ipcxx::Wire::native;
            } else {
                throw UsageError{"option '--wire': '" + value + "' is not supported (auto, json or native)"};
            }
        }
    }

    void positional(const std::string& arg) {
        if (options_.command == Command::serve) throw UsageError{"unexpected argument '" + arg + "'"};
        if (target_source_ == "SERVER_ID") {
            throw UsageError{"unexpected argument '" + arg + "' (SERVER_ID already given)"};
        }
        set_target("SERVER_ID");
        options_.server_id = arg;
    }

    Options options_;
    std::string target_source_;  // which of --unix, --tcp or SERVER_ID chose the endpoint
};

}  // namespace

ParseResult parse_options(const std::vector<std::string>& args) {
    ParseResult result;
    if (args.empty()) {
        result.error = "missing command: serve or connect";
        return result;
    }
    const std::string& command = args[0];
    if (command == "-h" || command == "--help") {
        result.action = ParseResult::Action::help;
        return result;
    }
    if (command != "serve" && command != "connect") {
        result.error = "unknown command '" + command + "' (expected serve or connect)";
        return result;
    }
    try {
        Parser parser(command == "serve" ? Command::serve : Command::connect);
        result.action = parser.parse(args, 1) ? ParseResult::Action::run : ParseResult::Action::help;
        result.options = std::move(parser.options());
    } catch (const UsageError& e) {
        result.action = ParseResult::Action::error;
        result.error = e.message;
    }
    return result;
}

}  // namespace ipcxx_cli
