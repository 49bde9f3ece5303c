#include "output.hpp"

#include <exception>

#include "error_names.hpp"
#include "input_lines.hpp"

namespace ipcxx_cli {

std::string event_line(std::string_view type, const ipcxx::Payload& data) {
    return "{\"type\":" + json_string(type) + ",\"data\":" + data.to_json() + "}";
}

std::string request_line(std::uint64_t number, std::string_view type, const ipcxx::Payload& data) {
    return "{\"request\":" + std::to_string(number) + ",\"type\":" + json_string(type) + ",\"data\":" + data.to_json() +
           "}";
}

std::string response_line(const ipcxx::Payload& data) { return data.empty() ? "null" : data.to_json(); }

std::string request_failure_text(std::string_view event, const ipcxx::Response& response) {
    const std::string code = response.remote_code.empty() ? error_name(response.error) : response.remote_code;
    return "request " + json_string(event) + " failed: " + code + ": " +
           (response.message.empty() ? response.error.message() : response.message);
}

std::string client_connected_text(std::uint64_t serial, std::string_view id, std::string_view address) {
    return "client " + std::to_string(serial) + " connected: " + (id.empty() ? "no id" : "id " + json_string(id)) +
           " (" + std::string(address) + ")";
}

Output::Output(std::FILE* out, std::FILE* err, bool quiet) : out_(out), err_(err), quiet_(quiet) {}

void Output::event(std::string_view type, const ipcxx::Payload& data) {
    std::string line;
    try {
        line = event_line(type, data);
    } catch (const std::exception& e) {
        // Only data that did not come from a JSON peer can fail to print.
        note("cannot print event " + json_string(type) + ": " + e.what());
        return;
    }
    write_line(out_, {}, line);
}

bool Output::request(std::uint64_t number, std::string_view type, const ipcxx::Payload& data) {
    std::string line;
    try {
        line = request_line(number, type, data);
    } catch (const std::exception& e) {
        note("cannot print request " + std::to_string(number) + " " + json_string(type) + ": " + e.what());
        return false;
    }
    write_line(out_, {}, line);
    return true;
}

bool Output::response(const ipcxx::Payload& data) {
    std::string line;
    try {
        line = response_line(data);
    } catch (const std::exception& e) {
        fatal(std::string("cannot print the response: ") + e.what());
        return false;
    }
    write_line(out_, {}, line);
    return true;
}

void Output::note(std::string_view text) {
    if (!quiet_) write_line(err_, "ipcxx: ", text);
}

void Output::fatal(std::string_view text) { write_line(err_, "ipcxx: ", text); }

void Output::write_line(std::FILE* to, std::string_view prefix, std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::fwrite(prefix.data(), 1, prefix.size(), to);
    std::fwrite(text.data(), 1, text.size(), to);
    std::fputc('\n', to);
    std::fflush(to);
}

}  // namespace ipcxx_cli
