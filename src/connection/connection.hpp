// One live stream link: reads and dispatches frames, writes what its outbox holds.
//
// Actors, all on the connection's strand:
//   read loop:  async_read_some -> frames -> owner.on_message (in order, one at a time)
//   write loop: outbox.take_batch -> one async_write of everything queued -> complete -> again
//   close:      closes the socket; when neither loop has an operation in flight, owner.on_closed
//               runs exactly once, so the outbox's accounting is final by then.
// Producers on any thread push into the outbox and post the writer only when it is idle.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include <asio/strand.hpp>

#include "codec/frame_reader.hpp"
#include "codec/json_wire.hpp"
#include "connection/outbox.hpp"
#include "ipcxx/config.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/socket.hpp"
#include "transport/endpoint.hpp"

namespace ipcxx::detail {

class Connection;
using Strand = asio::strand<asio::io_context::executor_type>;

class ConnectionOwner {
public:
    virtual ~ConnectionOwner() = default;
    virtual void on_message(Connection& conn, std::string_view event, const Payload& data) = 0;
    // Bad input from the peer; the connection closes right after.
    virtual void on_input_error(Connection& conn, std::error_code ec, const std::string& detail) = 0;
    virtual void on_write_result(Connection& conn, const Outbox::Completion& result) = 0;
    virtual void on_closed(Connection& conn, std::error_code reason) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Strand strand, GenericSocket socket, std::shared_ptr<Outbox> outbox,
               std::weak_ptr<ConnectionOwner> owner, const Config& config, std::uint64_t serial,
               std::string remote);

    // Starts reading and lets the outbox write. Call on the strand.
    void start();
    // Writes what the outbox holds if the writer is idle. Call on the strand.
    void write_pending() { do_write(); }
    // Queues one encoded message; any thread.
    std::error_code emit(std::string_view event, std::string_view msgpack_data);
    // Queues an already encoded frame (broadcast); any thread.
    std::error_code push_frame(const std::string& frame);
    // Closes the link; any thread. `reason` is what on_closed reports.
    void close(std::error_code reason = {});

    bool open() const noexcept { return open_.load(std::memory_order_acquire); }
    std::uint64_t serial() const noexcept { return serial_; }
    const std::string& remote() const noexcept { return remote_; }
    const Strand& strand() const noexcept { return strand_; }
    Outbox& outbox() noexcept { return *outbox_; }
    Socket handle() { return Socket(shared_from_this()); }

private:
    std::error_code accept_push(Outbox::Push result);
    void do_read();
    void on_read(std::error_code ec, std::size_t n);
    void do_write();
    void on_write(std::error_code ec, std::size_t n);
    void close_on_strand(std::error_code reason);
    void maybe_finish();

    Strand strand_;
    GenericSocket socket_;
    std::shared_ptr<Outbox> outbox_;
    std::weak_ptr<ConnectionOwner> owner_;
    const Config& config_;
    const std::uint64_t serial_;
    const std::string remote_;

    FrameReader reader_;
    JsonFrameDecoder decoder_;
    std::atomic<bool> open_{false};
    bool closing_ = false;
    bool finished_ = false;
    bool read_in_flight_ = false;
    bool write_in_flight_ = false;
    std::error_code close_reason_;
};

}  // namespace ipcxx::detail
