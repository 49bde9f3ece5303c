// ipcxx serve: a server that prints what it receives, broadcasts what it reads, and answers
// requests from stdin (or echoes them).
#include <string>
#include <utility>

#include <unistd.h>

#include <ipcxx/error.hpp>
#include <ipcxx/server.hpp>

#include "error_names.hpp"
#include "input_lines.hpp"
#include "pending_requests.hpp"
#include "session.hpp"

namespace ipcxx_cli {
namespace {

std::string client_name(const ipcxx::Socket& socket) { return "client " + std::to_string(socket.serial()); }

}  // namespace

int run_serve(const Options& options) {
    // Everything the handlers use outlives the server: they may run until its destructor returns.
    Output output(stdout, stderr, options.quiet);
    Stop stop;
    PendingRequests requests(output, options.echo);
    ipcxx::Server server(make_config(options, output));
    server.on("connect", [&](ipcxx::Socket& socket) {
        output.note(client_connected_text(socket.serial(), socket.id(), socket.remote_address()));
    });
    server.on("socket.disconnected",
              [&](ipcxx::Socket& socket) { output.note(client_name(socket) + " disconnected"); });
    server.on("error", [&](const ipcxx::ErrorEvent& error) { output.note(error_text(error.code, error.message)); });
    server.handle("*", [&](ipcxx::Responder request) { requests.add(std::move(request)); });
    server.on("*", [&](std::string_view type, const ipcxx::Payload& data, ipcxx::Socket& from) {
        output.event(type, data);
        if (!options.echo) return;
        if (const std::error_code ec = from.emit(type, data)) {
            output.note("echo of " + json_string(type) + " to " + client_name(from) + " failed: " + ec.message());
        }
    });

    try {
        switch (options.transport) {
            case Transport::by_id: server.serve(); break;
            case Transport::unix_path: server.serve(options.unix_path); break;
            case Transport::tcp: server.serve_net(options.host, options.port); break;
        }
    } catch (const ipcxx::Error& e) {
        output.fatal("cannot listen: " + error_text(e.code(), e.what()));
        return 1;
    }
    output.note("listening on " + (options.transport == Transport::tcp ? tcp_endpoint_text(options.host, server.port())
                                                                        : "unix " + server.path()));

    LineReader input(STDIN_FILENO, stop.wake_fd());
    const auto broadcast = [&](const std::string& type, const ipcxx::Payload& data) {
        const std::error_code ec = server.broadcast(type, data);
        // A client too slow to take it is reported by the server's `error` event; the line was fine.
        return ec == ipcxx::errc::queue_full ? std::error_code() : ec;
    };
    const auto answer = [&](const InputLine& line) { return requests.answer(line); };
    const std::size_t bad = feed_events(input, output, stop, broadcast, answer);
    requests.end_of_input();
    stop.wait();
    return bad > 0 || stop.failed() ? 1 : 0;
}

}  // namespace ipcxx_cli
