// The connection layer (one live link: read, write, close): where it sits among the layers and its threading are in docs/ARCHITECTURE.md.
#include "connection/connection.hpp"

#include <algorithm>

#include <asio/bind_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include "connection/shared_pack.hpp"
#include "codec/event_names.hpp"
#include "ipcxx/error.hpp"
#include "payload_data.hpp"

namespace ipcxx::detail {
namespace {
constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::size_t synchronous_write_rounds = 8;
constexpr std::size_t min_ack_check = 4096;  // frames tracked before the socket is asked
// A link with nothing received for about this long lets go of its buffers (release_idle_memory).
constexpr std::chrono::milliseconds quiet_period{1000};

// Drops the first `n` bytes of a buffer sequence.
void consume_buffers(std::vector<asio::const_buffer>& buffers, std::size_t n) {
    auto first = buffers.begin();
    while (first != buffers.end() && n >= first->size()) {
        n -= first->size();
        ++first;
    }
    buffers.erase(buffers.begin(), first);
    if (!buffers.empty()) buffers.front() += n;
}

// Every plain connection reads into its thread's buffer, one at a time: a connection keeps only
// the bytes of a frame not yet complete (FrameReader::prepare_lent).
std::string& thread_read_buffer() {
    static thread_local std::string buffer;
    return buffer;
}

Liveness::Settings liveness_settings(const Config& config) {
    // A quarter of the shortest timeout: later than that, a check says more about this side's
    // thread than about the peer.
    auto shortest = config.heartbeat_timeout;
    if (shortest.count() == 0 || (config.message_timeout.count() > 0 && config.message_timeout < shortest)) {
        shortest = config.message_timeout;
    }
    // Deadlines on a grid of a quarter of the quiet period, finer when a timeout is short: a check
    // comes at most that late, and 10,000 idle links wake their thread a few times a second at most.
    auto granularity = std::chrono::milliseconds(quiet_period / 4);
    if (shortest.count() > 0) granularity = std::min(granularity, shortest / 16);
    return {config.message_timeout, config.heartbeat_interval, config.heartbeat_timeout, shortest / 4, quiet_period,
            config.heartbeat, granularity};
}

// How a TCP socket fails when the kernel gives up on its peer (tcp_write_err): ETIMEDOUT, or the last
// unreachable error it met meanwhile (a route or interface gone, an ICMP report).
bool kernel_gave_up(std::error_code reason) {
    return reason == asio::error::timed_out || reason == asio::error::host_unreachable ||
           reason == asio::error::network_unreachable;
}

}  // namespace

Connection::Connection(Strand strand, Stream stream, std::shared_ptr<Outbox> outbox,
                       std::weak_ptr<ConnectionOwner> owner, std::shared_ptr<const Config> config,
                       std::shared_ptr<void> io_keepalive, std::uint64_t serial, std::string remote,
                       PeerIdentity peer)
    : io_keepalive_(std::move(io_keepalive)),
      strand_(std::move(strand)),
      stream_(std::move(stream)),
      outbox_(std::move(outbox)),
      owner_(std::move(owner)),
      config_holder_(std::move(config)),
      config_(*config_holder_),
      serial_(serial),
      remote_(std::move(remote)),
      peer_(std::move(peer)),
      reader_(config_.delimiter, config_.max_message_size),
      liveness_(liveness_settings(config_)),
      liveness_timer_(strand_.get_inner_executor()) {}

void Connection::start(std::string preface, bool open_outbox) {
    if (close_fsm_.closing()) return;
    open_.store(true, std::memory_order_release);
    // Only heartbeats or the kernel's watch (close_failed) tell a dead link, and only plain TCP's
    // bytes map to frames.
    track_acks_ = config_.heartbeat != HeartbeatMode::off && config_.heartbeat_timeout.count() > 0 &&
                  stream_.plain_tcp() && stream_.unacknowledged_bytes().has_value();
    outbox_->track_acknowledgements(track_acks_);
    next_ack_check_ = min_ack_check;
    preface_ = std::move(preface);
    liveness_.start(Liveness::Clock::now());
    check_liveness();
    do_read();
    if (open_outbox) this->open_outbox();
    do_write();
}

void Connection::open_outbox() {
    if (close_fsm_.closing() || !write_fsm_.open_outbox()) return;
    if (outbox_->link_up()) do_write();
}

void Connection::send_control(const std::string& frame) {
    control_ += frame;
    do_write();
}

void Connection::start_heartbeat() {
    // Pings only in mode ping: otherwise the kernel watches the link, and pings would only cost
    // every idle link wake-ups on both sides (docs/memory.md).
    if (close_fsm_.closing() || liveness_.pinging()) return;
    liveness_.native_client_ready(Liveness::Clock::now());
    if (liveness_.pinging()) check_liveness();
}

void Connection::check_liveness() {
    if (close_fsm_.closing() || !liveness_.active()) return;
    const auto verdict = liveness_.check(Liveness::Clock::now(), reader_.partial_size() > 0);
    if (verdict.failure == errc::message_timeout) {
        fail_input(verdict.failure, "a frame stayed incomplete (" + std::to_string(reader_.partial_size()) +
                                        " bytes buffered) with no new byte for " +
                                        std::to_string(config_.message_timeout.count()) + " ms (message_timeout)");
        return;
    }
    if (verdict.failure) {
        fail_input(verdict.failure, "nothing received for " + std::to_string(config_.heartbeat_timeout.count()) +
                                        " ms (heartbeat_timeout): the peer or the link is dead");
        return;
    }
    if (verdict.quiet) release_idle_memory();
    if (verdict.ping) send_ping();
    // Re-arming cancels any earlier wait: one wait at a time, whoever called.
    liveness_timer_.expires_at(verdict.next);
    liveness_timer_.async_wait(asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec) {
        if (!ec) self->check_liveness();
    }));
}

