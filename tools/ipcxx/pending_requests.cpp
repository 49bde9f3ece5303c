#include "pending_requests.hpp"

#include <optional>
#include <utility>

#include <ipcxx/error.hpp>

#include "error_names.hpp"

namespace ipcxx_cli {

const char* const no_answer_code = "no_answer";

namespace {

constexpr const char* no_answer_message = "stdin of the ipcxx tool ended before an answer";

std::string request_name(std::uint64_t number) { return "request " + std::to_string(number); }

}  // namespace

void PendingRequests::add(ipcxx::Responder request) {
    std::uint64_t number = 0;
    bool keep = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        number = next_++;
        keep = !echo_ && !input_ended_;
        // Kept before it is printed: an answer may follow the line at once.
        if (keep) waiting_.emplace(number, request);
    }
    if (!output_.request(number, request.event(), request.args())) {
        if (keep) forget(number);
        request.fail(no_answer_code, "the ipcxx tool cannot print the request's data as JSON");
        return;
    }
    if (echo_) {
        request.reply(request.args());
    } else if (!keep) {
        request.fail(no_answer_code, no_answer_message);
    } else {
        // Runs on the library's thread for the request's connection, never inside on_cancel(); at
        // once (posted) if the request was cancelled before this line.
        request.on_cancel([this, number](std::error_code reason) {
            forget(number);
            output_.note(request_name(number) + " cancelled: " + error_text(reason, reason.message()));
        });
    }
}

std::string PendingRequests::answer(const InputLine& line) {
    std::optional<ipcxx::Responder> request;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (const auto it = waiting_.find(line.request); it != waiting_.end()) {
            request = it->second;
            waiting_.erase(it);
        } else if (line.request >= next_) {
            return "no " + request_name(line.request) + " is waiting for an answer";
        }
    }
    if (!request) {
        output_.note(request_name(line.request) + " is no longer waiting (answered, or cancelled): answer dropped");
        return {};
    }
    const std::error_code ec = line.kind == InputLine::Kind::failure
                                   ? request->fail(line.error_code, line.error_message)
                                   : request->reply(line.data);
    if (ec == ipcxx::errc::request_cancelled || ec == ipcxx::errc::not_connected) {
        // Cancelled or disconnected while the answer was being typed: nothing wrong with the line.
        // (A closed connection is also reported by the library's `error` event, as undelivered.)
        output_.note(request_name(line.request) + ": answer dropped: " + error_text(ec, ec.message()));
    } else if (ec) {
        return request_name(line.request) + ": answer not sent: " + error_text(ec, ec.message());
    }
    return {};
}

void PendingRequests::end_of_input() {
    std::map<std::uint64_t, ipcxx::Responder> unanswered;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        input_ended_ = true;
        unanswered.swap(waiting_);
    }
    for (auto& [number, request] : unanswered) request.fail(no_answer_code, no_answer_message);
}

void PendingRequests::forget(std::uint64_t number) {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.erase(number);
}

}  // namespace ipcxx_cli
