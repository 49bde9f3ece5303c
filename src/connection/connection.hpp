// One live stream link: reads and dispatches frames of both wires, writes what its outbox holds.
//
// Actors, all on the connection's strand:
//   read loop:  readable -> read into the thread's buffer -> frames -> owner (in order, one at a
//               time) -> only a partial frame's bytes kept (docs/memory.md); streams other than
//               a plain socket: async_read_some into the reader's own buffer
//   write loop: [preface] -> outbox.take_batch -> one write of everything queued, at once when the
//               socket takes it all (most often), else finished by async_write -> again
//   close:      closes the socket; when neither loop has an operation in flight, owner.on_closed
//               runs exactly once, so the outbox's accounting is final by then.
// Producers on any thread push into the outbox and post the writer only when it is idle.
// Each actor's state is a socket-free state machine (reader_fsm, writer_fsm, close_fsm): this class
// tells them what happened and performs the actions they answer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <asio/strand.hpp>

#include "codec/frame_reader.hpp"
#include "codec/handshake.hpp"
#include "codec/json_wire.hpp"
#include "codec/native_wire.hpp"
#include "connection/close_fsm.hpp"
#include "connection/liveness.hpp"
#include "connection/message_encoder.hpp"
#include "connection/outbox.hpp"
#include "connection/reader_fsm.hpp"
#include "connection/shared_pack.hpp"
#include "connection/writer_fsm.hpp"
#include "ipcxx/config.hpp"
#include "ipcxx/payload.hpp"
#include "payload_data.hpp"
#include "runtime/strand.hpp"
#include "runtime/strand_stand_in.hpp"
#include "runtime/strand_timer.hpp"
#include "transport/endpoint.hpp"
#include "transport/peer_identity.hpp"
#include "transport/stream.hpp"

namespace ipcxx::detail {

class Connection;

class ConnectionOwner {
public:
    virtual ~ConnectionOwner() = default;
    // An event, request, response or error response, from either wire. `data` is the frame's data.
    virtual void on_frame(Connection& conn, const NativeFrame& frame, const Payload& data) = 0;
    // ipcxx.hello or ipcxx.welcome (JSON wire), or ipcxx.topics (either wire).
    virtual void on_handshake(Connection& conn, std::string_view event, std::string_view msgpack_data) = 0;
    // raw_buffer mode: bytes exactly as read, no framing.
    virtual void on_raw_data(Connection& conn, std::string_view bytes) = 0;
    // Bad input from the peer, or a stalled or silent link (message_timeout, heartbeat_timeout);
    // the connection closes right after.
    virtual void on_input_error(Connection& conn, std::error_code ec, const std::string& detail) = 0;
    virtual void on_write_result(Connection& conn, const Outbox::Completion& result) = 0;
    virtual void on_closed(Connection& conn, std::error_code reason) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    // `config` and `io_keepalive` (the owner's own I/O thread, if any) are shared: a Socket handle
    // may keep the connection, and so its strand and stream, alive after its server is gone.
    Connection(Strand strand, Stream stream, std::shared_ptr<Outbox> outbox,
               std::weak_ptr<ConnectionOwner> owner, std::shared_ptr<const Config> config,
               std::shared_ptr<void> io_keepalive, std::uint64_t serial, std::string remote,
               PeerIdentity peer = {});

