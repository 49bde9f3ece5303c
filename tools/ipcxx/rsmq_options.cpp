#include "rsmq_options.hpp"

#include <charconv>
#include <map>

#include <ipcxx/payload.hpp>

#include "input_lines.hpp"

namespace ipcxx_cli {
namespace rsmq_cli_options {

struct Usage {
    std::string message;
};

long long integer(const std::string& flag, const std::string& text) {
    long long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        throw Usage{"option '" + flag + "' needs an integer, not '" + text + "'"};
    }
    return value;
}

const std::map<std::string, RsmqCommand>& commands() {
    static const std::map<std::string, RsmqCommand> names = {
        {"create", RsmqCommand::create}, {"send", RsmqCommand::send},   {"receive", RsmqCommand::receive},
        {"delete", RsmqCommand::delete_message}, {"pop", RsmqCommand::pop}, {"attrs", RsmqCommand::attrs},
        {"list", RsmqCommand::list}};
    return names;
}

// Which flags each command takes, beyond --redis, --queue, --ns.
bool allowed(RsmqCommand c, const std::string& flag) {
    using C = RsmqCommand;
    if (flag == "--vt") return c == C::create || c == C::receive || c == C::attrs;
    if (flag == "--delay") return c == C::create || c == C::send || c == C::attrs;
    if (flag == "--maxsize") return c == C::create || c == C::attrs;
    if (flag == "--keep" || flag == "--wait") return c == C::receive;
    if (flag == "--realtime") return c == C::send;
    if (flag == "--drop-queue") return c == C::delete_message;
    return flag == "--redis" || flag == "--queue" || flag == "--ns";
}

RsmqCliOptions parse(const std::vector<std::string>& args) {
    if (args.empty()) throw Usage{"rsmq needs a command: create, send, receive, delete, pop, attrs or list"};
    auto found = commands().find(args[0]);
    if (found == commands().end()) throw Usage{"unknown rsmq command '" + args[0] + "'"};
    RsmqCliOptions o;
    o.command = found->second;
    const std::string name = args[0];
    bool flags_done = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string arg = args[i];
        if (!flags_done && arg == "--") {
            flags_done = true;
            continue;
        }
        if (flags_done || arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
            if (o.has_argument) throw Usage{"rsmq " + name + ": unexpected argument '" + arg + "'"};
            if (o.command != RsmqCommand::send && o.command != RsmqCommand::delete_message) {
                throw Usage{"rsmq " + name + " takes no argument, not '" + arg + "'"};
            }
            o.argument = arg;
            o.has_argument = true;
            continue;
        }
        std::string value;
        bool has_value = false;
        if (auto eq = arg.find('='); eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        if (!allowed(o.command, arg)) throw Usage{"rsmq " + name + " does not take option '" + arg + "'"};
        const bool is_switch = arg == "--keep" || arg == "--realtime" || arg == "--drop-queue";
        if (is_switch) {
            if (has_value) throw Usage{"option '" + arg + "' takes no value"};
        } else if (!has_value) {
            if (i + 1 >= args.size()) throw Usage{"option '" + arg + "' needs a value"};
            value = args[++i];
        }
        if (arg == "--redis") o.redis = value;
        else if (arg == "--queue") o.queue = value;
        else if (arg == "--ns") o.ns = value;
        else if (arg == "--vt") o.vt = integer(arg, value);
        else if (arg == "--delay") o.delay = integer(arg, value);
        else if (arg == "--maxsize") o.maxsize = integer(arg, value);
        else if (arg == "--keep") o.keep = true;
        else if (arg == "--realtime") o.realtime = true;
        else if (arg == "--drop-queue") o.drop_queue = true;
        else if (arg == "--wait") {
            const long long ms = integer(arg, value);
            if (ms < 0) throw Usage{"option '--wait' needs a non-negative number of milliseconds"};
            o.wait = std::chrono::milliseconds(ms);
        }
    }
    if (o.command != RsmqCommand::list && o.queue.empty()) throw Usage{"rsmq " + name + " needs --queue Q"};
    if (o.command == RsmqCommand::delete_message && o.drop_queue == o.has_argument) {
        throw Usage{"rsmq delete needs a message ID, or --drop-queue to delete the queue itself"};
    }
    return o;
}

}  // namespace rsmq_cli_options

