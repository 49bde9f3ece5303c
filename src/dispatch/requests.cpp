// The dispatch layer (handlers, requests, Responders): where it sits among the layers and its threading are in docs/ARCHITECTURE.md.
#include "dispatch/requests.hpp"

#include <future>
#include <vector>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

#include "codec/handshake.hpp"
#include "ipcxx/detail/future_response.hpp"
#include "ipcxx/error.hpp"
#include "payload_data.hpp"

namespace ipcxx::detail {

void RequestHandlers::set(std::string event, RequestHandler handler) {
    auto shared = std::make_shared<const RequestHandler>(std::move(handler));
    std::lock_guard<std::mutex> lock(mutex_);
    handlers_[std::move(event)] = std::move(shared);
}

void RequestHandlers::remove(std::string_view event) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = handlers_.find(event);
    if (it != handlers_.end()) handlers_.erase(it);
}

std::shared_ptr<const RequestHandler> RequestHandlers::find(std::string_view event) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = handlers_.find(event);
    if (it == handlers_.end()) it = handlers_.find(std::string_view("*"));
    return it == handlers_.end() ? nullptr : it->second;
}

std::vector<std::string> RequestHandlers::events() const {
    std::vector<std::string> out;
    std::lock_guard<std::mutex> lock(mutex_);
    out.reserve(handlers_.size());
    for (const auto& entry : handlers_) out.push_back(entry.first);
    return out;
}

Reply no_handler_reply(std::string_view event) {
    return Reply::error(std::string(no_handler_code), "no handler for '" + std::string(event) + "'");
}

namespace {

std::string threw(std::string_view event, const char* what) {
    return "handler for '" + std::string(event) + "' threw: " + what;
}

}  // namespace

Reply run_request_handler(const RequestHandler& handler, std::string_view event, const Payload& args, Socket* from) {
    try {
        return handler.call(args, from);
    } catch (const std::exception& e) {
        return Reply::error(std::string(handler_exception_code), threw(event, e.what()));
    } catch (...) {
        return Reply::error(std::string(handler_exception_code), threw(event, "an unknown exception"));
    }
}

void ActiveRequests::add(std::uint64_t link, RequestId id, const std::shared_ptr<ResponderState>& state) {
    std::lock_guard<std::mutex> lock(mutex_);
    states_[{link, id}] = state;
}

void ActiveRequests::forget(std::uint64_t link, RequestId id) {
    std::lock_guard<std::mutex> lock(mutex_);
    states_.erase({link, id});
}

std::shared_ptr<ResponderState> ActiveRequests::take(std::uint64_t link, RequestId id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = states_.find({link, id});
    if (it == states_.end()) return nullptr;
    auto state = it->second.lock();
    states_.erase(it);
    return state;
}

std::vector<std::shared_ptr<ResponderState>> ActiveRequests::take_link(std::uint64_t link) {
    std::vector<std::shared_ptr<ResponderState>> out;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = states_.lower_bound({link, 0});
    while (it != states_.end() && it->first.first == link) {
        if (auto state = it->second.lock()) out.push_back(std::move(state));
        it = states_.erase(it);
    }
    return out;
}

ErrorEvent undelivered_reply(const ReceivedRequest& request, std::error_code ec) {
    ErrorEvent error;
    error.code = make_error_code(errc::undelivered);
    error.event = request.event;
    error.undelivered = 1;
    error.message = "reply to request " + std::to_string(request.id) + " ('" + request.event +
                    "') not delivered: " + (ec == errc::not_connected ? "its connection closed first" : ec.message());
    error.socket = request.socket;
    return error;
}