    // Starts reading; writes `preface` (a protocol frame that must go first) and then, if
    // `open_outbox`, what the outbox holds. Call on the strand.
    void start(std::string preface = {}, bool open_outbox = true);
    // Lets the outbox write (after start(..., false)). Call on the strand.
    void open_outbox();
    // Writes what the outbox holds if the writer is idle. Call on the strand.
    void write_pending() { do_write(); }
    // For a producer whose push must start the writer: true when called on the strand while a
    // read batch is being dispatched, which then writes everything at its end.
    bool defer_write_to_batch_end();
    // Writes a protocol frame (welcome) ahead of the outbox, outside its accounting. On the strand.
    void send_control(const std::string& frame);
    // Client side, once the native wire is up: with Config::heartbeat ping, ping every
    // heartbeat_interval and close the link after heartbeat_timeout of silence. On the strand.
    void start_heartbeat();
    // Queues one message on the wire this connection speaks; any thread. `sequence` as Outbox::push.
    std::error_code send(const Outgoing& message, std::uint64_t* sequence = nullptr);
    std::error_code emit(std::string_view event, std::string_view msgpack_data);
    // An event whose data is `head` then `tail`; on the native wire the tail is queued by reference.
    std::error_code emit_with_tail(std::string_view event, std::string_view head, const PackTail& tail);
    // Queues an already encoded frame (broadcast), or raw_buffer bytes; any thread. With `evicted`,
    // older queued frames make room when it does not fit (Outbox::push_evicting), and their count goes there.
    std::error_code push_frame(std::string_view frame, std::size_t* evicted = nullptr);
    // push_frame with the outbox's own answer (closed when the link is) and without starting the
    // writer: a broadcast starts its subscribers' writers itself, one task per I/O thread
    // (WriteStarts), and makes no error_code per subscriber. Any thread.
    Outbox::Push queue_unstarted(std::string_view frame, std::size_t* evicted = nullptr);
    // Closes the link; any thread. `reason` is what on_closed reports; on_closed never runs inside
    // this call.
    void close(std::error_code reason = {});
    // Closes without losing what was accepted: writes what the outbox holds, shuts the write side
    // down, and reads until the peer closes too (closing with unread input would reset the link
    // and could destroy what the peer had not read yet). At most `timeout`, then close(); any thread.
    void close_gracefully(std::chrono::milliseconds timeout);

    bool open() const noexcept { return open_.load(std::memory_order_acquire); }
    bool native() const noexcept { return native_.load(std::memory_order_acquire); }
    bool raw() const noexcept { return config_.raw_buffer; }
    const Config& config() const noexcept { return config_; }
    // From now on, encode native frames. Call on the strand.
    void use_native() noexcept { native_.store(true, std::memory_order_release); }
    std::uint64_t serial() const noexcept { return serial_; }
    const std::string& remote() const noexcept { return remote_; }
    const PeerIdentity& peer() const noexcept { return peer_; }
    const Strand& strand() const noexcept { return strand_; }
    // True on this connection's strand: in work Asio's strand runs, or in a read completion that
    // the io_context's only thread runs in the strand's stead (wait_readable). The stand-in is
    // keyed by the outbox, which a client shares with its connections: it can ask with its own.
    bool on_strand() const noexcept { return strand_.running_in_this_thread() || StrandStandIn::on_strand(outbox_.get()); }
    Outbox& outbox() noexcept { return *outbox_; }

