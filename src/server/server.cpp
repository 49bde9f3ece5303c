#include "ipcxx/server.hpp"

#include "ipcxx/detail/future_response.hpp"
#include "ipcxx/detail/shared_io.hpp"
#include "ipcxx/error.hpp"
#include "runtime/io_thread.hpp"
#include "connection/raw_write.hpp"
#include "server/listener_slot.hpp"
#include "server/server_impl.hpp"

namespace ipcxx {
namespace {

void throw_if(std::error_code ec, const std::string& detail) {
    if (ec) throw Error(ec, detail);
}

// A caller's io_context is run by the caller's threads: more I/O threads are not ours to start there.
Config single_threaded(Config config) {
    if (config.io_threads > 1) {
        throw Error(make_error_code(errc::invalid_argument),
                    "config.io_threads > 1 needs a Server with I/O threads of its own, not one on a caller's "
                    "io_context");
    }
    return config;
}

}  // namespace

Server::Server(Config config) : thread_(detail::IoThread::start(config.busy_poll)) {
    impl_ = std::make_shared<detail::ServerImpl>(thread_->context(), std::move(config), thread_);
    listeners_ = std::make_unique<detail::ListenerSlot>(impl_);
}

Server::Server(asio::io_context& io, Config config)
    : impl_(std::make_shared<detail::ServerImpl>(io, single_threaded(std::move(config)))),
      listeners_(std::make_unique<detail::ListenerSlot>(impl_)) {}

Server::Server(detail::SharedIo io, Config config)
    : impl_(std::make_shared<detail::ServerImpl>(io.io, std::move(config), std::move(io.keepalive))),
      listeners_(std::make_unique<detail::ListenerSlot>(impl_)) {}

Server::~Server() {
    listeners_->current().stop();
    detail::release_server_threads(thread_, impl_->threads(), [this] { impl_->events().registry().close(); });
    impl_->finish_handlers();
}

HandlerId Server::add_handler(std::string_view event, detail::Handler handler, bool once) {
    return impl_->events().add(event, std::move(handler), once);
}

void Server::off(std::string_view event) { impl_->events().registry().remove(event); }
void Server::off(HandlerId id) { impl_->events().registry().remove(id); }

void Server::add_request_handler(std::string_view event, detail::RequestHandler handler) {
    if (event.empty()) throw Error(make_error_code(errc::invalid_argument), "event name must not be empty");
    impl_->request_handlers().set(std::string(event), std::move(handler));
}

void Server::unhandle(std::string_view event) { impl_->request_handlers().remove(event); }

std::error_code Server::emit_to_packed(std::string_view client_id, std::string_view event,
                                       std::string_view msgpack_data) {
    return impl_->emit_to(client_id, event, msgpack_data);
}

RequestId Server::request_packed(const Socket& to, std::string_view event, std::string_view msgpack_args,
                                 std::chrono::milliseconds timeout, ResponseHandler on_response) {
    return impl_->request(to, event, msgpack_args, timeout, std::move(on_response));
}

std::future<Payload> Server::request_future_packed(const Socket& to, std::string_view event,
                                                  std::string_view msgpack_args, std::chrono::milliseconds timeout) {
    if (impl_->on_io_thread()) return detail::would_deadlock_future(event);
    auto [handler, future] = detail::future_response();
    request_packed(to, event, msgpack_args, timeout, std::move(handler));
    return std::move(future);
}

RequestId Server::distribute_packed(std::string_view event, std::string_view msgpack_args,
                                   std::chrono::milliseconds timeout, ResponseHandler on_response, unsigned attempts) {
    return impl_->distribute(event, msgpack_args, timeout, std::move(on_response), attempts);
}

std::uint64_t Server::dropped_replies() const noexcept { return impl_->dropped_replies(); }

void Server::cancel(RequestId id) {
    impl_->pending().cancel_later(id);
}

void Server::serve(std::error_code& ec) { serve(impl_->config().socket_path(impl_->config().id), ec); }
void Server::serve() { serve(impl_->config().socket_path(impl_->config().id)); }

void Server::serve(const std::string& path, std::error_code& ec) {
    std::string detail;
    ec = listeners_->serve_stream(detail::Target::unix_socket(path), detail);
}

void Server::serve(const std::string& path) {
    std::string detail;
    throw_if(listeners_->serve_stream(detail::Target::unix_socket(path), detail), detail);
}

void Server::serve_net() { serve_net(impl_->config().network_host, impl_->config().network_port); }

void Server::serve_net(const std::string& host, std::uint16_t port, std::error_code& ec) {
    std::string detail;
    ec = listeners_->serve_stream(detail::Target::tcp(host, port), detail);
}

void Server::serve_net(const std::string& host, std::uint16_t port) {
    std::string detail;
    throw_if(listeners_->serve_stream(detail::Target::tcp(host, port), detail), detail);
}

void Server::serve_net(const std::string& host, std::uint16_t port, NetProtocol protocol, std::error_code& ec) {
    if (protocol == NetProtocol::tcp) return serve_net(host, port, ec);
    std::string detail;
    ec = listeners_->serve_udp(host, port, protocol == NetProtocol::udp6, detail);
}

void Server::serve_net(const std::string& host, std::uint16_t port, NetProtocol protocol) {
    if (protocol == NetProtocol::tcp) return serve_net(host, port);
    std::string detail;
    throw_if(listeners_->serve_udp(host, port, protocol == NetProtocol::udp6, detail), detail);
}

Socket Server::udp_peer(const std::string& host, std::uint16_t port, std::error_code& ec) {
    std::string detail;
    Socket socket;
    ec = listeners_->current().peer_at(host, port, socket, detail);
    return socket;
}

Socket Server::udp_peer(const std::string& host, std::uint16_t port) {
    std::error_code ec;
    Socket socket = udp_peer(host, port, ec);
    throw_if(ec, "no UDP peer " + host + ":" + std::to_string(port) + ": " + ec.message());
    return socket;
}

void Server::start(std::error_code& ec) {
    std::string detail;
    ec = listeners_->current().restart(detail);
}

void Server::start() {
    std::string detail;
    throw_if(listeners_->current().restart(detail), detail);
}

void Server::stop() { listeners_->current().stop(); }

bool Server::running() const { return listeners_->current().running(); }
std::string Server::path() const { return listeners_->current().path(); }
std::uint16_t Server::port() const { return listeners_->current().port(); }

BroadcastResult Server::broadcast_packed(std::string_view event, std::string_view msgpack_data) {
    return listeners_->current().broadcast(event, msgpack_data);
}

BroadcastResult Server::broadcast_raw(std::string_view bytes) { return listeners_->current().broadcast_raw(bytes); }

BroadcastResult Server::broadcast_raw_text(std::string_view text) {
    std::string bytes;
    BroadcastResult failed;
    if ((failed.error = detail::raw_text_bytes(text, impl_->config(), bytes))) return failed;
    return broadcast_raw(bytes);
}

std::vector<Socket> Server::sockets() const { return listeners_->current().sockets(); }
const Config& Server::config() const noexcept { return impl_->config(); }

}  // namespace ipcxx
