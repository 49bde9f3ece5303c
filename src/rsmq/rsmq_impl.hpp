// RsmqImpl: rsmq's operations as runs of Redis commands on a RedisClient, the blocking receive
// and the dead-letter receive of ipcxx; by default sends, receives and deletes waiting on one queue
// go out together as one call: a batch script, or a transaction of plain commands.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "ipcxx/redis.hpp"
#include "ipcxx/redis_subscriber.hpp"
#include "ipcxx/rsmq.hpp"
#include "rsmq/rsmq_batch.hpp"
#include "rsmq/rsmq_batch_lanes.hpp"
#include "rsmq/rsmq_replies.hpp"
#include "runtime/io_thread.hpp"

namespace ipcxx::detail {

class RsmqImpl : public std::enable_shared_from_this<RsmqImpl> {
public:
    // `thread`: the I/O thread of its own, or null on the caller's io_context. `owns_client`: the
    // client is this object's own (closed with it), not shared. The subscriber to realtime
    // notifications is made from the client's options either way.
    RsmqImpl(asio::io_context& io, std::shared_ptr<IoThread> thread, std::shared_ptr<RedisClient> client,
             bool owns_client, RsmqOptions options);

    void create_queue(RsmqQueueOptions queue, Rsmq::DoneHandler done);
    void list_queues(Rsmq::NamesHandler done);
    void delete_queue(std::string qname, Rsmq::DoneHandler done);
    void get_queue_attributes(std::string qname, Rsmq::AttributesHandler done);
    void set_queue_attributes(std::string qname, RsmqAttributeChanges changes, Rsmq::AttributesHandler done);
    void send_message(std::string qname, std::string message, std::optional<long long> delay, Rsmq::IdHandler done);
    void receive_message(std::string qname, std::optional<long long> vt, Rsmq::MessageHandler done);
    void pop_message(std::string qname, Rsmq::MessageHandler done);
    void delete_message(std::string qname, std::string id, Rsmq::FoundHandler done);
    void change_message_visibility(std::string qname, std::string id, long long vt, Rsmq::FoundHandler done);
    void receive_message_wait(std::string qname, RsmqWaitOptions options, Rsmq::MessageHandler done);

    // Ends waits and, with an own client, the client; then lets an own thread finish.
    void close();

private:
    using Commands = std::vector<std::vector<std::string>>;
    using ExecHandler = std::function<void(const RsmqError&, const RedisReply&)>;
    struct Wait;

    // MULTI, the commands, EXEC, written as one run; `done` gets EXEC's reply.
    void transaction(Commands commands, ExecHandler done);
    // One command; like every command of this object, never written inside another's MULTI ... EXEC.
    void command(std::vector<std::string> args, ExecHandler done);
    // One script by EVALSHA (EVAL on NOSCRIPT), likewise.
    void eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
              RedisClient::ReplyHandler done);
    // rsmq's _getQueue: the queue's settings and the server's time.
    void lookup(const std::string& qname, std::function<void(const RsmqError&, const rsmq::QueueState&)> done);
    // rsmq's send: the lookup, then MULTI ZADD HSET HINCRBY [ZCARD] EXEC [PUBLISH].
    void send_message_rsmq(std::string qname, std::string message, std::optional<long long> delay,
                           Rsmq::IdHandler done);
    // One look for a wait: in the queue's batch of receives, or the lookup and then rsmq's receive
    // script (or the dead-letter one).
    void attempt(std::shared_ptr<Wait> wait);
    void attempt_rsmq(std::shared_ptr<Wait> wait);
    // The outcome of a look: hands on a message or an error, or waits and looks again.
    void attempted(const std::shared_ptr<Wait>& wait, long long server_now_ms, RsmqError result,
                   std::optional<RsmqMessage> message, bool dead);

