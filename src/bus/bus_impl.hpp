// One bus: performs what ConsumerFsm decides with three Redis connections (commands; the blocking
// group read; the blocking read of this requester's reply stream), a subscriber for pub/sub, and
// the dispatch layer's handlers and request bookkeeping. Everything of the consumer runs on strand_.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include <asio/steady_timer.hpp>

#include "bus/bus_entry.hpp"
#include "bus/consumer_fsm.hpp"
#include "dispatch/event_sink.hpp"
#include "dispatch/requests.hpp"
#include "ipcxx/bus.hpp"
#include "ipcxx/redis_subscriber.hpp"
#include "runtime/strand.hpp"

namespace ipcxx::detail {

class BusImpl : public RequestOwner, public std::enable_shared_from_this<BusImpl> {
public:
    BusImpl(asio::io_context& io, BusOptions options);
    ~BusImpl() override;

    void start();
    void close();

    EventSink& events() noexcept { return events_; }
    RequestHandlers& request_handlers() noexcept { return request_handlers_; }

    std::error_code emit(std::string_view event, std::string_view data);
    std::error_code publish(std::string_view event, std::string_view data);
    void subscribe(std::string_view name, bool pattern);
    RequestId request(std::string_view event, std::string_view args, std::chrono::milliseconds timeout,
                      ResponseHandler on_response);
    // Ends the request here and tells the consumers (protocol/bus.md, "Cancel").
    void cancel(RequestId id);
    // Subscribes to the bus's cancel channel (once): a deferred handler's Responder learns of a cancel.
    void watch_cancels();
    std::error_code flush(std::chrono::milliseconds timeout);

    bool connected() const noexcept;
    const std::string& consumer() const noexcept { return settings_.consumer; }
    bool on_io_thread() const noexcept { return strand_.running_in_this_thread(); }

    // RequestOwner: answers go to the requester's reply stream, then the request's entry is acknowledged.
    std::error_code send_reply(std::uint64_t link, const NativeFrame& response) override;
    void reply_undelivered(const ReceivedRequest& request, std::error_code ec) override;
    void reply_dropped(const ReceivedRequest& request) override;
    void forget(std::uint64_t link, RequestId id) override;
    void run_handler(std::uint64_t link, std::function<void()> f) override;

private:
    // Where a received request's answer goes and which entry it acknowledges.
    struct Served {
        std::string reply_to;
        std::string entry_id;
        RequestId rid = 0;
    };
    // Runs `f(ec, reply)` on the strand while the bus is open.
    RedisClient::ReplyHandler on_strand(std::function<void(std::error_code, RedisReply)> f);
    bool validate(std::string_view event, std::error_code& ec) const;
    std::vector<std::string> xadd(const std::string& key) const;

    void create_group();
    void read_next();
    void retry_later(void (BusImpl::*step)());
    void claim_later();
    void claim();
    void process(ConsumerBatch batch, std::function<void()> then);
    void act(EntryVerdict& verdict);
    void deliver_event(const EntryVerdict& verdict);
    void deliver_request(const EntryVerdict& verdict);
    // Calls the on(event) handlers; false when one threw (reported).
    bool dispatch(std::string_view event, const Payload& data);
    void ack(const std::string& id);
    void send_acks();

    void start_replies();
    void read_replies();
    void on_published(const std::string& channel, const std::string& message);
    std::shared_ptr<RedisSubscriber> subscriber();

    void cancel_here(RequestId id);
    void on_request_sent(RequestId id, const std::string& entry_id);
    void send_cancel(const std::string& entry_id);
    void on_cancel_published(const std::string& entry_id);
    bool cancelled_before_served(const std::string& entry_id) const;

    void count_undelivered(std::error_code why);
    void report(std::error_code ec, std::string message, std::string event = {}, std::size_t undelivered = 0);

    asio::io_context& io_;
    Strand strand_;
    BusOptions options_;
    Config config_;  // what the shared event code reads (id, log)
    BusKeys keys_;
    ConsumerSettings settings_;
    EventSink events_;
    RequestHandlers request_handlers_;
    ActiveRequests active_;
    std::shared_ptr<PendingRequests> pending_;
    std::string reply_key_;

    std::atomic<bool> closed_{false};
    std::atomic<bool> started_{false};
    std::atomic<bool> replies_started_{false};
    std::atomic<bool> cancels_watched_{false};
    std::atomic<std::size_t> undelivered_{0};
    std::mutex undelivered_mutex_;
    std::error_code undelivered_why_;

    // Made at the first use, released by close(); the clients are thread-safe.
    mutable std::mutex clients_mutex_;
    std::shared_ptr<RedisClient> commands_;
    std::shared_ptr<RedisClient> reader_;
    std::shared_ptr<RedisClient> replies_;
    std::shared_ptr<RedisSubscriber> subscriber_;
    // The connection `which`, made (with the others of the bus but replies_) at the first call.
    std::shared_ptr<RedisClient> client(std::shared_ptr<RedisClient> BusImpl::*which);
    struct Connections {
        std::shared_ptr<RedisClient> commands;
        std::shared_ptr<RedisClient> reader;
    };
    Connections make_connections();

    std::mutex served_mutex_;
    std::map<std::uint64_t, Served> served_;
    std::uint64_t next_link_ = 1;

    // On the strand.
    ConsumerFsm fsm_;
    std::shared_ptr<asio::steady_timer> claim_timer_;
    std::shared_ptr<asio::steady_timer> retry_timer_;
    std::shared_ptr<asio::steady_timer> reply_retry_timer_;
    std::string reply_cursor_ = "0-0";
    std::vector<std::string> acks_;  // acknowledgements not sent yet
    // This bus's outstanding requests by id: the entry id XADD gave each (what a cancel names).
    std::map<RequestId, std::string> sent_requests_;
    // Cancelled before XADD answered: the cancel goes out with the entry id.
    std::set<RequestId> cancel_when_sent_;
    // Cancels published for entries this consumer was not serving: an entry read just before its
    // cancel arrived (on another connection) is still skipped. The oldest are forgotten first.
    std::set<std::string> recent_cancels_;
    std::deque<std::string> recent_cancels_order_;
};

}  // namespace ipcxx::detail