namespace {

void send_or_report(RequestOwner& owner, const ReceivedRequest& request, const Reply& reply) {
    const NativeFrame frame = response_frame(request.id, reply);
    if (auto ec = owner.send_reply(request.link, frame)) owner.reply_undelivered(request, ec);
}

void answer_now(RequestOwner& owner, const RequestHandler& handler, ReceivedRequest& request) {
    const Reply reply = run_request_handler(handler, request.event, request.args, &request.socket);
    send_or_report(owner, request, reply);
}

// Hands `state` to a Responder handler; an exception it throws answers handler_exception, unless
// the handler answered before it threw.
void start_deferred(const RequestHandler& handler, const std::shared_ptr<ResponderState>& state) {
    const std::string& event = state->request().event;
    std::string failure;
    try {
        handler.deferred(ResponderAccess::make(state));
        return;
    } catch (const std::exception& e) {
        failure = threw(event, e.what());
    } catch (...) {
        failure = threw(event, "an unknown exception");
    }
    NativeFrame response;
    response.kind = FrameKind::error_response;
    response.error_code = handler_exception_code;
    response.error_message = failure;
    state->answer(response);
}

}  // namespace

void serve_request(const RequestHandlers& handlers, ActiveRequests& active, const std::shared_ptr<RequestOwner>& owner,
                   ReceivedRequest request, const Strand& strand, bool offload) {
    const std::uint64_t link = request.link;
    auto handler = handlers.find(request.event);
    if (!handler) return send_or_report(*owner, request, no_handler_reply(request.event));
    if (handler->call) {
        // Answered at once on the I/O thread, the common case, without building a task.
        if (!offload) return answer_now(*owner, *handler, request);
        return owner->run_handler(link, [owner, handler, request = std::move(request)]() mutable {
            answer_now(*owner, *handler, request);
        });
    }
    auto state = std::make_shared<ResponderState>(std::move(request), owner);
    active.add(state->request().link, state->request().id, state);
    state->watch_deadline(strand);
    if (!offload) return start_deferred(*handler, state);
    owner->run_handler(link, [handler, state] { start_deferred(*handler, state); });
}

PendingRequests::PendingRequests(Strand strand, OnCallbackException on_exception, OnAbandoned on_abandoned)
    : strand_(std::move(strand)), on_exception_(std::move(on_exception)), on_abandoned_(std::move(on_abandoned)) {}

RequestId PendingRequests::next_id() noexcept { return next_id_.fetch_add(1, std::memory_order_relaxed); }

void PendingRequests::add(RequestId id, std::uint64_t link, ResponseHandler callback,
                          std::chrono::milliseconds timeout) {
    auto timer = std::make_shared<asio::steady_timer>(strand_);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        entries_[id] = Entry{std::move(callback), timer, link, 0};
    }
    // The timer is armed on the strand, where it is also cancelled.
    asio::post(strand_, [self = shared_from_this(), id, timer, timeout] {
        {
            std::lock_guard<std::mutex> lock(self->mutex_);
            if (self->entries_.count(id) == 0) return;
        }
        timer->expires_after(timeout);
        timer->async_wait([self, id, timeout](std::error_code ec) {
            if (ec) return;
            // No cancel frame: the deadline went with the request, and the responder's own timer ends
            // it with request_timeout; a cancel frame racing that timer would say request_cancelled.
            self->complete(id, failure(make_error_code(errc::request_timeout),
                                       "no response within " + std::to_string(timeout.count()) + " ms"));
        });
    });
}

void PendingRequests::set_sequence(RequestId id, std::uint64_t sequence) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(id);
    if (it != entries_.end()) it->second.sequence = sequence;
}

bool PendingRequests::complete(RequestId id, Response response) {
    if (!gate_) return complete_ungated(id, std::move(response));
    {
        // Nothing to end: the gate is not touched, as its owner may be gone (a timer that fired as
        // the owner's destructor took every request).
        std::lock_guard<std::mutex> lock(mutex_);
        if (entries_.count(id) == 0) return false;
    }
    bool completed = false;
    gate_([&] { completed = complete_ungated(id, std::move(response)); });
    return completed;
}

bool PendingRequests::outstanding(RequestId id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.count(id) != 0;
}

bool PendingRequests::complete_ungated(RequestId id, Response response) {
    Entry entry;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = entries_.find(id);
        if (it == entries_.end()) return false;
        entry = std::move(it->second);
        entries_.erase(it);
    }
    entry.timer->cancel();
    call(entry.callback, response);
    return true;
}