void Connection::release_idle_memory() {
    // The read loop waits for readiness, so no read holds the reader's memory (other streams'
    // reads do: their buffer stays).
    if (stream_.plain() && read_fsm_.read_in_flight()) reader_.trim();
    payloads_.release();
    decoder_.release();
    outbox_->release_memory();
    if (preface_.empty() && !write_fsm_.write_in_flight()) std::string().swap(preface_);
    if (control_.empty()) std::string().swap(control_);
}

void Connection::send_ping() {
    Outgoing ping;
    ping.kind = FrameKind::ping;
    ping.id = ++ping_nonce_;
    ping_frame_.clear();
    append_native_frame(ping, config_.max_message_size, ping_frame_);
    send_control(ping_frame_);
}

std::error_code Connection::accept_push(Outbox::Push result) {
    start_writer_if(result);
    return push_error(result);
}

void Connection::start_writer_if(Outbox::Push result) {
    if (result == Outbox::Push::start_write && !defer_write_to_batch_end()) {
        asio::post(strand_, [self = shared_from_this()] { self->do_write(); });
    }
}

bool Connection::defer_write_to_batch_end() {
    // The strand first: the reader's state is the strand's.
    return on_strand() && read_fsm_.defer_write();
}

std::error_code Connection::send(const Outgoing& original, std::uint64_t* sequence) {
    if (!open()) return make_error_code(errc::not_connected);
    Outgoing scratch;
    const bool native = this->native();
    const Outgoing* message = for_peer(original, native, peer_takes_deadlines(), scratch);
    if (!message) return {};
    std::string& frame = encode_buffer();
    std::string detail;
    std::string_view tail;  // native data: copied once, straight into the outbox, or taken over when large
    if (auto ec = encode_outgoing(*message, native, config_, frame, detail, &tail)) return ec;
    return accept_push(
        outbox_->push(frame, tail, sequence, message->kind == FrameKind::request, adopt_packed(tail)));
}

std::error_code Connection::emit(std::string_view event, std::string_view msgpack_data) {
    if (msgpack_data.empty() || !native()) return send(event_message(event, msgpack_data));
    if (!open()) return make_error_code(errc::not_connected);
    // An event with data on the native wire, the common case: its header from the thread's cache.
    EventHead head;
    std::string detail;
    if (auto ec = encode_event_head(config_holder_, event, msgpack_data.size(), head, detail)) return ec;
    return accept_push(outbox_->push(head.view(), msgpack_data, nullptr, false, adopt_packed(msgpack_data)));
}

std::error_code Connection::emit_with_tail(std::string_view event, std::string_view head, const PackTail& tail) {
    if (!open()) return make_error_code(errc::not_connected);
    if (!native()) return emit(event, joined(head, tail));
    std::string& frame = encode_buffer();
    std::string detail;
    if (auto ec = encode_native_event_with_tail(event, head, tail.bytes, config_, frame, detail)) return ec;
    return accept_push(outbox_->push(frame, tail.bytes, nullptr, false, tail.owner));
}

