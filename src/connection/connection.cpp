#include "connection/connection.hpp"

#include <asio/bind_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include "connection/message_encoder.hpp"
#include "dispatch/event_names.hpp"
#include "ipcxx/error.hpp"
#include "ipcxx/socket.hpp"
#include "payload_data.hpp"

namespace ipcxx::detail {
namespace {
constexpr std::size_t read_chunk = 64 * 1024;
}

Connection::Connection(Strand strand, GenericSocket socket, std::shared_ptr<Outbox> outbox,
                       std::weak_ptr<ConnectionOwner> owner, const Config& config, std::uint64_t serial,
                       std::string remote)
    : strand_(std::move(strand)),
      socket_(std::move(socket)),
      outbox_(std::move(outbox)),
      owner_(std::move(owner)),
      config_(config),
      serial_(serial),
      remote_(std::move(remote)),
      reader_(config.delimiter, config.max_message_size) {}

void Connection::start() {
    if (closing_) return;
    open_.store(true, std::memory_order_release);
    do_read();
    if (outbox_->link_up()) do_write();
}

std::error_code Connection::accept_push(Outbox::Push result) {
    switch (result) {
        case Outbox::Push::start_write:
            asio::post(strand_, [self = shared_from_this()] { self->do_write(); });
            return {};
        case Outbox::Push::queued: return {};
        case Outbox::Push::full: return make_error_code(errc::queue_full);
        case Outbox::Push::closed: return make_error_code(errc::not_connected);
    }
    return {};
}

std::error_code Connection::emit(std::string_view event, std::string_view msgpack_data) {
    if (!open()) return make_error_code(errc::not_connected);
    std::string& frame = encode_buffer();
    std::string detail;
    if (auto ec = encode_message(event, msgpack_data, config_, frame, detail)) return ec;
    return accept_push(outbox_->push(frame));
}

std::error_code Connection::push_frame(const std::string& frame) {
    if (!open()) return make_error_code(errc::not_connected);
    return accept_push(outbox_->push(frame));
}

void Connection::close(std::error_code reason) {
    asio::dispatch(strand_, [self = shared_from_this(), reason] { self->close_on_strand(reason); });
}

void Connection::do_read() {
    if (closing_) return;
    auto span = reader_.prepare(read_chunk);
    read_in_flight_ = true;
    socket_.async_read_some(asio::buffer(span.data, span.size),
                            asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec, std::size_t n) {
                                self->on_read(ec, n);
                            }));
}

void Connection::on_read(std::error_code ec, std::size_t n) {
    read_in_flight_ = false;
    if (closing_) return maybe_finish();
    if (ec) {
        close_on_strand(ec == asio::error::eof ? make_error_code(errc::connection_lost) : ec);
        return;
    }
    reader_.commit(n);
    Frame frame;
    std::error_code frame_ec;
    while (!closing_ && reader_.next_frame(frame, frame_ec)) {
        if (frame.kind == Frame::Kind::native) {
            // Only a peer that negotiated the native wire may send native frames.
            const auto refused = make_error_code(errc::invalid_message);
            if (auto owner = owner_.lock()) owner->on_input_error(*this, refused, "native frames not negotiated");
            return close_on_strand(refused);
        }
        DecodedFrame decoded;
        if (auto decode_ec = decoder_.decode(frame.bytes, decoded)) {
            if (auto owner = owner_.lock()) owner->on_input_error(*this, decode_ec, decoder_.error_detail());
            return close_on_strand(decode_ec);
        }
        if (is_reserved_event(decoded.type)) {
            if (!is_protocol_event(decoded.type)) {
                if (auto owner = owner_.lock()) {
                    owner->on_input_error(*this, make_error_code(errc::reserved_event),
                                          "received event '" + std::string(decoded.type) +
                                              "' uses a reserved lifecycle name");
                }
                return close_on_strand(make_error_code(errc::reserved_event));
            }
            continue;  // protocol messages of later protocol versions: not for handlers
        }
        const Payload payload = decoded.data.empty() ? Payload() : PayloadAccess::trusted(decoded.data);
        if (auto owner = owner_.lock()) owner->on_message(*this, decoded.type, payload);
    }
    if (frame_ec) {
        if (auto owner = owner_.lock()) {
            owner->on_input_error(*this, frame_ec,
                                  frame_ec == errc::empty_frame
                                      ? "incoming native frame has an empty body"
                                      : "incoming frame exceeds max_message_size (" +
                                            std::to_string(config_.max_message_size) + " bytes)");
        }
        return close_on_strand(frame_ec);
    }
    do_read();
}

void Connection::do_write() {
    if (closing_ || write_in_flight_) return;
    Outbox::Batch batch;
    if (!outbox_->take_batch(batch)) return;
    write_in_flight_ = true;
    asio::async_write(socket_, asio::buffer(*batch.bytes),
                      asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec, std::size_t n) {
                          self->on_write(ec, n);
                      }));
}

void Connection::on_write(std::error_code ec, std::size_t n) {
    write_in_flight_ = false;
    const auto result = outbox_->complete(n, static_cast<bool>(ec));
    if (auto owner = owner_.lock()) {
        if (result.undelivered > 0 || result.drained) owner->on_write_result(*this, result);
    }
    if (closing_) return maybe_finish();
    if (ec) return close_on_strand(ec);
    do_write();
}

void Connection::close_on_strand(std::error_code reason) {
    if (closing_) return;
    closing_ = true;
    close_reason_ = reason;
    open_.store(false, std::memory_order_release);
    std::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
    if (!write_in_flight_) outbox_->link_down();
    maybe_finish();
}

void Connection::maybe_finish() {
    if (finished_ || read_in_flight_ || write_in_flight_) return;
    finished_ = true;
    reader_.reset();
    if (auto owner = owner_.lock()) owner->on_closed(*this, close_reason_);
}

}  // namespace ipcxx::detail
