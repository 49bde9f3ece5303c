// Request/response bookkeeping shared by servers and clients: the handlers that answer requests,
// and the requests this side made that await their responses.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <asio/steady_timer.hpp>

#include "connection/connection.hpp"
#include "ipcxx/request.hpp"

namespace ipcxx::detail {

class RequestHandlers {
public:
    void set(std::string event, RequestHandler handler);
    void remove(std::string_view event);
    // Runs the handler for `event` and returns its reply: no_handler when there is none,
    // handler_exception (with the exception's text) when it throws.
    Reply answer(std::string_view event, const Payload& args, Socket* from) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const RequestHandler>, std::less<>> handlers_;
};

// Outstanding requests. add() from any thread; everything else runs on `strand`, where the
// callbacks are called.
class PendingRequests : public std::enable_shared_from_this<PendingRequests> {
public:
    using OnCallbackException = std::function<void(const std::string& what)>;
    PendingRequests(Strand strand, OnCallbackException on_exception);

    RequestId next_id() noexcept;
    // `link` says which connection a server request went to (0 on clients); `sequence` is the
    // request frame's place in its outbox (see Outbox::push).
    void add(RequestId id, std::uint64_t link, ResponseHandler callback, std::chrono::milliseconds timeout);
    void set_sequence(RequestId id, std::uint64_t sequence);
    // Completes the request with `response`; false if it is not outstanding (answered, timed out).
    bool complete(RequestId id, Response response);
    // Completes from any thread (posted to the strand).
    void complete_later(RequestId id, Response response);
    // Completes every request for which `match(link, sequence)` holds.
    void fail_where(const std::function<bool(std::uint64_t link, std::uint64_t sequence)>& match,
                    std::error_code error, const std::string& message);

private:
    struct Entry {
        ResponseHandler callback;
        std::shared_ptr<asio::steady_timer> timer;
        std::uint64_t link = 0;
        std::uint64_t sequence = 0;
    };
    void call(ResponseHandler& callback, const Response& response);

    Strand strand_;
    OnCallbackException on_exception_;
    std::mutex mutex_;
    std::map<RequestId, Entry> entries_;
    std::atomic<RequestId> next_id_{1};
};

// The response or error response frame that carries `reply` (which must outlive it).
Outgoing response_frame(RequestId id, const Reply& reply);
// A Response for a failure on this side.
Response failure(std::error_code error, std::string message);
// A Response from a response or error response frame.
Response response_from(const NativeFrame& frame);

}  // namespace ipcxx::detail
