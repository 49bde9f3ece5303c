#include "ipcxx/client.hpp"

#include "client/client_impl.hpp"
#include "ipcxx/detail/future_response.hpp"
#include "ipcxx/detail/shared_io.hpp"
#include "connection/shared_pack.hpp"
#include "ipcxx/error.hpp"
#include "runtime/io_thread.hpp"

namespace ipcxx {

Client::Client(Config config) : thread_(detail::IoThread::start(config.busy_poll)) {
    impl_ = std::make_shared<detail::ClientImpl>(thread_->context(), std::move(config), thread_);
}

Client::Client(asio::io_context& io, Config config)
    : impl_(std::make_shared<detail::ClientImpl>(io, std::move(config))) {}

Client::Client(detail::SharedIo io, Config config)
    : impl_(std::make_shared<detail::ClientImpl>(io.io, std::move(config), std::move(io.keepalive))) {}

Client::~Client() { shut_down(); }

Client::Client(Client&& other) noexcept = default;

Client& Client::operator=(Client&& other) noexcept {
    if (this != &other) {
        shut_down();
        thread_ = std::move(other.thread_);
        impl_ = std::move(other.impl_);
    }
    return *this;
}

void Client::shut_down() noexcept {
    if (!impl_) return;  // moved from
    impl_->disconnect();
    detail::release(thread_, [this] { impl_->events().registry().close(); });
    impl_->finish_handlers();
    impl_.reset();
    thread_.reset();
}

HandlerId Client::add_handler(std::string_view event, detail::Handler handler, bool once) {
    return impl_->events().add(event, std::move(handler), once);
}

void Client::off(std::string_view event) { impl_->events().registry().remove(event); }
void Client::off(HandlerId id) { impl_->events().registry().remove(id); }

void Client::add_request_handler(std::string_view event, detail::RequestHandler handler) {
    if (event.empty()) throw Error(make_error_code(errc::invalid_argument), "event name must not be empty");
    if (handler.needs_socket) {
        throw Error(make_error_code(errc::bad_handler),
                    "a client's request handler takes (const Payload&) or (T): there is no Socket on this side");
    }
    impl_->request_handlers().set(std::string(event), std::move(handler));
}

void Client::unhandle(std::string_view event) { impl_->request_handlers().remove(event); }

RequestId Client::request_packed(std::string_view event, std::string_view msgpack_args,
                                 std::chrono::milliseconds timeout, ResponseHandler on_response) {
    return impl_->request(event, msgpack_args, timeout, std::move(on_response));
}

void Client::cancel(RequestId id) { impl_->cancel(id); }

std::future<Payload> Client::request_future_packed(std::string_view event, std::string_view msgpack_args,
                                                  std::chrono::milliseconds timeout) {
    if (impl_->on_io_thread()) return detail::would_deadlock_future(event);
    auto [handler, future] = detail::future_response();
    request_packed(event, msgpack_args, timeout, std::move(handler));
    return std::move(future);
}

std::uint64_t Client::dropped_replies() const noexcept { return impl_->dropped_replies(); }

bool Client::native() const noexcept { return impl_->native(); }

void Client::connect_to(std::string server_id) {
    std::string path = impl_->config().socket_path(server_id);
    connect_to(std::move(server_id), std::move(path));
}

void Client::connect_to(std::string server_id, std::string path) {
    impl_->start(std::move(server_id), detail::Target::unix_socket(std::move(path)));
}

void Client::connect_to_net(std::string server_id) {
    connect_to_net(std::move(server_id), impl_->config().network_host, impl_->config().network_port);
}

void Client::connect_to_net(std::string server_id, std::string host, std::uint16_t port) {
    impl_->start(std::move(server_id), detail::Target::tcp(std::move(host), port));
}

std::error_code Client::emit_packed(std::string_view event, std::string_view msgpack_data) {
    return impl_->emit(event, msgpack_data);
}

std::error_code Client::emit_pack(std::string_view event, detail::PackedForEmit packed) {
    if (packed.tail) return impl_->emit_with_tail(event, packed.head, *packed.tail);
    return impl_->emit(event, packed.head);
}

std::error_code Client::emit_raw(std::string_view bytes) { return impl_->emit_raw(bytes); }
std::error_code Client::emit_raw_text(std::string_view text) { return impl_->emit_raw_text(text); }

void Client::disconnect() { impl_->disconnect(); }
std::error_code Client::subscribe(std::string_view prefix) { return impl_->subscribe(prefix); }
std::error_code Client::unsubscribe(std::string_view prefix) { return impl_->unsubscribe(prefix); }
std::vector<std::string> Client::topics() const { return impl_->topics(); }
bool Client::connected() const noexcept { return impl_->connected(); }
std::size_t Client::pending_messages() const { return impl_->pending_messages(); }
std::string Client::server_id() const { return impl_->server_id(); }
const Config& Client::config() const noexcept { return impl_->config(); }

}  // namespace ipcxx