std::error_code Connection::push_frame(std::string_view frame, std::size_t* evicted) {
    return accept_push(queue_unstarted(frame, evicted));
}

Outbox::Push Connection::queue_unstarted(std::string_view frame, std::size_t* evicted) {
    if (!open()) return Outbox::Push::closed;
    return evicted ? outbox_->push_evicting(frame, *evicted) : outbox_->push(frame);
}

void Connection::close(std::error_code reason) {
    // On the strand (a handler of this connection): closed now, so that no later frame of the batch
    // is dispatched, but the owner hears of it only after the caller returns. Elsewhere: posted, as
    // dispatch would run it inline on an idle strand of the same thread (a handler of another
    // connection), publishing socket.disconnected inside the caller's call.
    if (on_strand()) return close_on_strand(reason, true);
    asio::post(strand_, [self = shared_from_this(), reason] { self->close_on_strand(reason); });
}

void Connection::close_gracefully(std::chrono::milliseconds timeout) {
    asio::dispatch(strand_, [self = shared_from_this(), timeout] {
        if (self->close_fsm_.closing()) return;
        switch (self->write_fsm_.drain(timeout.count() == 0)) {
        case WriterFsm::Drain::ignore: return;
        case WriterFsm::Drain::close_now: return self->close_on_strand({});
        case WriterFsm::Drain::drain: break;
        }
        if (!self->close_timer_) self->close_timer_ = std::make_unique<StrandTimer>(self->strand_.get_inner_executor());
        self->close_timer_->expires_after(timeout);
        self->close_timer_->async_wait(asio::bind_executor(self->strand_, [self](std::error_code ec) {
            if (!ec) self->close_on_strand({});
        }));
        self->do_write();
    });
}

void Connection::do_read() {
    if (read_fsm_.read() != ReaderFsm::Action::read) return;
    if (stream_.plain()) return wait_readable();
    auto span = reader_.prepare(read_chunk);
    stream_.async_read_some(asio::buffer(span.data, span.size),
                            asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec, std::size_t n) {
                                self->on_read(ec, n);
                            }));
}

void Connection::wait_readable() {
    if (more_to_read_) {
        // Readiness already signalled would not be signalled again: read without waiting, after
        // the other work queued on this thread.
        more_to_read_ = false;
        asio::post(strand_, [self = shared_from_this()] { self->on_readable({}); });
        return;
    }
    if (io_keepalive_) {
        // The library's own I/O thread is the only one that runs the io_context: the completion
        // runs on it directly, standing in for the strand. Through the strand it cost about as
        // much as reading and dispatching a short frame (docs/performance.md, "Ping-pong on one CPU").
        stream_.async_wait_readable(true, asio::bind_executor(strand_.get_inner_executor(),
                                                              [self = shared_from_this()](std::error_code ec, auto...) {
                                                                  const StrandStandIn on_strand(self->outbox_.get());
                                                                  self->on_readable(ec);
                                                              }));
        return;
    }
    stream_.async_wait_readable(false, asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec, auto...) {
                                    self->on_readable(ec);
                                }));
}

void Connection::on_readable(std::error_code ec) {
    std::size_t n = 0;
    if (!ec && !close_fsm_.closing()) {
        const auto span = reader_.prepare_lent(thread_read_buffer(), read_chunk);
        n = stream_.read_now(asio::buffer(span.data, span.size), ec);
        if (!ec && n == 0) {
            // Nothing after all (readiness without bytes): wait again.
            reader_.return_lent(thread_read_buffer());
            return wait_readable();
        }
        more_to_read_ = n == span.size;
    }
    on_read(ec, n);
}

void Connection::on_read(std::error_code ec, std::size_t n) {
    const auto action = read_fsm_.on_read(ec, write_fsm_.error());
    if (action == ReaderFsm::Action::handle) reader_.commit(n);
    const bool more = action == ReaderFsm::Action::handle && handle_input();
    // Before anything else runs on this thread: the lent buffer is the thread's.
    if (stream_.plain()) reader_.return_lent(thread_read_buffer());
    switch (action) {
    case ReaderFsm::Action::finish: return maybe_finish();
    case ReaderFsm::Action::close: return close_failed(read_fsm_.reason());
    default: break;
    }
    if (more) do_read();
}