RsmqParseResult parse_rsmq_options(const std::vector<std::string>& args) {
    RsmqParseResult result;
    for (const auto& arg : args) {
        if (arg == "--") break;
        if (arg == "-h" || arg == "--help") {
            result.help = true;
            return result;
        }
    }
    try {
        result.options = rsmq_cli_options::parse(args);
        result.ok = true;
    } catch (const rsmq_cli_options::Usage& usage) {
        result.error = usage.message;
    }
    return result;
}

std::string rsmq_message_line(const ipcxx::RsmqMessage& message) {
    return "{\"id\":" + json_string(message.id) + ",\"message\":" + json_string(message.message) +
           ",\"rc\":" + std::to_string(message.rc) + ",\"fr\":" + std::to_string(message.fr) +
           ",\"sent\":" + ipcxx::Payload::from(message.sent).to_json() + "}";
}

std::string rsmq_attributes_line(const ipcxx::RsmqQueueAttributes& a) {
    auto field = [](const char* name, long long v) { return std::string("\"") + name + "\":" + std::to_string(v); };
    return "{" + field("vt", a.vt) + "," + field("delay", a.delay) + "," + field("maxsize", a.maxsize) + "," +
           field("totalrecv", a.totalrecv) + "," + field("totalsent", a.totalsent) + "," +
           field("created", a.created) + "," + field("modified", a.modified) + "," + field("msgs", a.msgs) + "," +
           field("hiddenmsgs", a.hiddenmsgs) + "}";
}

const char* const rsmq_usage_text =
    R"(Usage: ipcxx rsmq create  --redis URL --queue Q [--vt S] [--delay S] [--maxsize N]
       ipcxx rsmq send    --redis URL --queue Q [--delay S] [--realtime] [MESSAGE]
       ipcxx rsmq receive --redis URL --queue Q [--vt S] [--keep] [--wait MS]
       ipcxx rsmq pop     --redis URL --queue Q
       ipcxx rsmq delete  --redis URL --queue Q (ID | --drop-queue)
       ipcxx rsmq attrs   --redis URL --queue Q [--vt S] [--delay S] [--maxsize N]
       ipcxx rsmq list    --redis URL

Queues shared with Node.js programs using rsmq 0.12.4 (docs/rsmq.md). URL: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB],
rediss://... (TLS) or unix://[[USER]:PASSWORD@]/PATH[?db=N]; every command takes --ns NS (default "rsmq").

  create   makes queue Q: vt (seconds a received message stays hidden, default 30), delay
           (seconds a new message stays hidden, default 0), maxsize (UTF-16 units, 1024-65536 or
           -1, default 65536); prints {"created":Q}
  send     sends MESSAGE, or each stdin line when it is left out, as the message text; prints
           {"id":ID} for each; --realtime publishes rsmq's realtime notification
  receive  receives one message, prints it as {"id","message","rc","fr","sent"} and deletes it
           (--keep: leaves it to reappear after its visibility timeout); prints nothing when the
           queue is empty. --wait MS: waits up to MS for a message (an ipcxx extension)
  pop      receives and deletes one message in one step (printed like receive)
  delete   deletes message ID (prints {"deleted":true|false}), or with --drop-queue queue Q itself
  attrs    prints the queue's attributes; with --vt, --delay or --maxsize sets them first
  list     prints {"queues":[...]}

Errors are printed as "ipcxx: rsmq COMMAND: CODE: MESSAGE" (e.g. rsmq_queue_not_found: Queue not
found). Exit status: 0 on success, 1 on an error, 2 on bad usage.
)";

}  // namespace ipcxx_cli
