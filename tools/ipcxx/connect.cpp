// ipcxx connect: a client that sends what it reads, prints what it receives, and answers requests
// from stdin.
#include <atomic>
#include <chrono>
#include <string>
#include <utility>

#include <unistd.h>

#include <ipcxx/client.hpp>
#include <ipcxx/error.hpp>

#include "error_names.hpp"
#include "pending_requests.hpp"
#include "session.hpp"

namespace ipcxx_cli {
namespace {

// How often a wait re-checks the client's queue, which announces no change of its own.
constexpr std::chrono::milliseconds queue_recheck{10};

std::string endpoint_text(const Options& options, const ipcxx::Config& config) {
    switch (options.transport) {
        case Transport::by_id:
            return "'" + options.server_id + "' (unix " + config.socket_path(options.server_id) + ")";
        case Transport::unix_path: return "unix " + options.unix_path;
        case Transport::tcp: return tcp_endpoint_text(options.host, options.port);
    }
    return {};
}

}  // namespace

int run_connect(const Options& options) {
    // Everything the handlers use outlives the client: they may run until its destructor returns.
    Output output(stdout, stderr, options.quiet);
    Stop stop;
    const ipcxx::Config config = make_config(options, output);
    const std::string target = endpoint_text(options, config);
    std::atomic<bool> undelivered{false};
    std::size_t bad = 0;
    PendingRequests requests(output, false);
    {
        // Touched by the client's handlers only, which never run concurrently.
        bool up = false;
        std::string last_error;
        std::string cause;  // the last error since the last connect: why the client may give up
        ipcxx::Client client(config);
        client.on("connect", [&] {
            up = true;
            last_error.clear();
            cause.clear();
            output.note("connected to " + target);
            stop.notify();
        });
        client.on("disconnect", [&] {
            if (up) output.note("disconnected from " + target);
            up = false;
        });
        client.on("destroy", [&] {
            // Said even with --quiet, so the reason goes with it.
            output.fatal("gave up on " + target + (cause.empty() ? "" : ": " + cause));
            stop.request(true);
        });
        client.on("error", [&](const ipcxx::ErrorEvent& error) {
            if (error.code == ipcxx::errc::undelivered) {
                undelivered = true;
            } else {
                cause = error_text(error.code, error.message);
            }
            // Every attempt fails the same way while the server is away: say it once. Other errors
            // (ipcxx's own codes, such as undelivered messages) are always reported.
            const bool attempt_failed = error.code.category() != ipcxx::category();
            if (attempt_failed && error.message == last_error) return;
            last_error = attempt_failed ? error.message : std::string();
            output.note(error_text(error.code, error.message));
        });
        client.on("*", [&](std::string_view type, const ipcxx::Payload& data) { output.event(type, data); });
        client.handle("*", [&](ipcxx::Responder request) { requests.add(std::move(request)); });
        start_client(client, options);

        LineReader input(STDIN_FILENO, stop.wake_fd());
        const auto emit = [&](const std::string& type, const ipcxx::Payload& data) {
            std::error_code ec;
            while ((ec = client.emit(type, data)) == ipcxx::errc::queue_full && !stop.requested()) {
                // Hold stdin back until the queue has gone out rather than drop the event.
                stop.wait_until([&] { return client.pending_messages() == 0; }, queue_recheck);
            }
            return ec;
        };
        const auto answer = [&](const InputLine& line) { return requests.answer(line); };
        bad = feed_events(input, output, stop, emit, answer);
        requests.end_of_input();
        if (options.exit_on_eof) {
            stop.wait_until([&] { return client.connected() && client.pending_messages() == 0; }, queue_recheck);
        } else {
            stop.wait();
        }
        // Closing the client ends in `destroy`, which is no failure here.
        client.off("destroy");
    }  // The destructor writes what is queued, within disconnect_timeout, and reports the rest.
    return bad > 0 || stop.failed() || undelivered ? 1 : 0;
}

}  // namespace ipcxx_cli