bool Connection::handle_input() {
    liveness_.on_received(Liveness::Clock::now());
    // A write that fails meanwhile leaves the reading to go on: the read started next sees the
    // rest of what the peer sent, then its close.
    if (config_.raw_buffer) {
        if (auto owner = owner_.lock()) owner->on_raw_data(*this, reader_.take_all());
        return true;
    }
    Frame frame;
    std::error_code frame_ec;
    // Replies emitted by handlers during this batch go out together in one write after it (or
    // early in a long batch: see reader_fsm.hpp), rather than through a posted write each.
    read_fsm_.begin_batch();
    // The owner is held once for the batch, not locked per frame.
    const auto owner = owner_.lock();
    batch_owner_ = owner.get();
    while (!close_fsm_.closing() && reader_.next_frame(frame, frame_ec)) {
        if (!handle_frame(frame)) break;
        if (read_fsm_.frame_handled() == ReaderFsm::Action::write) do_write();
    }
    batch_owner_ = nullptr;
    on_batch_end();
    if (read_fsm_.end_batch() == ReaderFsm::Action::write) do_write();
    if (close_fsm_.closing()) return false;
    if (frame_ec) {
        return fail_input(frame_ec, "incoming frame exceeds max_message_size (" +
                                        std::to_string(config_.max_message_size) + " bytes)");
    }
    return true;
}

bool Connection::fail_input(std::error_code ec, const std::string& detail) {
    if (auto owner = owner_.lock()) owner->on_input_error(*this, ec, detail);
    close_on_strand(ec);
    return false;
}

bool Connection::handle_frame(const Frame& frame) {
    if (frame.kind == Frame::Kind::json) return handle_json(frame.bytes);
    NativeFrame decoded;
    if (decode_short_event(frame.bytes, decoded)) return deliver(decoded, reader_.large_frame_returned());
    return handle_native(frame.bytes);
}

bool Connection::handle_native(std::string_view body) {
    NativeFrame decoded;
    std::string detail;
    if (auto ec = decode_native_body_unchecked_data(body, decoded, &detail)) return fail_input(ec, detail);
    if (decoded.kind == FrameKind::ping) {
        if (liveness_.peer_pinged()) check_liveness();
        // Answered here, ahead of queued messages, so a busy link still proves it is alive.
        Outgoing pong;
        pong.kind = FrameKind::pong;
        pong.id = decoded.id;
        std::string bytes;
        append_native_frame(pong, config_.max_message_size, bytes);
        send_control(bytes);
        return true;
    }
    if (decoded.kind == FrameKind::pong) return true;
    return deliver(decoded, reader_.large_frame_returned());
}

bool Connection::deliver(const NativeFrame& frame, bool large) {
    if (frame.kind == FrameKind::event || frame.kind == FrameKind::request) {
        if (frame.name.size() > config_.max_event_name_length) {
            std::string detail;
            const auto ec = check_received_name_length(config_, frame.name, detail);
            return fail_input(ec, detail);
        }
        if (frame.kind == FrameKind::event && is_reserved_event(frame.name)) {
            // The one protocol event of the native wire; every other reserved name is refused.
            if (frame.name == topics_event) {
                if (batch_owner_) batch_owner_->on_handshake(*this, frame.name, frame.data);
                return !close_fsm_.closing();
            }
            return fail_input(make_error_code(errc::reserved_event),
                              "received event '" + std::string(frame.name) + "' uses a reserved name");
        }
        if (!is_allowed_event(config_, frame.name)) {
            return fail_input(make_error_code(errc::event_not_allowed),
                              "received event '" + std::string(frame.name) + "' is not in allowed_events");
        }
    }
    // A large frame's memory becomes the payload's: `frame`'s views stay valid, in that memory.
    const Payload payload = frame.data.empty() ? Payload()
                            : large            ? payloads_.adopt(reader_.large_frame_buffer(), frame.data)
                                               : payloads_.make(frame.data);
    if (!frame.data.empty() && payload.empty()) {
        return fail_input(make_error_code(errc::invalid_message), "invalid frame: the data is not msgpack");
    }
    if (batch_owner_) batch_owner_->on_frame(*this, frame, payload);
    return !close_fsm_.closing();
}

