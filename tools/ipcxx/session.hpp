// What the commands share: their configuration, the client's endpoint, and the stdin loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <system_error>

#include <ipcxx/client.hpp>
#include <ipcxx/config.hpp>
#include <ipcxx/payload.hpp>

#include "input_lines.hpp"
#include "line_reader.hpp"
#include "options.hpp"
#include "output.hpp"
#include "stop.hpp"

namespace ipcxx_cli {

// The library's settings from the options; library log lines go to `output`, and so does the
// warning that --tls-insecure-skip-verify earns.
ipcxx::Config make_config(const Options& options, Output& output);

// Starts `client` towards the endpoint the options name.
void start_client(ipcxx::Client& client, const Options& options);

// "tcp HOST:PORT" (IPv6 hosts in brackets).
std::string tcp_endpoint_text(const std::string& host, std::uint16_t port);

// Sends one event; an error means the event itself cannot be sent (e.g. a reserved name).
using SendEvent = std::function<std::error_code(const std::string& type, const ipcxx::Payload& data)>;

// Answers a request from an answer line (InputLine::Kind::answer or failure); returns why the
// line cannot be used, or "".
using AnswerRequest = std::function<std::string(const InputLine& line)>;

// Reads stdin until it ends or a stop is requested; sends every event read and hands every answer
// on. A bad line is reported on stderr with its number and skipped; the end of stdin is noted.
// Returns how many lines were bad.
std::size_t feed_events(LineReader& input, Output& output, const Stop& stop, const SendEvent& send,
                        const AnswerRequest& answer);

// Runs a command to its end; returns the exit status.
int run_serve(const Options& options);
int run_connect(const Options& options);
int run_request(const Options& options);

}  // namespace ipcxx_cli
