#include "dispatch/requests.hpp"

#include <vector>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

#include "codec/handshake.hpp"
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

Reply RequestHandlers::answer(std::string_view event, const Payload& args, Socket* from) const {
    std::shared_ptr<const RequestHandler> handler;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = handlers_.find(event);
        if (it != handlers_.end()) handler = it->second;
    }
    if (!handler) {
        return Reply::error(std::string(no_handler_code), "no handler for '" + std::string(event) + "'");
    }
    try {
        return handler->call(args, from);
    } catch (const std::exception& e) {
        return Reply::error(std::string(handler_exception_code),
                            "handler for '" + std::string(event) + "' threw: " + e.what());
    } catch (...) {
        return Reply::error(std::string(handler_exception_code),
                            "handler for '" + std::string(event) + "' threw an unknown exception");
    }
}

PendingRequests::PendingRequests(Strand strand, OnCallbackException on_exception)
    : strand_(std::move(strand)), on_exception_(std::move(on_exception)) {}

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

void PendingRequests::fail_where(const std::function<bool(std::uint64_t, std::uint64_t)>& match,
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

Outgoing response_frame(RequestId id, const Reply& reply) {
    Outgoing response;
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
        response.error = make_error_code(frame.error_code == no_handler_code ? errc::no_handler : errc::remote_error);
        response.remote_code = std::string(frame.error_code);
        response.message = std::string(frame.error_message);
    } else if (!frame.data.empty()) {
        response.data = PayloadAccess::trusted(frame.data);
    }
    return response;
}

}  // namespace ipcxx::detail
