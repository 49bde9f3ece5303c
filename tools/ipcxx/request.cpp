// ipcxx request: one request; its response's data on stdout, or its error on stderr.
#include <atomic>
#include <string>

#include <ipcxx/client.hpp>
#include <ipcxx/error.hpp>

#include "error_names.hpp"
#include "input_lines.hpp"
#include "session.hpp"

namespace ipcxx_cli {

int run_request(const Options& options) {
    // Everything the handlers use outlives the client: they may run until its destructor returns.
    Output output(stdout, stderr, options.quiet);
    Stop stop;
    std::atomic<bool> succeeded{false};
    // Touched by the client's handlers only, which never run concurrently.
    ipcxx::ErrorEvent last_error;  // since the last connect
    ipcxx::Client client(make_config(options, output));
    client.on("connect", [&] { last_error = {}; });
    client.on("error", [&](const ipcxx::ErrorEvent& error) {
        // The request's own failure reports a request that was not delivered.
        if (error.code == ipcxx::errc::undelivered) return;
        // Every attempt fails the same way while the server is away: say it once.
        if (error.code == last_error.code && error.message == last_error.message) return;
        last_error = error;
        output.note(error_text(error.code, error.message));
    });
    start_client(client, options);
    client.request_packed(options.event, options.args.msgpack(), options.timeout, [&](const ipcxx::Response& response) {
        if (response) {
            succeeded = output.response(response.data);
        } else if ((response.error == ipcxx::errc::not_connected || response.error == ipcxx::errc::connection_lost) &&
                   last_error.code) {
            // What closed the connection or made the client give up says more than the request's end.
            output.fatal("request " + json_string(options.event) +
                         " failed: " + error_text(last_error.code, last_error.message));
        } else {
            output.fatal(request_failure_text(options.event, response));
        }
        stop.request();
    });
    stop.wait();
    // A failed request exits 1, and so does a signal that came before the response.
    return succeeded ? 0 : 1;
}

}  // namespace ipcxx_cli