void PendingRequests::complete_later(RequestId id, Response response) {
    asio::post(strand_, [self = shared_from_this(), id, response = std::move(response)]() mutable {
        self->complete(id, std::move(response));
    });
}

void PendingRequests::cancel_later(RequestId id) {
    asio::post(strand_, [self = shared_from_this(), id] {
        self->abandon(id, failure(make_error_code(errc::request_cancelled), "request cancelled"));
    });
}

void PendingRequests::abandon(RequestId id, Response response) {
    std::uint64_t link = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = entries_.find(id);
        if (it == entries_.end()) return;
        link = it->second.link;
    }
    if (complete(id, std::move(response)) && on_abandoned_) on_abandoned_(id, link);
}

void PendingRequests::fail_where(const std::function<bool(std::uint64_t, std::uint64_t)>& match,
                                 std::error_code error, const std::string& message) {
    if (!gate_) return fail_where_ungated(match, error, message);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (entries_.empty()) return;  // as in complete()
    }
    gate_([&] { fail_where_ungated(match, error, message); });
}

void PendingRequests::fail_all_here(std::error_code error, const std::string& message) {
    std::vector<Entry> failed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& item : entries_) failed.push_back(std::move(item.second));
        entries_.clear();
    }
    if (failed.empty()) return;
    std::vector<std::shared_ptr<asio::steady_timer>> timers;
    for (const Entry& entry : failed) timers.push_back(entry.timer);
    // A timer belongs to the strand: cancelled there, not on this thread.
    asio::post(strand_, [timers = std::move(timers)] {
        for (const auto& timer : timers) timer->cancel();
    });
    const Response response = failure(error, message);
    for (Entry& entry : failed) call(entry.callback, response);
}

void PendingRequests::fail_where_ungated(const std::function<bool(std::uint64_t, std::uint64_t)>& match,
                                         std::error_code error, const std::string& message) {
    std::vector<Entry> failed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = entries_.begin(); it != entries_.end();) {
            if (match(it->second.link, it->second.sequence)) {
                failed.push_back(std::move(it->second));
                it = entries_.erase(it);
            } else {
                ++it;
            }
        }
    }
    const Response response = failure(error, message);
    for (Entry& entry : failed) {
        entry.timer->cancel();
        call(entry.callback, response);
    }
}

void PendingRequests::call(ResponseHandler& callback, const Response& response) {
    if (!callback) return;
    try {
        callback(response);
    } catch (const std::exception& e) {
        on_exception_(e.what());
    } catch (...) {
        on_exception_("unknown exception");
    }
}

NativeFrame response_frame(RequestId id, const Reply& reply) {
    NativeFrame response;
    response.id = id;
    if (reply.failed()) {
        response.kind = FrameKind::error_response;
        response.error_code = reply.code();
        response.error_message = reply.message();
    } else {
        response.kind = FrameKind::response;
        response.data = reply.data().msgpack();
    }
    return response;
}

Response failure(std::error_code error, std::string message) {
    Response response;
    response.error = error;
    response.message = std::move(message);
    return response;
}

Response response_from(const NativeFrame& frame) {
    Response response;
    if (frame.kind == FrameKind::error_response) {
        const errc code = frame.error_code == no_handler_code ? errc::no_handler
                          : frame.error_code == no_reply_code ? errc::no_reply
                                                              : errc::remote_error;
        response.error = make_error_code(code);
        response.remote_code = std::string(frame.error_code);
        response.message = std::string(frame.error_message);
    } else if (!frame.data.empty()) {
        response.data = PayloadAccess::trusted(frame.data);
    }
    return response;
}

}  // namespace ipcxx::detail

namespace ipcxx::detail {

std::future<Payload> would_deadlock_future(std::string_view event) {
    std::promise<Payload> promise;
    promise.set_exception(std::make_exception_ptr(
        Error(make_error_code(errc::would_deadlock),
              "the future form of request '" + std::string(event) +
                  "' was called on the I/O thread, where get() would wait for ever: use the callback form "
                  "request(event, args, timeout, on_response), or set Config::handler_threads")));
    return promise.get_future();
}

}  // namespace ipcxx::detail