bool Connection::handle_json(std::string_view text) {
    // The thread's parser is lent for this frame only (JsonFrameDecoder::release): an idle
    // JSON-wire link keeps none, and a busy thread reuses one (docs/memory.md).
    struct GiveBack {
        JsonFrameDecoder& decoder;
        ~GiveBack() { decoder.release(); }
    } give_back{decoder_};
    DecodedFrame decoded;
    if (auto ec = decoder_.decode(text, decoded)) {
        return fail_input(ec, ec == errc::empty_frame ? "received an empty frame" : decoder_.error_detail());
    }
    NativeFrame frame;
    frame.kind = FrameKind::event;
    frame.name = decoded.type;
    frame.data = decoded.data;
    if (is_protocol_event(decoded.type)) {
        std::string detail;
        if (decoded.type == hello_event || decoded.type == welcome_event || decoded.type == topics_event) {
            if (batch_owner_) batch_owner_->on_handshake(*this, decoded.type, decoded.data);
            return !close_fsm_.closing();
        }
        if (decoded.type == request_event) {
            if (auto ec = parse_json_request(decoded.data, frame, &detail)) return fail_input(ec, detail);
        } else if (decoded.type == response_event) {
            if (auto ec = parse_json_response(decoded.data, frame, &detail)) return fail_input(ec, detail);
        } else if (decoded.type == cancel_event) {
            if (auto ec = parse_json_cancel(decoded.data, frame, &detail)) return fail_input(ec, detail);
        } else {
            return true;  // a protocol event of a later version
        }
    }
    return deliver(frame);
}

void Connection::do_write() {
    for (std::size_t round = 0;; ++round) {
        const std::string* bytes = &preface_;
        Outbox::Batch batch;
        switch (write_fsm_.next(!preface_.empty() || !control_.empty())) {
        case WriterFsm::Action::write_preface:
            if (preface_.empty()) preface_.swap(control_);
            break;
        case WriterFsm::Action::take_batch:
            if (!outbox_->take_batch(batch)) {
                if (write_fsm_.outbox_empty() == WriterFsm::Action::shutdown_send) stream_.shutdown_send();
                return;
            }
            write_fsm_.batch_taken();
            bytes = batch.bytes;
            if (!batch.shared->empty()) {
                if (!write_pieces(batch, round)) return;
                continue;
            }
            break;
        case WriterFsm::Action::shutdown_send: stream_.shutdown_send(); return;
        default: return;
        }
        // Most writes fit in the socket's buffer and finish here. After a few rounds in a row the
        // rest goes through the I/O loop, so that other connections on this thread get their turn.
        std::error_code ec;
        const std::size_t now = round < synchronous_write_rounds ? stream_.write_now(asio::buffer(*bytes), ec) : 0;
        if (ec || now == bytes->size()) {
            if (!finish_write(ec, now)) return;
            continue;
        }
        stream_.async_write(asio::buffer(*bytes) + now,
                            asio::bind_executor(strand_, [self = shared_from_this(), now](std::error_code ec, std::size_t n) {
                                if (self->finish_write(ec, now + n)) self->do_write();
                            }));
        return;
    }
}

void Connection::gather_write_buffers(const Outbox::Batch& batch) {
    write_buffers_.clear();
    batch.for_each_piece([this](std::string_view piece) { write_buffers_.emplace_back(piece.data(), piece.size()); });
}

bool Connection::write_pieces(const Outbox::Batch& batch, std::size_t round) {
    gather_write_buffers(batch);
    std::error_code ec;
    std::size_t now = round < synchronous_write_rounds || batch.lent ? stream_.write_now(write_buffers_, ec) : 0;
    if (batch.lent && !ec && now < batch.size) now = write_lent(batch, now, ec);
    if (ec || now == batch.size) return finish_write(ec, now);
    if (batch.lent) {
        // The lenders may go on once their bytes are copied: the I/O loop writes the copies.
        outbox_->copy_lent_in_flight();
        gather_write_buffers(batch);
    }
    consume_buffers(write_buffers_, now);
    stream_.async_write(write_buffers_,
                        asio::bind_executor(strand_, [self = shared_from_this(), now](std::error_code ec, std::size_t n) {
                            if (self->finish_write(ec, now + n)) self->do_write();
                        }));
    return false;
}

