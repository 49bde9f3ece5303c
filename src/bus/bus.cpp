#include "ipcxx/bus.hpp"

#include "bus/bus_impl.hpp"
#include "ipcxx/detail/future_response.hpp"
#include "ipcxx/error.hpp"
#include "runtime/io_thread.hpp"

namespace ipcxx {

Bus::Bus(BusOptions options) : thread_(detail::IoThread::start(Config{}.busy_poll)) {
    impl_ = std::make_shared<detail::BusImpl>(thread_->context(), std::move(options));
}

Bus::Bus(asio::io_context& io, BusOptions options) : impl_(std::make_shared<detail::BusImpl>(io, std::move(options))) {}

Bus::~Bus() {
    impl_->close();
    detail::release(thread_, [this] { impl_->events().registry().close(); });
    impl_.reset();
    thread_.reset();
}

void Bus::start() { impl_->start(); }

std::error_code Bus::emit_packed(std::string_view event, std::string_view msgpack_data) {
    return impl_->emit(event, msgpack_data);
}

std::error_code Bus::publish_packed(std::string_view event, std::string_view msgpack_data) {
    return impl_->publish(event, msgpack_data);
}

void Bus::subscribe(std::string_view event) { impl_->subscribe(event, false); }
void Bus::psubscribe(std::string_view pattern) { impl_->subscribe(pattern, true); }

RequestId Bus::request_packed(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                              ResponseHandler on_response) {
    return impl_->request(event, msgpack_args, timeout, std::move(on_response));
}

std::future<Payload> Bus::request_future_packed(std::string_view event, std::string_view msgpack_args,
                                                std::chrono::milliseconds timeout) {
    if (impl_->on_io_thread()) return detail::would_deadlock_future(event);
    auto [handler, future] = detail::future_response();
    request_packed(event, msgpack_args, timeout, std::move(handler));
    return std::move(future);
}

void Bus::cancel(RequestId id) { impl_->cancel(id); }

HandlerId Bus::add_handler(std::string_view event, detail::Handler handler, bool once) {
    return impl_->events().add(event, std::move(handler), once);
}
void Bus::off(std::string_view event) { impl_->events().registry().remove(event); }
void Bus::off(HandlerId id) { impl_->events().registry().remove(id); }

void Bus::add_request_handler(std::string_view event, detail::RequestHandler handler) {
    if (event.empty()) throw Error(make_error_code(errc::invalid_argument), "event name must not be empty");
    if (handler.needs_socket) {
        throw Error(make_error_code(errc::bad_handler),
                    "a bus's request handler takes (const Payload&) or (T): there is no Socket on a bus");
    }
    const bool deferred = static_cast<bool>(handler.deferred);
    impl_->request_handlers().set(std::string(event), std::move(handler));
    if (deferred) impl_->watch_cancels();
}
void Bus::unhandle(std::string_view event) { impl_->request_handlers().remove(event); }

std::error_code Bus::flush(std::chrono::milliseconds timeout) { return impl_->flush(timeout); }
void Bus::close() { impl_->close(); }
bool Bus::connected() const noexcept { return impl_->connected(); }
const std::string& Bus::consumer() const noexcept { return impl_->consumer(); }

}  // namespace ipcxx
