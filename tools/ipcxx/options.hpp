// Command-line options of the ipcxx tool: parsing and validation, without sockets.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <ipcxx/config.hpp>
#include <ipcxx/payload.hpp>

namespace ipcxx_cli {

enum class Command { serve, connect, request };

// Where the server listens or the client connects.
enum class Transport {
    by_id,      // the default socket path of the server id: Config::socket_path(id)
    unix_path,  // --unix PATH
    tcp,        // --tcp [HOST:]PORT
};

struct Options {
    Command command = Command::serve;
    std::string id;                   // own id: the server's id (serve) or the client's (connect, request)
    std::string server_id = "world";  // connect, request: the server to reach
    Transport transport = Transport::by_id;
    std::string unix_path;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    bool echo = false;         // serve
    bool exit_on_eof = false;  // connect
    std::vector<std::string> topics;  // connect: --topic, the broadcasts to subscribe to (empty: all)
    bool quiet = false;
    std::chrono::milliseconds retry{500};
    std::size_t max_retries = ipcxx::unlimited;
    ipcxx::Wire wire = ipcxx::Wire::automatic;
    ipcxx::TlsConfig tls;  // enabled by --tls or any --tls-* flag; only with --tcp
    // request: the event, its arguments (empty: no data) and how long to wait for the response.
    std::string event;
    ipcxx::Payload args;
    std::chrono::milliseconds timeout{5000};
};

struct ParseResult {
    enum class Action { run, help, error };
    Action action = Action::error;
    Options options;
    std::string error;  // one line, for Action::error
};

// `args` are the arguments after the program name. Flags may come in any order; "--flag=value"
// and "--flag value" are both accepted; "--" ends the flags.
ParseResult parse_options(const std::vector<std::string>& args);

extern const char* const usage_text;

}  // namespace ipcxx_cli
