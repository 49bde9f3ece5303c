#include "ipcxx/channel.hpp"

#include "channel/channel_impl.hpp"
#include "ipcxx/detail/future_response.hpp"
#include "ipcxx/error.hpp"
#include "process/process_thread.hpp"

namespace ipcxx {

namespace detail::channel_api {

std::shared_ptr<ChannelImpl> on_process_thread(ChannelOptions options) {
    SharedIo io = process_io();
    return std::make_shared<ChannelImpl>(io.io, std::move(io.keepalive), std::move(options));
}

}  // namespace detail::channel_api

Channel::Channel(ChannelLink link, ChannelOptions options)
    : impl_(detail::channel_api::on_process_thread(options)) {
    impl_->attach(link, options.serialization);
}

Channel::Channel(asio::io_context& io, ChannelLink link, ChannelOptions options)
    : impl_(std::make_shared<detail::ChannelImpl>(io, nullptr, options)) {
    impl_->attach(link, options.serialization);
}

Channel::Channel(std::shared_ptr<detail::ChannelImpl> impl) : impl_(std::move(impl)) {}

Channel::~Channel() { impl_->destroy(); }

void Channel::start() { impl_->start(); }

void Channel::on_message(std::function<void(const Payload&)> handler) { impl_->set_message_handler(std::move(handler)); }
void Channel::on_internal_message(std::function<void(const Payload&)> handler) {
    impl_->set_internal_handler(std::move(handler));
}
void Channel::on_handle(std::function<void(const Payload&, int)> handler) {
    impl_->set_handle_handler(std::move(handler));
}

SendStatus Channel::send(const Payload& message) {
    if (message.empty()) return {make_error_code(errc::invalid_argument), false};
    return impl_->send_value(message.msgpack(), -1);
}
SendStatus Channel::send_json(std::string_view json) { return impl_->send_json(json); }
SendStatus Channel::send(const Payload& message, int fd) {
    if (message.empty() || fd < 0) return {make_error_code(errc::invalid_argument), false};
    return impl_->send_value(message.msgpack(), fd);
}

std::error_code Channel::emit_packed(std::string_view event, std::string_view msgpack_data) {
    return impl_->emit(event, msgpack_data);
}

RequestId Channel::request_packed(std::string_view event, std::string_view msgpack_args,
                                  std::chrono::milliseconds timeout, ResponseHandler on_response) {
    return impl_->request(event, msgpack_args, timeout, std::move(on_response));
}

std::future<Payload> Channel::request_future_packed(std::string_view event, std::string_view msgpack_args,
                                                    std::chrono::milliseconds timeout) {
    if (impl_->on_io_thread()) return detail::would_deadlock_future(event);
    auto [handler, future] = detail::future_response();
    request_packed(event, msgpack_args, timeout, std::move(handler));
    return std::move(future);
}

void Channel::cancel(RequestId id) { impl_->cancel(id); }

HandlerId Channel::add_handler(std::string_view event, detail::Handler handler, bool once) {
    return impl_->events().add(event, std::move(handler), once);
}
void Channel::off(std::string_view event) { impl_->events().registry().remove(event); }
void Channel::off(HandlerId id) { impl_->events().registry().remove(id); }

void Channel::add_request_handler(std::string_view event, detail::RequestHandler handler) {
    if (event.empty()) throw Error(make_error_code(errc::invalid_argument), "event name must not be empty");
    if (handler.needs_socket) {
        throw Error(make_error_code(errc::bad_handler),
                    "a channel's request handler takes (const Payload&) or (T): there is no Socket on a channel");
    }
    impl_->request_handlers().set(std::string(event), std::move(handler));
}
void Channel::unhandle(std::string_view event) { impl_->request_handlers().remove(event); }

void Channel::disconnect() { impl_->disconnect(); }
bool Channel::connected() const noexcept { return impl_->connected(); }
std::size_t Channel::pending_bytes() const noexcept { return impl_->pending_bytes(); }

}  // namespace ipcxx
