// What a Responder handle shares: one received request, the answer it is owed, and its
// cancellation (by the requester, by its deadline, or by the loss of its connection).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include <asio/steady_timer.hpp>

#include "codec/native_wire.hpp"
#include "ipcxx/responder.hpp"
#include "runtime/strand.hpp"

namespace ipcxx::detail {

struct ReceivedRequest {
    RequestId id = 0;
    std::uint64_t link = 0;  // server: the connection's serial; client: the connection's number
    std::string event;
    Payload args;
    Socket socket;
    std::uint64_t timeout_ms = 0;  // 0: the requester sent no deadline
};

// The server or client that received the request: where its answer goes.
class RequestOwner {
public:
    virtual ~RequestOwner() = default;
    // Queues the response on the request's connection (`link`); not_connected once that has closed.
    virtual std::error_code send_reply(std::uint64_t link, const NativeFrame& response) = 0;
    // An answer that could not be queued: reported as an `error` event naming the request.
    virtual void reply_undelivered(const ReceivedRequest& request, std::error_code ec) = 0;
    // An answer that came after the request was cancelled: dropped and counted.
    virtual void reply_dropped(const ReceivedRequest& request) = 0;
    // The request is over (answered or cancelled): no cancel frame can concern it any more.
    virtual void forget(std::uint64_t link, RequestId id) = 0;
    // Runs `f` where this connection's handlers run (its strand, or its lane on the handler pool).
    virtual void run_handler(std::uint64_t link, std::function<void()> f) = 0;
};


class ResponderState : public std::enable_shared_from_this<ResponderState> {
public:
    ResponderState(ReceivedRequest request, std::weak_ptr<RequestOwner> owner);
    // Unanswered and not cancelled: answers "no_reply".
    ~ResponderState();
    ResponderState(const ResponderState&) = delete;
    ResponderState& operator=(const ResponderState&) = delete;

    // Arms the deadline timer on `strand` (when the request carries a deadline). Once, after construction.
    void watch_deadline(const Strand& strand);

    const ReceivedRequest& request() const noexcept { return request_; }
    std::optional<std::chrono::steady_clock::time_point> deadline() const noexcept { return deadline_; }

    // Sends `response` (its id is set here) unless answered or cancelled before.
    std::error_code answer(NativeFrame response);
    // Cancels unless answered or cancelled before; the on_cancel callback runs via the owner.
    void cancel(std::error_code reason);
    void on_cancel(std::function<void(std::error_code)> callback);

    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
    std::error_code cancel_reason() const;
    bool answered() const;

private:
    const ReceivedRequest request_;
    const std::weak_ptr<RequestOwner> owner_;
    const std::optional<std::chrono::steady_clock::time_point> deadline_;
    mutable std::mutex mutex_;
    bool answered_ = false;
    std::error_code reason_;
    std::function<void(std::error_code)> on_cancel_;
    std::atomic<bool> cancelled_{false};
    // The deadline timer is owned by its pending wait, not by this state: a Responder may outlive its
    // server and the io_context the timer belongs to. Stopped once the request is over, so that a
    // pending wait does not hold the I/O thread (and the owner's destructor) until the deadline.
    void stop_timer();
    // Kept weak, and no strand either: destroying one after its io_context is undefined.
    std::weak_ptr<asio::steady_timer> timer_;
};

struct ResponderAccess {
    static Responder make(std::shared_ptr<ResponderState> state) { return Responder(std::move(state)); }
};

}  // namespace ipcxx::detail