    // Batches: each call of a lane carries what waited while the previous one was in flight.
    struct PendingSend {
        std::string message;
        std::optional<long long> delay;
        Rsmq::IdHandler done;
        std::string random22;  // its id's random part, drawn when its batch goes out
    };
    struct PendingDelete {
        std::string id;
        Rsmq::FoundHandler done;
    };
    // One batch script on the queue's two keys; `done` gets its reply or the error.
    void batch_call(const RedisScript& script, const std::string& qname, std::vector<std::string> args,
                    ExecHandler done);
    // The messages of a send batch as its script's arguments take them (views into `batch`).
    static std::vector<rsmq::BatchSend> batch_sends(const std::vector<PendingSend>& batch);
    // What a send lane's calls make ids from: the lookup (the queue's settings and TIME) that came
    // with the lane's latest reply, none before the first or after a failure; and the lowest
    // microsecond the next id may take. Guarded by issue_mutex_.
    struct SendClock {
        std::optional<rsmq::QueueState> lookup;
        long long floor = 0;
    };
    enum class LaneKind { send, receive, remove };
    // Starts lane `lane` of `kind` (BatchLanes::start) at the latest from a handler posted to the
    // I/O thread, sooner when a batch's reply handler ends first (run_starts): the operations its
    // callbacks began then go out before the next reply is handled, while Redis runs the call after it.
    void schedule_start(LaneKind kind, const std::string& lane);
    void run_starts();
    // The calls lane `lane` is to issue now (BatchLanes::start, or ended() when `one_ended`), each
    // written by `write`. Taking and writing are one step, so that the calls of a lane reach Redis in
    // the order taken even when several threads run the io_context.
    template <class Item, class Write>
    void issue(rsmq::BatchLanes<Item>& lanes, const std::string& lane, bool one_ended, const Write& write);
    // The calls a lane of at most `depth` in flight issues now: BatchLanes::start, or ended() when
    // `one_ended`, splitting only while Redis would idle. Under issue_mutex_.
    template <class Item>
    typename rsmq::BatchLanes<Item>::Batches take_batches(rsmq::BatchLanes<Item>& lanes, const std::string& lane,
                                                          bool one_ended, std::size_t depth);
    // issue() for each kind of lane; a send lane's after `came_back` (a call's reply) updated its
    // clock, if given.
    void issue_sends(const std::string& qname, bool one_ended, const SendClock* came_back);
    void issue_receives(const std::string& lane, bool one_ended);
    void issue_deletes(const std::string& qname, bool one_ended);
    // By the batch send script, or with the lane's lookup by a transaction of plain commands, ids
    // from its clock. Under issue_mutex_.
    void send_batch(const std::string& qname, std::vector<PendingSend> batch);
    // Hands each caller its result, then issues the lane's next calls with what came back.
    void sent_batch(const std::string& qname, std::vector<PendingSend> batch, const RsmqError& failed,
                    std::vector<rsmq::SendResult> results, const SendClock& came_back);
    // Receive lanes are named "<qname>\n<vt>" (vt empty: the queue's).
    void receive_batch(const std::string& lane, std::vector<std::shared_ptr<Wait>> batch);
    void received_batch(const std::string& lane, std::vector<std::shared_ptr<Wait>> batch, const RsmqError& error,
                        const RedisReply& reply);
    void delete_batch(const std::string& qname, std::vector<PendingDelete> batch);
    void deleted_batch(const std::string& qname, std::vector<PendingDelete> batch, const RsmqError& error,
                       const RedisReply& exec);
    void wait_then_attempt(std::shared_ptr<Wait> wait, long long server_now_ms);
    // Subscribes to the queue's realtime channel (once per queue).
    void watch(const std::string& qname);
    // A realtime notification for `qname`: waiting receives look again at once.
    void notified(const std::string& qname);
    // Runs `fn` later on the I/O thread: what a call reports without asking Redis.
    void post(std::function<void()> fn);
    // Runs a user callback; an exception from it is dropped.
    static void call(const std::function<void()>& fn) noexcept;
    bool closed() const noexcept { return closed_.load(); }
    // No batch call of any lane is in flight: Redis would idle, so a lane may split what waits.
    bool redis_idle() const noexcept { return batch_calls_.load() == 0; }

    asio::io_context& io_;
    std::shared_ptr<IoThread> thread_;
    std::shared_ptr<RedisClient> client_;
    bool owns_client_;
    RsmqOptions options_;
    RedisScript receive_script_;
    RedisScript pop_script_;
    RedisScript visibility_script_;
    RedisScript dead_letter_script_;
    RedisScript batch_send_script_;
    RedisScript batch_receive_script_;
    rsmq::BatchLanes<PendingSend> send_lanes_;
    rsmq::BatchLanes<std::shared_ptr<Wait>> receive_lanes_;
    rsmq::BatchLanes<PendingDelete> delete_lanes_;
    // On a cluster: variants of the three above taking their values in ARGV, by the SHA1 of rsmq's text.
    std::map<std::string, RedisScript> cluster_scripts_;
    std::atomic<bool> closed_{false};
    std::atomic<std::size_t> batch_calls_{0};  // batch calls written and not yet answered, over all lanes
    std::mutex starts_mutex_;  // a leaf: guards starts_
    std::vector<std::pair<LaneKind, std::string>> starts_;  // scheduled lane starts, run in order
    std::mutex issue_mutex_;  // held by issue() and issue_sends(); taken before transaction_mutex_
    std::map<std::string, SendClock> send_clocks_;  // by queue, while its send lane is busy
    std::mutex transaction_mutex_;  // keeps one MULTI ... EXEC together: every command is written under it
    // Guards timers_, next_timer_, notifications_; a leaf (taken inside the subscriber's callbacks).
    std::mutex timers_mutex_;
    struct PendingTimer {
        std::string qname;
        std::shared_ptr<asio::steady_timer> timer;
    };
    std::map<std::uint64_t, PendingTimer> timers_;  // the pauses of waiting receives
    std::uint64_t next_timer_ = 0;
    std::map<std::string, std::uint64_t> notifications_;  // realtime notifications seen, by queue
    // Guards subscriber_, watched_; held while calling into the subscriber, never inside its callbacks.
    std::mutex subscriber_mutex_;
    std::unique_ptr<RedisSubscriber> subscriber_;
    std::map<std::string, bool> watched_;  // queues whose realtime channel is subscribed
};

}  // namespace ipcxx::detail
