#include "session.hpp"

#include "input_lines.hpp"

namespace ipcxx_cli {

ipcxx::Config make_config(const Options& options, Output& output) {
    ipcxx::Config config;
    config.id = options.id;
    config.retry = options.retry;
    config.max_retries = options.max_retries;
    config.wire = options.wire;
    config.topics = options.topics;
    config.logger = [&output](std::string_view line) { output.note(line); };
    config.tls = options.tls;
    if (options.tls.insecure_skip_verify) {
        output.fatal("warning: --tls-insecure-skip-verify: the server's certificate is not checked; anyone in "
                     "between can read and change the traffic");
    }
    return config;
}

void start_client(ipcxx::Client& client, const Options& options) {
    switch (options.transport) {
        case Transport::by_id: client.connect_to(options.server_id); break;
        case Transport::unix_path: client.connect_to(options.server_id, options.unix_path); break;
        case Transport::tcp: client.connect_to_net(options.server_id, options.host, options.port); break;
    }
}

std::string tcp_endpoint_text(const std::string& host, std::uint16_t port) {
    const bool ipv6 = host.find(':') != std::string::npos;
    return "tcp " + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::size_t feed_events(LineReader& input, Output& output, const Stop& stop, const SendEvent& send,
                        const AnswerRequest& answer) {
    std::size_t bad = 0;
    std::size_t number = 0;
    std::string text;
    LineReader::Result result = LineReader::Result::cancelled;
    while (!stop.requested() && (result = input.next(text)) == LineReader::Result::line) {
        ++number;
        const InputLine line = parse_input_line(text);
        std::string error;
        if (line.kind == InputLine::Kind::bad) {
            error = line.error;
        } else if (line.kind == InputLine::Kind::event) {
            const std::error_code ec = send(line.type, line.data);
            // A send cut short by a stop says nothing about the line.
            if (ec && !stop.requested()) error = send_error_text(ec, line.type);
        } else if (line.kind == InputLine::Kind::answer || line.kind == InputLine::Kind::failure) {
            error = answer(line);
        }
        if (!error.empty()) {
            ++bad;
            output.note("line " + std::to_string(number) + ": " + error);
        }
    }
    // Says that nothing more will be sent, e.g. while `connect --exit-on-eof` still waits.
    if (!stop.requested() && result == LineReader::Result::end) {
        output.note("end of input after " + std::to_string(number) + " line(s)");
    }
    return bad;
}

}  // namespace ipcxx_cli
