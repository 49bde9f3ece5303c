#include "ipcxx/server.hpp"

#include "ipcxx/detail/future_response.hpp"
#include "ipcxx/detail/shared_io.hpp"
#include "ipcxx/error.hpp"
#include "runtime/io_thread.hpp"
#include "connection/raw_write.hpp"
#include "server/server_impl.hpp"
#include "server/udp_server.hpp"

namespace ipcxx {
namespace {

void throw_if(std::error_code ec, const std::string& detail) {
    if (ec) throw Error(ec, detail);
}

}  // namespace

Server::Server(Config config) : thread_(detail::IoThread::start(config.busy_poll)) {
    impl_ = std::make_shared<detail::ServerImpl>(thread_->context(), std::move(config), thread_);
}

Server::Server(asio::io_context& io, Config config)
    : impl_(std::make_shared<detail::ServerImpl>(io, std::move(config))) {}

Server::Server(detail::SharedIo io, Config config)
    : impl_(std::make_shared<detail::ServerImpl>(io.io, std::move(config), std::move(io.keepalive))) {}

Server::~Server() {
    if (const auto udp = impl_->udp()) udp->stop();
    impl_->stop();
    detail::release(thread_, [this] { impl_->events().registry().close(); });
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
    ec = impl_->listen(detail::Target::unix_socket(path), detail);
}

void Server::serve(const std::string& path) {
    std::string detail;
    throw_if(impl_->listen(detail::Target::unix_socket(path), detail), detail);
}

void Server::serve_net() { serve_net(impl_->config().network_host, impl_->config().network_port); }

void Server::serve_net(const std::string& host, std::uint16_t port, std::error_code& ec) {
    std::string detail;
    ec = impl_->listen(detail::Target::tcp(host, port), detail);
}

void Server::serve_net(const std::string& host, std::uint16_t port) {
    std::string detail;
    throw_if(impl_->listen(detail::Target::tcp(host, port), detail), detail);
}

void Server::serve_net(const std::string& host, std::uint16_t port, NetProtocol protocol, std::error_code& ec) {
    if (protocol == NetProtocol::tcp) return serve_net(host, port, ec);
    std::string detail;
    ec = serve_udp(host, port, protocol == NetProtocol::udp6, detail);
}

void Server::serve_net(const std::string& host, std::uint16_t port, NetProtocol protocol) {
    if (protocol == NetProtocol::tcp) return serve_net(host, port);
    std::string detail;
    throw_if(serve_udp(host, port, protocol == NetProtocol::udp6, detail), detail);
}

std::error_code Server::serve_udp(const std::string& host, std::uint16_t port, bool v6, std::string& detail) {
    if (impl_->config().tls.enabled) {
        // Never fall back to plain text where encryption was asked for.
        detail = "tls.enabled, but UDP has no TLS: serve UDP with a config without tls";
        return make_error_code(errc::invalid_argument);
    }
    if (impl_->running()) {
        detail = "server is already listening on a stream socket; stop() it first";
        return make_error_code(errc::invalid_argument);
    }
    return impl_->make_udp()->bind(host, port, v6, detail);
}

Socket Server::udp_peer(const std::string& host, std::uint16_t port, std::error_code& ec) {
    std::string detail;
    Socket socket;
    const auto udp = impl_->udp();
    ec = udp && udp->running() ? udp->peer_at(host, port, socket, detail) : make_error_code(errc::not_connected);
    return socket;
}

Socket Server::udp_peer(const std::string& host, std::uint16_t port) {
    std::error_code ec;
    Socket socket = udp_peer(host, port, ec);
    throw_if(ec, "no UDP peer " + host + ":" + std::to_string(port) + ": " + ec.message());
    return socket;
}

std::shared_ptr<detail::UdpServer> Server::serving_udp() const {
    auto udp = impl_->udp();
    return udp && udp->running() ? udp : nullptr;
}

void Server::start(std::error_code& ec) {
    std::string detail;
    const auto udp = impl_->udp();
    ec = udp ? udp->rebind(detail) : impl_->restart(detail);
}

void Server::start() {
    std::string detail;
    const auto udp = impl_->udp();
    throw_if(udp ? udp->rebind(detail) : impl_->restart(detail), detail);
}

void Server::stop() {
    if (const auto udp = impl_->udp()) udp->stop();
    impl_->stop();
}

bool Server::running() const { return impl_->running() || serving_udp(); }
std::string Server::path() const { return impl_->path(); }

std::uint16_t Server::port() const {
    const auto udp = serving_udp();
    return udp ? udp->port() : impl_->port();
}

std::error_code Server::broadcast_packed(std::string_view event, std::string_view msgpack_data) {
    if (const auto udp = serving_udp()) return udp->broadcast(event, msgpack_data);
    return impl_->broadcast(event, msgpack_data);
}

std::error_code Server::broadcast_raw(std::string_view bytes) {
    if (const auto udp = serving_udp()) return udp->broadcast_raw(bytes);
    return impl_->broadcast_raw(bytes);
}

std::error_code Server::broadcast_raw_text(std::string_view text) {
    std::string bytes;
    if (auto ec = detail::raw_text_bytes(text, impl_->config(), bytes)) return ec;
    return broadcast_raw(bytes);
}

std::vector<Socket> Server::sockets() const {
    if (const auto udp = serving_udp()) return udp->sockets();
    return impl_->sockets();
}
const Config& Server::config() const noexcept { return impl_->config(); }

}  // namespace ipcxx
