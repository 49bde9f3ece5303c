#include "dispatch/responder_state.hpp"

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

#include "codec/handshake.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace {

std::optional<std::chrono::steady_clock::time_point> deadline_of(const ReceivedRequest& request) {
    if (request.timeout_ms == 0) return std::nullopt;
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(request.timeout_ms);
}

NativeFrame error_response(std::string_view code, std::string_view message) {
    NativeFrame frame;
    frame.kind = FrameKind::error_response;
    frame.error_code = code;
    frame.error_message = message;
    return frame;
}

}  // namespace

ResponderState::ResponderState(ReceivedRequest request, std::weak_ptr<RequestOwner> owner)
    : request_(std::move(request)), owner_(std::move(owner)), deadline_(deadline_of(request_)) {}

ResponderState::~ResponderState() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (answered_ || reason_) return;
        answered_ = true;
    }
    stop_timer();
    auto owner = owner_.lock();
    if (!owner) return;
    owner->forget(request_.link, request_.id);
    const std::string message = "the handler for '" + request_.event + "' dropped the request without answering";
    NativeFrame response = error_response(no_reply_code, message);
    response.id = request_.id;
    // The requester is told either way; only a closed connection is worth a report here.
    if (owner->send_reply(request_.link, response) == errc::not_connected) {
        owner->reply_undelivered(request_, make_error_code(errc::not_connected));
    }
}

void ResponderState::watch_deadline(const Strand& strand) {
    if (!deadline_) return;
    auto timer = std::make_shared<asio::steady_timer>(strand, *deadline_);
    timer_ = timer;
    timer->async_wait(asio::bind_executor(strand, [weak = weak_from_this(), timer](std::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->cancel(make_error_code(errc::request_timeout));
    }));
}

void ResponderState::stop_timer() {
    // The owner keeps the io_context alive while the timer is touched; without it, the timer is
    // left to fire (harmlessly) or to go with its io_context.
    const auto owner = owner_.lock();
    if (!owner) return;
    if (auto timer = timer_.lock()) asio::post(timer->get_executor(), [timer] { timer->cancel(); });
}

std::error_code ResponderState::answer(NativeFrame response) {
    bool was_cancelled = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (answered_) return make_error_code(errc::already_answered);
        answered_ = true;
        was_cancelled = static_cast<bool>(reason_);
    }
    stop_timer();
    auto owner = owner_.lock();
    if (!owner) return make_error_code(errc::not_connected);
    if (was_cancelled) {
        owner->reply_dropped(request_);
        return make_error_code(errc::request_cancelled);
    }
    owner->forget(request_.link, request_.id);
    response.id = request_.id;
    const std::error_code ec = owner->send_reply(request_.link, response);
    if (ec) owner->reply_undelivered(request_, ec);
    return ec;
}

void ResponderState::cancel(std::error_code reason) {
    std::function<void(std::error_code)> callback;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (answered_ || reason_) return;
        reason_ = reason;
        callback = std::move(on_cancel_);
        on_cancel_ = nullptr;
    }
    cancelled_.store(true, std::memory_order_release);
    stop_timer();
    auto owner = owner_.lock();
    if (!owner) return;
    owner->forget(request_.link, request_.id);
    if (callback) owner->run_handler(request_.link, [callback = std::move(callback), reason] { callback(reason); });
}

void ResponderState::on_cancel(std::function<void(std::error_code)> callback) {
    std::error_code reason;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!reason_) {
            on_cancel_ = std::move(callback);
            return;
        }
        reason = reason_;
    }
    // Already cancelled: still never from inside this call.
    if (auto owner = owner_.lock()) {
        owner->run_handler(request_.link, [callback = std::move(callback), reason] { callback(reason); });
    }
}

std::error_code ResponderState::cancel_reason() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return reason_;
}

bool ResponderState::answered() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return answered_;
}

}  // namespace ipcxx::detail

namespace ipcxx {
namespace {
const std::string empty_string;
const Payload empty_payload;
}  // namespace

RequestId Responder::id() const noexcept { return state_ ? state_->request().id : 0; }
const std::string& Responder::event() const noexcept { return state_ ? state_->request().event : empty_string; }
const Payload& Responder::args() const noexcept { return state_ ? state_->request().args : empty_payload; }
Socket Responder::socket() const { return state_ ? state_->request().socket : Socket(); }

std::optional<std::chrono::steady_clock::time_point> Responder::deadline() const noexcept {
    return state_ ? state_->deadline() : std::nullopt;
}

std::chrono::milliseconds Responder::time_left() const {
    const auto deadline = this->deadline();
    if (!deadline) return std::chrono::milliseconds::max();
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
    return std::max(left, std::chrono::milliseconds(0));
}

bool Responder::cancelled() const noexcept { return state_ && state_->cancelled(); }
std::error_code Responder::cancel_reason() const { return state_ ? state_->cancel_reason() : std::error_code(); }

void Responder::on_cancel(std::function<void(std::error_code)> callback) {
    if (state_ && callback) state_->on_cancel(std::move(callback));
}

std::error_code Responder::reply_packed(std::string_view msgpack_data) {
    if (!state_) return make_error_code(errc::invalid_argument);
    detail::NativeFrame response;
    response.kind = detail::FrameKind::response;
    response.data = msgpack_data;
    return state_->answer(response);
}

std::error_code Responder::reply(const Reply& answer) {
    if (!answer.failed()) return reply(answer.data());
    return fail(answer.code(), answer.message());
}

std::error_code Responder::fail(std::string_view code, std::string_view message) {
    if (!state_) return make_error_code(errc::invalid_argument);
    if (code.empty()) return make_error_code(errc::invalid_argument);
    detail::NativeFrame response;
    response.kind = detail::FrameKind::error_response;
    response.error_code = code;
    response.error_message = message;
    return state_->answer(response);
}

bool Responder::answered() const noexcept { return state_ && state_->answered(); }

}  // namespace ipcxx
