#include "server/listener_slot.hpp"

#include "ipcxx/error.hpp"
#include "server/server_impl.hpp"
#include "server/udp_server.hpp"

namespace ipcxx::detail {

ListenerSlot::ListenerSlot(std::shared_ptr<ServerImpl> stream) : stream_(std::move(stream)), current_(stream_.get()) {}

ListenerSlot::~ListenerSlot() = default;

template <class Serve>
std::error_code ListenerSlot::serve_through(Listener& next, std::string& detail, Serve&& serve) {
    Listener& now = current();
    if (&now != &next && now.running()) {
        detail = "server is already listening on " + now.describe() + "; stop() it first";
        return make_error_code(errc::invalid_argument);
    }
    if (auto ec = serve()) return ec;
    current_.store(&next, std::memory_order_release);
    return {};
}

std::error_code ListenerSlot::serve_stream(const Target& target, std::string& detail) {
    std::lock_guard<std::mutex> lock(mutex_);
    return serve_through(*stream_, detail, [&] { return stream_->listen(target, detail); });
}

std::error_code ListenerSlot::serve_udp(const std::string& host, std::uint16_t port, bool v6, std::string& detail) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!udp_) {
        udp_ = std::make_shared<UdpServer>(stream_->io(), stream_, stream_->events(), stream_->shared_config(),
                                           stream_->io_keepalive());
    }
    return serve_through(*udp_, detail, [&] { return udp_->bind(host, port, v6, detail); });
}

}  // namespace ipcxx::detail
