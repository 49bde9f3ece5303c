#include "server/udp_server.hpp"

#include <cstring>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

#include "connection/message_encoder.hpp"
#include "connection/raw_write.hpp"
#include "codec/event_names.hpp"
#include "ipcxx/error.hpp"
#include "server/udp_link.hpp"
#include "transport/udp_endpoint.hpp"

namespace ipcxx::detail {

UdpServer::UdpServer(asio::io_context& io, std::weak_ptr<void> owner, EventSink& events,
                     std::shared_ptr<const Config> config, std::shared_ptr<void> io_keepalive)
    : io_keepalive_(std::move(io_keepalive)),
      owner_(std::move(owner)),
      events_(events),
      config_holder_(std::move(config)),
      config_(*config_holder_),
      strand_(asio::make_strand(io)),
      peers_(config_.udp_peer_expiry, config_.delimiter, config_.max_message_size),
      socket_(strand_),
      receive_buffer_(64 * 1024) {}

template <class Publish>
void UdpServer::publish(Publish&& publish) {
    if (const auto owner = owner_.lock()) publish(events_);
}

std::error_code UdpServer::bind(const std::string& host, std::uint16_t port, bool v6, std::string& detail) {
    if (config_.tls.enabled) {
        // Never fall back to plain text where encryption was asked for.
        detail = "tls.enabled, but UDP has no TLS: serve UDP with a config without tls";
        return make_error_code(errc::invalid_argument);
    }
    asio::ip::udp::endpoint at;
    if (auto ec = resolve_udp(host, port, v6, at, detail)) return ec;
    std::uint64_t generation;
    {
        std::lock_guard<std::mutex> lock(socket_mutex_);
        if (running()) {
            detail = "server is already listening on " + describe_locked() + "; stop() it first";
            return make_error_code(errc::invalid_argument);
        }
        if (auto ec = bind_udp(socket_, at, detail)) return ec;
        std::error_code ignored;
        bound_ = socket_.local_endpoint(ignored);
        running_.store(true, std::memory_order_release);
        generation = ++generation_;
    }
    asio::post(strand_, [self = shared_from_this(), generation] {
        self->publish([&](EventSink& events) { events.publish("start"); });
        self->do_receive(generation);
    });
    return {};
}

std::error_code UdpServer::restart(std::string& detail) {
    asio::ip::udp::endpoint at;
    {
        std::lock_guard<std::mutex> lock(socket_mutex_);
        at = bound_;
    }
    return bind(at.address().to_string(), at.port(), at.address().is_v6(), detail);
}

void UdpServer::stop() {
    {
        std::lock_guard<std::mutex> lock(socket_mutex_);
        if (!running()) return;
        running_.store(false, std::memory_order_release);
        ++generation_;
        std::error_code ignored;
        socket_.close(ignored);
    }
    peers_.clear();
    std::size_t lost = 0;
    {
        std::lock_guard<std::mutex> lock(send_mutex_);
        lost = queue_.size();
        for (const auto& datagram : queue_) --datagram.to->pending;
        queue_.clear();
        queued_bytes_ = 0;
    }
    if (lost > 0) {
        asio::post(strand_, [self = shared_from_this(), lost] {
            self->report(make_error_code(errc::undelivered),
                         std::to_string(lost) + " datagram(s) not sent: UDP endpoint stopped", {}, lost);
        });
    }
}

std::string UdpServer::describe() const {
    std::lock_guard<std::mutex> lock(socket_mutex_);
    return describe_locked();
}

std::string UdpServer::describe_locked() const { return "UDP " + describe_udp(bound_); }

std::uint16_t UdpServer::port() const {
    std::lock_guard<std::mutex> lock(socket_mutex_);
    return running() ? bound_.port() : 0;
}

std::error_code UdpServer::peer_at(const std::string& host, std::uint16_t port, Socket& out, std::string& detail) {
    if (!running()) return make_error_code(errc::not_connected);
    bool v6;
    {
        std::lock_guard<std::mutex> lock(socket_mutex_);
        v6 = bound_.address().is_v6();
    }
    asio::ip::udp::endpoint to;
    if (auto ec = resolve_udp(host, port, v6, to, detail)) return ec;
    out = udp_socket(peers_.address(weak_from_this(), to));
    return {};
}

std::vector<Socket> UdpServer::sockets() {
    std::vector<Socket> out;
    for (auto& peer : peers_.active(Clock::now())) out.push_back(udp_socket(std::move(peer)));
    return out;
}

std::error_code UdpServer::emit(const std::shared_ptr<UdpPeer>& to, std::string_view event,
                                std::string_view msgpack_data) {
    if (config_.raw_buffer) return make_error_code(errc::invalid_argument);  // no frames: emit_raw()
    std::string& frame = encode_buffer();
    std::string detail;
    if (auto ec = encode_event(event, msgpack_data, false, config_, frame, detail)) return ec;
    return send(to, frame);
}

std::error_code UdpServer::emit_raw(const std::shared_ptr<UdpPeer>& to, std::string_view bytes) {
    if (auto ec = check_raw_write(bytes, config_)) return ec;
    return send(to, bytes);
}

BroadcastResult UdpServer::broadcast(std::string_view event, std::string_view msgpack_data) {
    BroadcastResult failed;
    if (config_.raw_buffer) {
        failed.error = make_error_code(errc::invalid_argument);
        return failed;
    }
    std::string& frame = encode_buffer();
    std::string detail;
    if ((failed.error = encode_event(event, msgpack_data, false, config_, frame, detail))) return failed;
    return send_to_all(frame);
}

BroadcastResult UdpServer::broadcast_raw(std::string_view bytes) {
    BroadcastResult failed;
    if ((failed.error = check_raw_write(bytes, config_))) return failed;
    return send_to_all(bytes);
}

BroadcastResult UdpServer::send_to_all(std::string_view datagram) {
    // One send queue for every peer: no per-subscriber policy applies, a full queue refuses.
    BroadcastResult result;
    for (const auto& peer : peers_.active(Clock::now())) {
        const auto ec = send(peer, datagram);
        if (!ec) {
            ++result.queued;
            continue;
        }
        ++result.refused;
        if (!result.error) result.error = ec;
    }
    return result;
}

std::error_code UdpServer::send(const std::shared_ptr<UdpPeer>& to, std::string_view datagram) {
    if (!running()) return make_error_code(errc::not_connected);
    if (datagram.size() > max_udp_payload) return make_error_code(errc::frame_too_large);
    bool start = false;
    {
        std::lock_guard<std::mutex> lock(send_mutex_);
        if (queued_bytes_ + datagram.size() > config_.max_pending_bytes) return make_error_code(errc::queue_full);
        queue_.push_back({to, std::string(datagram)});
        queued_bytes_ += datagram.size();
        ++to->pending;
        start = !sending_;
        sending_ = true;
    }
    if (start) asio::post(strand_, [self = shared_from_this()] { self->send_next(); });
    return {};
}

void UdpServer::send_next() {
    {
        std::lock_guard<std::mutex> lock(send_mutex_);
        if (queue_.empty()) {
            sending_ = false;
            return;
        }
        in_flight_ = std::move(queue_.front());
        queue_.pop_front();
    }
    std::lock_guard<std::mutex> lock(socket_mutex_);
    socket_.async_send_to(asio::buffer(in_flight_.bytes), in_flight_.to->endpoint,
                          asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec, std::size_t) {
                              self->on_sent(ec);
                          }));
}