    // The peer takes requests with deadlines and cancel frames on the native wire (its hello or
    // welcome listed the feature "deadline"). Any thread.
    bool peer_takes_deadlines() const noexcept { return peer_deadlines_.load(std::memory_order_acquire); }
    void set_peer_takes_deadlines(bool yes) noexcept { peer_deadlines_.store(yes, std::memory_order_release); }

protected:
    // From the first close or graceful close on; on the strand.
    bool closing() const noexcept { return close_fsm_.closing(); }
    // The link just closed (on the strand, once): a subclass stops its own timers here, so that
    // none of them fires after the close or keeps the connection alive.
    virtual void on_link_closed() {}
    // The frames of one read have been handed to the owner: what a subclass kept for them goes.
    virtual void on_batch_end() {}

private:
    std::error_code accept_push(Outbox::Push result);
    // Posts the writer when a push asked for it (Outbox::Push::start_write), unless a batch of
    // handlers on the strand writes at its end anyway.
    void start_writer_if(Outbox::Push result);
    void do_read();
    // Plain socket: waits until it is readable, then on_readable.
    void wait_readable();
    // A plain socket became readable (or failed): reads what is there into the thread's buffer.
    void on_readable(std::error_code ec);
    void on_read(std::error_code ec, std::size_t n);
    // Hands on what a read brought; false when reading must stop.
    bool handle_input();
    // Dispatches one frame; false when the connection must close (already reported).
    bool handle_frame(const Frame& frame);
    // A native frame other than a short event (decode_short_event): the general decoder's.
    bool handle_native(std::string_view body);
    bool handle_json(std::string_view text);
    // Checks a received event's or request's name (length, reserved, allowed_events) and unpacks
    // its data (and so checks it), then hands the frame to the owner.
    // `large`: the frame lies in the reader's large-frame memory, which the payload takes over.
    bool deliver(const NativeFrame& frame, bool large = false);
    // Runs the liveness checks that are due and arms the timer for the next ones.
    void check_liveness();
    // The link has been quiet for a while: buffers a busy link reuses go (docs/memory.md).
    void release_idle_memory();
    void send_ping();
    bool fail_input(std::error_code ec, const std::string& detail);
    void do_write();
    // Writes a batch that holds shared pieces (one gathered write); false when the write goes on
    // asynchronously or writing must stop.
    bool write_pieces(const Outbox::Batch& batch, std::size_t round);
    // write_buffers_ := the batch's pieces, in order.
    void gather_write_buffers(const Outbox::Batch& batch);
    // A batch with lent pieces, `written` bytes of it on the socket: their lenders wait, so it is
    // written now, waiting for room up to Outbox::lent_wait (plain sockets). Returns the bytes
    // written in all; `write_buffers_` is left without them.
    std::size_t write_lent(const Outbox::Batch& batch, std::size_t written, std::error_code& ec);
    // Accounts for a finished write; false when writing must stop (closing, or the write failed).
    bool finish_write(std::error_code ec, std::size_t n);
    // The write side failed: the peer stopped reading. Reads what it sent until it closes.
    void write_failed(std::error_code ec);
    // The socket failed (read or write): closes for `reason`, reported as heartbeat_timeout when
    // the kernel's watch ended the link.
    void close_failed(std::error_code reason);
    // Asks the socket what the peer acknowledged, so that the outbox forgets those frames.
    void forget_acknowledged();
    // `finish_later`: the owner's on_closed runs from a task of its own, not inside the caller.
    void close_on_strand(std::error_code reason, bool finish_later = false);
    // Tells the owner of the close once nothing is in flight any more.
    void maybe_finish();

    const std::shared_ptr<void> io_keepalive_;  // declared first: destroyed after the strand and stream
    Strand strand_;
    Stream stream_;
    std::shared_ptr<Outbox> outbox_;
    std::weak_ptr<ConnectionOwner> owner_;
    const std::shared_ptr<const Config> config_holder_;
    const Config& config_;
    const std::uint64_t serial_;
    const std::string remote_;
    const PeerIdentity peer_;

    FrameReader reader_;
    ConnectionOwner* batch_owner_ = nullptr;  // while a read's frames are handled: the owner, held
    JsonFrameDecoder decoder_;
    PayloadPool payloads_;
    Liveness liveness_;
    StrandTimer liveness_timer_;
    std::unique_ptr<StrandTimer> close_timer_;  // bounds a graceful close; made by the first one
    std::uint64_t ping_nonce_ = 0;
    std::string ping_frame_;
    std::string preface_;  // protocol frames being written, or next, ahead of the outbox: hello, pongs
    std::string control_;  // pongs that arrived while preface_ was being written
    std::vector<asio::const_buffer> write_buffers_;  // a batch with shared pieces, being written
    std::atomic<bool> open_{false};
    std::atomic<bool> native_{false};
    std::atomic<bool> peer_deadlines_{false};
    // The read loop, the write loop and the close: this class performs the actions they return.
    ReaderFsm read_fsm_;
    WriterFsm write_fsm_;
    CloseFsm close_fsm_;
    // Plain socket: read before waiting for readiness, since the last read filled the buffer, or
    // (at first) since bytes that came before the first wait may have signalled it to nobody.
    bool more_to_read_ = true;
    bool track_acks_ = false;  // plain TCP watched for a dead link: frames tracked until acknowledged
    std::size_t next_ack_check_ = 0;  // frames tracked at which to ask the socket again
    std::optional<std::uint64_t> unacknowledged_at_close_;  // bytes a dead link took with it
};

}  // namespace ipcxx::detail
