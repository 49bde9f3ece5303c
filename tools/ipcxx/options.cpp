#include "options.hpp"

#include <limits>
#include <optional>

#include "input_lines.hpp"

namespace ipcxx_cli {

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

const char* command_name(Command command) {
    switch (command) {
        case Command::serve: return "serve";
        case Command::connect: return "connect";
        case Command::request: return "request";
    }
    return "";
}

// A JSON value's first character, or a JSON literal: an argument meant as JSON, even a broken one,
// gets a JSON error rather than being taken for an event name.
bool starts_like_json(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return false;
    return std::string_view("{[\"-0123456789").find(text[first]) != std::string_view::npos || text == "true" ||
           text == "false" || text == "null";
}

class Parser {
public:
    explicit Parser(Command command) { options_.command = command; }

    // Returns false for --help.
    bool parse(const std::vector<std::string>& args, std::size_t first) {
        bool flags_done = false;
        for (std::size_t i = first; i < args.size(); ++i) {
            const std::string& arg = args[i];
            // No flag starts with a digit: "-5" is a (JSON) argument.
            if (flags_done || arg.size() < 2 || arg[0] != '-' || (arg[1] >= '0' && arg[1] <= '9')) {
                positionals_.push_back(arg);
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
        if (options_.command == Command::request) {
            request_arguments();
        } else {
            connect_arguments();
        }
        check_tls();
        if (options_.id.empty()) options_.id = options_.command == Command::serve ? "world" : "ipcxx-cli";
        return true;
    }

    Options& options() { return options_; }

private:
    static bool takes_value(const std::string& flag) {
        return flag == "--id" || flag == "--unix" || flag == "--tcp" || flag == "--retry" ||
               flag == "--max-retries" || flag == "--wire" || flag == "--timeout" || flag == "--tls-cert" ||
               flag == "--tls-key" || flag == "--tls-ca" || flag == "--tls-server-name" || flag == "--topic";
    }

    void only_for(const std::string& flag, Command command) const {
        if (options_.command != command) {
            throw UsageError{"option '" + flag + "' is only for '" + command_name(command) + "'"};
        }
    }
    void only_for_clients(const std::string& flag) const {
        if (options_.command == Command::serve) {
            throw UsageError{"option '" + flag + "' is only for 'connect' and 'request'"};
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
            only_for(flag, Command::serve);
            options_.echo = true;
        } else if (flag == "--exit-on-eof") {
            only_for(flag, Command::connect);
            options_.exit_on_eof = true;
        } else if (flag == "--quiet") {
            options_.quiet = true;
        } else if (flag == "--tls") {
            tls_ = true;
        } else if (flag == "--tls-require-client-cert") {
            only_for(flag, Command::serve);
            tls_ = true;
            options_.tls.require_client_cert = true;
        } else if (flag == "--tls-insecure-skip-verify") {
            only_for_clients(flag);
            tls_ = true;
            options_.tls.insecure_skip_verify = true;
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
            options_.retry = parse_ms(flag, value);
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
        } else if (flag == "--topic") {
            only_for(flag, Command::connect);
            options_.topics.push_back(value);
        } else if (flag == "--timeout") {
            only_for(flag, Command::request);
            options_.timeout = parse_ms(flag, value);
            if (options_.timeout.count() == 0) throw UsageError{"option '--timeout' must be at least 1 ms"};
        } else {
            with_tls_value(flag, value);
        }
    }

    void with_tls_value(const std::string& flag, const std::string& value) {
        tls_ = true;
        if (flag == "--tls-cert") {
            options_.tls.certificate_file = value;
        } else if (flag == "--tls-key") {
            options_.tls.private_key_file = value;
        } else if (flag == "--tls-ca") {
            options_.tls.ca_file = value;
        } else if (flag == "--tls-server-name") {
            only_for_clients(flag);
            options_.tls.server_name = value;
        }
    }

    // Bounded so that the delay in nanoseconds cannot overflow a timer.
    static std::chrono::milliseconds parse_ms(const std::string& flag, const std::string& value) {
        return std::chrono::milliseconds(parse_number(flag, value, std::numeric_limits<std::int32_t>::max()));
    }

    // serve: none; connect: [SERVER_ID].
    void connect_arguments() {
        for (const std::string& arg : positionals_) {
            if (options_.command == Command::serve) throw UsageError{"unexpected argument '" + arg + "'"};
            if (target_source_ == "SERVER_ID") {
                throw UsageError{"unexpected argument '" + arg + "' (SERVER_ID already given)"};
            }
            set_target("SERVER_ID");
            options_.server_id = arg;
        }
    }

    // [SERVER_ID] EVENT [JSON]. SERVER_ID only without --unix and --tcp; of two arguments, the
    // second is JSON when it starts like JSON, else they are SERVER_ID and EVENT.
    void request_arguments() {
        const std::vector<std::string>& args = positionals_;
        if (args.empty()) throw UsageError{"request needs an EVENT"};
        const bool by_id = target_source_.empty();
        const std::size_t most = by_id ? 3 : 2;
        if (args.size() > most) throw UsageError{"unexpected argument '" + args[most] + "'"};
        const bool with_server = by_id && (args.size() == 3 || (args.size() == 2 && !starts_like_json(args[1])));
        std::size_t next = 0;
        std::string error;
        if (with_server) {
            set_target("SERVER_ID");
            options_.server_id = args[next++];
        }
        options_.event = args[next++];
        if (options_.event.empty()) throw UsageError{"EVENT must not be empty"};
        if (next < args.size() && !parse_json(args[next], options_.args, error)) {
            throw UsageError{"argument JSON: " + error};
        }
    }

    void check_tls() {
        if (!tls_) return;
        const ipcxx::TlsConfig& tls = options_.tls;
        if (options_.transport != Transport::tcp) throw UsageError{"TLS works over TCP only: add --tcp [HOST:]PORT"};
        if (tls.certificate_file.empty() != tls.private_key_file.empty()) {
            throw UsageError{"options '--tls-cert' and '--tls-key' go together"};
        }
        if (options_.command == Command::serve && tls.certificate_file.empty()) {
            throw UsageError{"serve over TLS needs --tls-cert and --tls-key"};
        }
        if (tls.insecure_skip_verify && !tls.ca_file.empty()) {
            throw UsageError{"'--tls-insecure-skip-verify' verifies nothing: '--tls-ca' would be ignored"};
        }
        options_.tls.enabled = true;
    }

    Options options_;
    std::vector<std::string> positionals_;
    std::string target_source_;  // which of --unix, --tcp or SERVER_ID chose the endpoint
    bool tls_ = false;           // --tls or any --tls-* flag
};

}  // namespace

ParseResult parse_options(const std::vector<std::string>& args) {
    ParseResult result;
    if (args.empty()) {
        result.error = "missing command: serve, connect or request";
        return result;
    }
    const std::string& command = args[0];
    if (command == "-h" || command == "--help") {
        result.action = ParseResult::Action::help;
        return result;
    }
    Command chosen = Command::serve;
    if (command == "connect") {
        chosen = Command::connect;
    } else if (command == "request") {
        chosen = Command::request;
    } else if (command != "serve") {
        result.error = "unknown command '" + command + "' (expected serve, connect or request)";
        return result;
    }
    try {
        Parser parser(chosen);
        result.action = parser.parse(args, 1) ? ParseResult::Action::run : ParseResult::Action::help;
        result.options = std::move(parser.options());
    } catch (const UsageError& e) {
        result.action = ParseResult::Action::error;
        result.error = e.message;
    }
    return result;
}

}  // namespace ipcxx_cli