void UdpServer::on_sent(std::error_code ec) {
    --in_flight_.to->pending;
    {
        std::lock_guard<std::mutex> lock(send_mutex_);
        queued_bytes_ -= std::min(queued_bytes_, in_flight_.bytes.size());
    }
    if (ec) {
        report(make_error_code(errc::undelivered),
               "datagram to " + in_flight_.to->remote + " not sent: " + ec.message(), in_flight_.to, 1);
    }
    in_flight_ = Datagram{};
    send_next();
}

void UdpServer::do_receive(std::uint64_t generation) {
    std::lock_guard<std::mutex> lock(socket_mutex_);
    if (generation != generation_) return;
    socket_.async_receive_from(asio::buffer(receive_buffer_), sender_,
                               asio::bind_executor(strand_, [self = shared_from_this(), generation](
                                                                std::error_code ec, std::size_t n) {
                                   self->on_receive(generation, ec, n);
                               }));
}

void UdpServer::on_receive(std::uint64_t generation, std::error_code ec, std::size_t n) {
    if (ec == asio::error::operation_aborted || !running()) return;
    if (ec) {
        // ICMP errors of earlier sends and the like: this endpoint keeps serving.
        report(ec, "UDP receive failed: " + ec.message());
        return do_receive(generation);
    }
    const auto peer = peers_.heard(weak_from_this(), sender_, Clock::now());
    const std::string_view datagram(receive_buffer_.data(), n);
    if (n > config_.max_message_size + (config_.raw_buffer ? 0 : config_.delimiter.size())) {
        peer->reader.reset();
        report(make_error_code(errc::frame_too_large),
               "datagram of " + std::to_string(n) + " bytes from " + peer->remote + " dropped: over max_message_size (" +
                   std::to_string(config_.max_message_size) + ")",
               peer);
    } else if (config_.raw_buffer) {
        Socket from = udp_socket(peer);
        publish([&](EventSink& events) { events.publish_message("data", bytes_payload(datagram), &from); });
    } else if (n > 0) {
        read_frames(peer, datagram);
    }
    do_receive(generation);
}

