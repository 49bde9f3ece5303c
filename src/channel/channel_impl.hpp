// One channel: the Asio glue that reads lines (and descriptors) from its link, writes its send
// queue, and hands messages to the raw handlers, the event handlers and the request machinery.
// Everything after start() runs on strand_; send, emit, request and disconnect come from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include "channel/send_queue.hpp"
#include "channel/channel_framing.hpp"
#include "dispatch/event_sink.hpp"
#include "dispatch/requests.hpp"
#include "ipcxx/channel.hpp"
#include "ipcxx/config.hpp"
#include "runtime/strand.hpp"

namespace ipcxx::detail {

class ChannelImpl : public RequestOwner, public std::enable_shared_from_this<ChannelImpl> {
public:
    // `keepalive` holds the thread running `io`, or is null.
    ChannelImpl(asio::io_context& io, std::shared_ptr<void> keepalive, ChannelOptions options);
    ~ChannelImpl() override;

    // The link and its framing; once, before start(). Takes the descriptors. Senders encode only
    // once they see the channel attached, so the framing is fixed before any of them uses it, and a
    // ChildProcess's channel, made before its spawn options are known, takes theirs.
    void attach(ChannelLink link, ChannelSerialization serialization);
    bool attached() const noexcept { return attached_.load(std::memory_order_acquire); }
    // Starts reading and writing (a second call does nothing).
    void start();
    // Called on the strand once the link has ended, after the `disconnect` event.
    void on_end(std::function<void()> f) { on_end_ = std::move(f); }

    EventSink& events() noexcept { return events_; }
    RequestHandlers& request_handlers() noexcept { return request_handlers_; }
    void set_message_handler(std::function<void(const Payload&)> f);
    void set_internal_handler(std::function<void(const Payload&)> f);
    void set_handle_handler(std::function<void(const Payload&, int)> f);

    SendStatus send_value(std::string_view msgpack, int fd);
    SendStatus send_json(std::string_view json);
    std::error_code emit(std::string_view event, std::string_view msgpack_data);
    RequestId request(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                      ResponseHandler on_response);
    void cancel(RequestId id);
    void disconnect();
    // The owner is gone: no handler runs after this returns; the link is closed.
    void destroy();

    bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }
    std::size_t pending_bytes() const { return queue_.pending_bytes(); }
    bool on_io_thread() const noexcept { return strand_.running_in_this_thread(); }

    // RequestOwner
    std::error_code send_reply(std::uint64_t link, const NativeFrame& response) override;
    void reply_undelivered(const ReceivedRequest& request, std::error_code ec) override;
    void reply_dropped(const ReceivedRequest& request) override;
    void forget(std::uint64_t link, RequestId id) override;
    void run_handler(std::uint64_t link, std::function<void()> f) override;

private:
    // The one link a channel has, as request bookkeeping names links.
    static constexpr std::uint64_t link_id = 1;

    // The framing once attached, else null (nothing can be sent yet: not_connected).
    ChannelFraming* attached_framing() const noexcept { return attached() ? framing_.get() : nullptr; }
    SendStatus queue_line(std::string line, int fd);
    // Queues Node's internal message {"cmd":cmd} (a handle's ACK or NACK) in the channel's framing.
    void queue_control(std::string_view cmd);
    std::error_code send_frame(const NativeFrame& frame, std::string* detail = nullptr);
    void schedule_pump();

    void wait_readable();
    void on_readable();
    // One read from the link into the line reader; false when reading must stop for now.
    bool read_once();
    // EOF on the read descriptor of a two-descriptor link.
    void end_of_input();
    void take_values();
    void handle_value(std::string_view msgpack);
    void handle_descriptor_message(const Payload& whole, const msgpack::object& value);
    bool handle_protocol(std::string_view type, const msgpack::object* data);
    void deliver_message(const Payload& message, std::string_view type, const msgpack::object* data);
    void bad_input(std::error_code ec, const std::string& detail);

    void pump();
    long write_some(const char* data, std::size_t size, int fd);
    void finish_if_done();
    // The end waits for a descriptor's NODE_HANDLE_ACK, at most options_.handle_ack_timeout.
    void wait_for_handle_ack();
    void end(std::error_code reason, const std::string& detail);
    void report(std::error_code ec, std::string message, std::size_t undelivered = 0);

    std::shared_ptr<void> keepalive_;  // first: the thread must outlive every Asio object below
    asio::io_context& io_;
    Strand strand_;
    ChannelOptions options_;
    Config config_;  // what the shared event code reads (its defaults)
    EventSink events_;
    RequestHandlers request_handlers_;
    ActiveRequests active_;
    std::shared_ptr<PendingRequests> pending_;
    SendQueue queue_;

    std::mutex handlers_mutex_;
    std::shared_ptr<std::function<void(const Payload&)>> on_message_;
    std::shared_ptr<std::function<void(const Payload&)>> on_internal_;
    std::shared_ptr<std::function<void(const Payload&, int)>> on_handle_;

    std::atomic<bool> attached_{false};
    std::atomic<bool> started_{false};
    std::atomic<bool> connected_{false};  // attached, and neither ended nor disconnecting
    std::atomic<bool> disconnecting_{false};
    std::atomic<bool> pump_scheduled_{false};
    std::atomic<bool> destroyed_{false};  // no more writes start; end() is on its way

    // On the strand.
    std::unique_ptr<asio::posix::stream_descriptor> reader_;
    std::unique_ptr<asio::posix::stream_descriptor> writer_;  // null when the link is one socket
    bool socket_link_ = false;
    // Made by attach(), before attached_ is set: read by senders (encode) only after they see
    // attached() true, by the reader on the strand.
    std::unique_ptr<ChannelFraming> framing_;
    std::deque<int> received_fds_;   // descriptors that arrived, for the NODE_HANDLE lines they came with
    std::deque<std::string> control_;  // handle ACK/NACK: written ahead of queued messages
    std::size_t control_written_ = 0;
    bool write_waiting_ = false;
    bool input_ended_ = false;  // EOF read on a two-descriptor link: end once the queue is written
    bool ended_ = false;
    std::unique_ptr<asio::steady_timer> handle_ack_timer_;  // set while the end waits for an ACK
    bool handle_ack_timed_out_ = false;
    std::function<void()> on_end_;
};

// Makes the public handle of a channel whose impl was made here (parent_channel, ChildProcess).
struct ChannelFactory {
    static std::unique_ptr<Channel> make(std::shared_ptr<ChannelImpl> impl) {
        return std::unique_ptr<Channel>(new Channel(std::move(impl)));
    }
};

}  // namespace ipcxx::detail