std::size_t Connection::write_lent(const Outbox::Batch& batch, std::size_t written, std::error_code& ec) {
    if (!stream_.plain()) return written;
    const auto deadline = std::chrono::steady_clock::now() + Outbox::lent_wait;
    consume_buffers(write_buffers_, written);
    while (written < batch.size) {
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= left.zero() || !stream_.wait_writable(std::chrono::duration_cast<std::chrono::microseconds>(left))) break;
        const std::size_t n = stream_.write_now(write_buffers_, ec);
        if (ec) break;
        written += n;
        consume_buffers(write_buffers_, n);
    }
    return written;
}

bool Connection::finish_write(std::error_code ec, std::size_t n) {
    // Completed before the accounting: a close from the owner's on_write_result sees no write in flight.
    if (write_fsm_.complete() == WriterFsm::Write::batch) {
        const auto result = outbox_->complete(n, static_cast<bool>(ec));
        if (auto owner = owner_.lock()) {
            if (result.undelivered > 0 || result.drained) owner->on_write_result(*this, result);
        }
        if (result.tracked >= next_ack_check_ && !close_fsm_.closing()) forget_acknowledged();
    } else {
        if (track_acks_) outbox_->written_other(n);
        // The hello or a pong: rare, so their memory goes now. Kept until the quiet check, it would
        // leave a hole among the objects of connections made meanwhile (docs/memory.md).
        std::string().swap(preface_);
    }
    switch (write_fsm_.after_write(ec)) {
    case WriterFsm::Action::write_more: return true;
    case WriterFsm::Action::finish: maybe_finish(); return false;
    default: write_failed(ec); return false;
    }
}

void Connection::write_failed(std::error_code ec) {
    // Frames the peer sent before it went away may still wait in our receive buffer: read them
    // to the end of the stream rather than drop them with the socket.
    open_.store(false, std::memory_order_release);
    stream_.shutdown_send();
    if (!read_fsm_.busy()) close_failed(ec);
}

void Connection::close_failed(std::error_code reason) {
    // In mode automatic the kernel watches for heartbeat_timeout (TCP_USER_TIMEOUT, keepalive): its
    // verdict is reported as the pings' would be, and what the dead link took is counted the same way.
    if (config_.heartbeat == HeartbeatMode::automatic && kernel_gave_up(reason)) {
        fail_input(make_error_code(errc::heartbeat_timeout),
                   "nothing acknowledged for " + std::to_string(config_.heartbeat_timeout.count()) +
                       " ms (heartbeat_timeout, found by the kernel's TCP keepalive or TCP_USER_TIMEOUT): the "
                       "peer or the link is dead");
        return;
    }
    close_on_strand(reason);
}

void Connection::forget_acknowledged() {
    const auto unacknowledged = stream_.unacknowledged_bytes();
    if (!unacknowledged) {
        track_acks_ = false;
        outbox_->track_acknowledgements(false);
        return;
    }
    // Asking costs a system call: ask again once twice as many frames are tracked.
    next_ack_check_ = std::max(min_ack_check, 2 * outbox_->acknowledged(*unacknowledged));
}

void Connection::close_on_strand(std::error_code reason, bool finish_later) {
    if (close_fsm_.close(reason) != CloseFsm::Action::close_stream) return;
    read_fsm_.stop();
    write_fsm_.close();
    liveness_timer_.cancel();
    if (close_timer_) close_timer_->cancel();
    on_link_closed();
    open_.store(false, std::memory_order_release);
    // The link is dead: what the peer did not acknowledge is lost with it, and reported.
    if (track_acks_ && reason == errc::heartbeat_timeout) unacknowledged_at_close_ = stream_.abort();
    stream_.close();
    if (!write_fsm_.batch_in_flight()) outbox_->link_down();
    if (finish_later) {
        asio::post(strand_, [self = shared_from_this()] { self->maybe_finish(); });
        return;
    }
    maybe_finish();
}

void Connection::maybe_finish() {
    if (close_fsm_.settle(read_fsm_.read_in_flight(), write_fsm_.write_in_flight()) != CloseFsm::Action::notify_closed) {
        return;
    }
    reader_.reset();
    // Now that no write is in flight, the outbox knows every frame the socket took.
    Outbox::Completion lost;
    if (unacknowledged_at_close_) lost.undelivered = outbox_->take_unacknowledged(*unacknowledged_at_close_);
    auto owner = owner_.lock();
    if (!owner) return;
    if (lost.undelivered > 0) owner->on_write_result(*this, lost);
    owner->on_closed(*this, close_fsm_.reason());
}

}  // namespace ipcxx::detail