bool UdpServer::read_frames(const std::shared_ptr<UdpPeer>& peer, std::string_view datagram) {
    auto span = peer->reader.prepare(datagram.size());
    std::memcpy(span.data, datagram.data(), datagram.size());
    peer->reader.commit(datagram.size());
    Socket from = udp_socket(peer);
    const auto fail = [&](std::error_code ec, const std::string& detail) {
        peer->reader.reset();  // node-ipc 14 too clears the sender's partial frame
        report(ec, "datagram from " + peer->remote + " dropped: " + detail, peer);
        return false;
    };
    Frame frame;
    std::error_code frame_ec;
    while (running() && peer->reader.next_frame(frame, frame_ec)) {
        if (frame.kind == Frame::Kind::native) {
            return fail(make_error_code(errc::invalid_message), "native frames are not used over UDP");
        }
        DecodedFrame decoded;
        if (auto ec = decoder_.decode(frame.bytes, decoded)) {
            return fail(ec, ec == errc::empty_frame ? "received an empty frame" : decoder_.error_detail());
        }
        std::string detail;
        if (auto ec = check_received_name_length(config_, decoded.type, detail)) return fail(ec, detail);
        if (is_reserved_event(decoded.type)) {
            return fail(make_error_code(errc::reserved_event),
                        "received event '" + std::string(decoded.type) + "' uses a reserved name");
        }
        if (!is_allowed_event(config_, decoded.type)) {
            return fail(make_error_code(errc::event_not_allowed),
                        "received event '" + std::string(decoded.type) + "' is not in allowed_events");
        }
        const Payload payload = decoded.data.empty() ? Payload() : payloads_.make(decoded.data);
        publish([&](EventSink& events) { events.publish_message(decoded.type, payload, &from); });
    }
    if (frame_ec) {
        return fail(frame_ec, "frame over max_message_size (" + std::to_string(config_.max_message_size) + " bytes)");
    }
    return true;
}

void UdpServer::report(std::error_code ec, std::string message, const std::shared_ptr<UdpPeer>& peer,
                       std::size_t undelivered) {
    ErrorEvent error;
    error.code = ec;
    error.message = std::move(message);
    error.undelivered = undelivered;
    if (peer) error.socket = udp_socket(peer);
    publish([&](EventSink& events) { events.publish_error(std::move(error)); });
}

}  // namespace ipcxx::detail
