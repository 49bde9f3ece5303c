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
#include <utility>
#include <vector>

#include <asio/steady_timer.hpp>

#include "codec/native_wire.hpp"
#include "dispatch/responder_state.hpp"
#include "ipcxx/detail/request_handler.hpp"
#include "runtime/strand.hpp"

namespace ipcxx::detail {

class RequestHandlers {
public:
    void set(std::string event, RequestHandler handler);
    void remove(std::string_view event);
    // The handler for `event`, else the one for "*", else null.
    std::shared_ptr<const RequestHandler> find(std::string_view event) const;
    // The events with a handler, as a client's hello lists them.
    std::vector<std::string> events() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const RequestHandler>, std::less<>> handlers_;
};

// Runs a synchronous handler and returns its reply: handler_exception (with the exception's text)
// when it throws.
Reply run_request_handler(const RequestHandler& handler, std::string_view event, const Payload& args, Socket* from);
// The reply to a request for which there is no handler.
Reply no_handler_reply(std::string_view event);

// Requests received and answered by Responders, by connection and id: where a cancel frame, or the
// end of a connection, finds the responders it concerns.
class ActiveRequests {
public:
    void add(std::uint64_t link, RequestId id, const std::shared_ptr<ResponderState>& state);
    void forget(std::uint64_t link, RequestId id);
    std::shared_ptr<ResponderState> take(std::uint64_t link, RequestId id);
    std::vector<std::shared_ptr<ResponderState>> take_link(std::uint64_t link);

private:
    std::mutex mutex_;
    std::map<std::pair<std::uint64_t, RequestId>, std::weak_ptr<ResponderState>> states_;
};

// The `error` event for an answer that could not be sent (its connection closed first).
ErrorEvent undelivered_reply(const ReceivedRequest& request, std::error_code ec);

// Answers a received request: with no_handler, with a synchronous handler's reply, or through a
// Responder (registered in `active`, its deadline watched on `strand`). The handler runs at once
// unless `offload`, then through owner->run_handler.
void serve_request(const RequestHandlers& handlers, ActiveRequests& active, const std::shared_ptr<RequestOwner>& owner,
                   ReceivedRequest request, const Strand& strand, bool offload);

// Outstanding requests. add() from any thread; everything else runs on `strand`, where the
// callbacks are called.
class PendingRequests : public std::enable_shared_from_this<PendingRequests> {
public:
    using OnCallbackException = std::function<void(const std::string& what)>;
    // A request this side cancelled: the peer is told to stop. (Not one whose deadline passed: the
    // peer has that deadline, and ends the request itself with request_timeout.)
    using OnAbandoned = std::function<void(RequestId id, std::uint64_t link)>;
    PendingRequests(Strand strand, OnCallbackException on_exception, OnAbandoned on_abandoned = {});

    RequestId next_id() noexcept;
    // `link` says which connection a server request went to (0 on clients); `sequence` is the
    // request frame's place in its outbox (see Outbox::push).
    void add(RequestId id, std::uint64_t link, ResponseHandler callback, std::chrono::milliseconds timeout);
    void set_sequence(RequestId id, std::uint64_t sequence);
    // Whether `id` still awaits its response.
    bool outstanding(RequestId id);
    // Completes the request with `response`; false if it is not outstanding (answered, timed out).
    bool complete(RequestId id, Response response);
    // Completes from any thread (posted to the strand).
    void complete_later(RequestId id, Response response);
    // Completes with request_cancelled from any thread, and tells the peer (on_abandoned).
    void cancel_later(RequestId id);
    // Completes every request for which `match(link, sequence)` holds.
    void fail_where(const std::function<bool(std::uint64_t link, std::uint64_t sequence)>& match,
                    std::error_code error, const std::string& message);

    // Runs `body` (taking requests out and calling their callbacks) unless the owner is closing;
    // false when it did not run. An owner whose destructor ends the open requests itself sets one
    // (before any request is added), so that the strand takes none of them after it closed.
    using Gate = std::function<bool(const std::function<void()>& body)>;
    void set_gate(Gate gate) { gate_ = std::move(gate); }
    // Completes every open request with `error` on the calling thread, past the gate: for the
    // owner's destructor once its gate is closed. Their timers are cancelled on the strand.
    void fail_all_here(std::error_code error, const std::string& message);

private:
    struct Entry {
        ResponseHandler callback;
        std::shared_ptr<asio::steady_timer> timer;
        std::uint64_t link = 0;
        std::uint64_t sequence = 0;
    };
    void call(ResponseHandler& callback, const Response& response);
    bool complete_ungated(RequestId id, Response response);
    void fail_where_ungated(const std::function<bool(std::uint64_t, std::uint64_t)>& match, std::error_code error,
                            const std::string& message);
    // Completes as complete() and then calls on_abandoned.
    void abandon(RequestId id, Response response);

    Strand strand_;
    OnCallbackException on_exception_;
    OnAbandoned on_abandoned_;
    Gate gate_;
    std::mutex mutex_;
    std::map<RequestId, Entry> entries_;
    std::atomic<RequestId> next_id_{1};
};

// The response or error response frame that carries `reply` (which must outlive it).
NativeFrame response_frame(RequestId id, const Reply& reply);
// A Response for a failure on this side.
Response failure(std::error_code error, std::string message);
// A Response from a response or error response frame.
Response response_from(const NativeFrame& frame);

}  // namespace ipcxx::detail
