// Rsmq: message queues on Redis compatible with the Node.js library rsmq 0.12.4 (same keys, ids,
// scripts, rules and errors), so that C++ and Node.js programs share queues both ways.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "ipcxx/export.hpp"
#include "ipcxx/redis.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

namespace detail {
class RsmqImpl;
}

/// Options of an Rsmq object (rsmq's constructor options).
struct RsmqOptions {
    /// The key namespace: keys are `<ns>:QUEUES`, `<ns>:<queue>`, `<ns>:<queue>:Q` (rsmq's `ns`).
    std::string ns = "rsmq";
    /// After each send, `PUBLISH <ns>:rt:<queue> <messages in the queue>` (rsmq's `realtime`).
    bool realtime = false;
    /// Issue rsmq 0.12.4's own command sequence for every operation (a `MULTI HMGET TIME EXEC`
    /// lookup before each send and receive, `MULTI ZREM HDEL EXEC` per delete). By default sends,
    /// receives (with the same `vt`) and deletes on one queue that wait while calls of the same kind
    /// are in flight (up to two) go out together as one call: the same keys, ids, values,
    /// notifications, results and errors in fewer Redis calls (docs/rsmq.md, "Batches").
    bool rsmq_commands = false;
};

/// A queue's settings at creation (rsmq's createQueue options).
struct RsmqQueueOptions {
    std::string qname;          ///< the queue's name: 1 to 160 of [A-Za-z0-9_-]
    long long vt = 30;          ///< seconds a received message stays hidden (0..9999999)
    long long delay = 0;        ///< seconds a sent message stays hidden at first (0..9999999)
    long long maxsize = 65536;  ///< longest message in UTF-16 code units (1024..65536, or -1: no limit)
};

/// Settings to change (rsmq's setQueueAttributes options); at least one must be given.
struct RsmqAttributeChanges {
    std::optional<long long> vt;       ///< a new visibility timeout (seconds)
    std::optional<long long> delay;    ///< a new delay for messages sent from now on (seconds)
    std::optional<long long> maxsize;  ///< a new maximum message size
};

/// A queue's settings and counters (rsmq's getQueueAttributes result).
struct RsmqQueueAttributes {
    long long vt = 0;          ///< visibility timeout, seconds
    long long delay = 0;       ///< delay of new messages, seconds
    long long maxsize = 0;     ///< longest message in UTF-16 code units, -1: no limit
    long long totalrecv = 0;   ///< receives so far (redeliveries included)
    long long totalsent = 0;   ///< messages sent so far
    long long created = 0;     ///< when the queue was made (Unix seconds, the server's clock)
    long long modified = 0;    ///< when its settings last changed (Unix seconds)
    long long msgs = 0;        ///< messages in the queue
    long long hiddenmsgs = 0;  ///< of those, hidden (delayed or received) at one second's granularity
};

/// A received message (rsmq's receiveMessage result).
struct RsmqMessage {
    std::string id;       ///< 32 characters: base-36 microseconds of the send, then 22 random ones
    std::string message;  ///< the body (UTF-8 text)
    long long rc = 0;     ///< how many times it was received, this time included
    long long fr = 0;     ///< when it was first received (ms since the epoch, the server's clock)
    double sent = 0;      ///< when it was sent (ms since the epoch with a fraction, from the id)
};

/// An rsmq error: the code (errc::rsmq_* for rsmq's own errors) and rsmq's text naming what was
/// wrong ("Invalid qname format", "vt must be between 0 and 9999999").
struct RsmqError {
    std::error_code code;  ///< none: success
    std::string message;   ///< what was wrong, in rsmq's words where it has them
    /// Whether this is an error (like std::error_code).
    explicit operator bool() const noexcept { return static_cast<bool>(code); }
};

/// Options of the blocking receive, an ipcxx extension (rsmq has none).
struct RsmqWaitOptions {
    /// The visibility timeout of the message received; none: the queue's.
    std::optional<long long> vt;
    /// How long to wait for a message at most; the callback then gets no message.
    std::chrono::milliseconds timeout{30000};
    /// The longest pause between two looks at a queue holding no message that will become visible
    /// by itself: what bounds the wait for a message from a sender that does not publish realtime
    /// notifications (see docs/rsmq.md).
    std::chrono::milliseconds idle_check{1000};
    /// Receives a message may have had; a visible message received that many times already is
    /// moved to `dead_letter_queue` instead and reported with errc::dead_lettered. Zero: no limit.
    long long max_receive_count = 0;
    /// The rsmq queue (same namespace) dead letters go to; it must exist.
    std::string dead_letter_queue;
};

/// rsmq-compatible queues on one Redis server. Every operation issues the Redis commands rsmq
/// 0.12.4 issues (two round trips for message operations: MULTI HMGET TIME EXEC, then the command
/// or script) and checks its parameters with rsmq's rules and errors before anything is sent.
///
/// Delivery: at least once. A received message is hidden for `vt` seconds and reappears unless it
/// is deleted; `rc` counts its receives. pop_message removes it at once (at most once).
///
/// Threading: callbacks run on the I/O thread (the object's own, or the io_context given); every
/// call is safe from any thread, including from inside a callback, and never runs a callback inside
/// itself. The future forms throw ipcxx::Error (with RsmqError's text) from get(); do not wait on
/// them on the I/O thread. An exception thrown by a callback is caught and dropped.
class IPCXX_API Rsmq {
public:
    /// What create_queue, delete_queue get.
    using DoneHandler = std::function<void(const RsmqError&)>;
    /// What send_message gets: the new message's id.
    using IdHandler = std::function<void(const RsmqError&, std::string)>;
    /// What receive and pop get: the message, or none when no message is visible.
    using MessageHandler = std::function<void(const RsmqError&, std::optional<RsmqMessage>)>;
    /// What delete_message and change_message_visibility get: whether the message existed.
    using FoundHandler = std::function<void(const RsmqError&, bool)>;
    /// What get_queue_attributes and set_queue_attributes get.
    using AttributesHandler = std::function<void(const RsmqError&, RsmqQueueAttributes)>;
    /// What list_queues gets: the queue names.
    using NamesHandler = std::function<void(const RsmqError&, std::vector<std::string>)>;

    /// A client of its own, on an I/O thread of its own.
    explicit Rsmq(RedisOptions redis, RsmqOptions options = {});
    /// A client of its own on the caller's io_context, which must be run and outlive this object.
    Rsmq(asio::io_context& io, RedisOptions redis, RsmqOptions options = {});
    /// Shares `client` (which must run on `io`). The transactions are written as one run of
    /// commands from this object; commands the client's other users make from other threads at the
    /// same moment could fall inside one, so share a client only with users on the same thread.
    Rsmq(asio::io_context& io, std::shared_ptr<RedisClient> client, RsmqOptions options = {});
    /// Closes an own client; operations not finished end with errc::not_connected.
    ~Rsmq();
    Rsmq(const Rsmq&) = delete;
    Rsmq& operator=(const Rsmq&) = delete;

    /// rsmq createQueue: errc::rsmq_queue_exists when it exists.
    void create_queue(RsmqQueueOptions queue, DoneHandler done);
    /// The future form of create_queue.
    std::future<void> create_queue(RsmqQueueOptions queue);
    /// rsmq listQueues.
    void list_queues(NamesHandler done);
    /// The future form of list_queues.
    std::future<std::vector<std::string>> list_queues();
    /// rsmq deleteQueue: the queue and its messages; errc::rsmq_queue_not_found when there is none.
    void delete_queue(std::string qname, DoneHandler done);
    /// The future form of delete_queue.
    std::future<void> delete_queue(std::string qname);
    /// rsmq getQueueAttributes.
    void get_queue_attributes(std::string qname, AttributesHandler done);
    /// The future form of get_queue_attributes.
    std::future<RsmqQueueAttributes> get_queue_attributes(std::string qname);
    /// rsmq setQueueAttributes: errc::rsmq_no_attribute_supplied when `changes` is empty.
    void set_queue_attributes(std::string qname, RsmqAttributeChanges changes, AttributesHandler done);
    /// The future form of set_queue_attributes.
    std::future<RsmqQueueAttributes> set_queue_attributes(std::string qname, RsmqAttributeChanges changes);

    /// rsmq sendMessage: `delay` seconds hidden (none: the queue's delay). The message must be
    /// UTF-8 (errc::invalid_argument otherwise) of at most maxsize UTF-16 code units.
    void send_message(std::string qname, std::string message, std::optional<long long> delay, IdHandler done);
    /// The future form of send_message: the id.
    std::future<std::string> send_message(std::string qname, std::string message,
                                          std::optional<long long> delay = std::nullopt);
    /// rsmq receiveMessage: the oldest visible message, hidden for `vt` seconds (none: the queue's).
    void receive_message(std::string qname, std::optional<long long> vt, MessageHandler done);
    /// The future form of receive_message.
    std::future<std::optional<RsmqMessage>> receive_message(std::string qname,
                                                            std::optional<long long> vt = std::nullopt);
    /// rsmq popMessage: receives and deletes in one step.
    void pop_message(std::string qname, MessageHandler done);
    /// The future form of pop_message.
    std::future<std::optional<RsmqMessage>> pop_message(std::string qname);
    /// rsmq deleteMessage: true when the message was there.
    void delete_message(std::string qname, std::string id, FoundHandler done);
    /// The future form of delete_message.
    std::future<bool> delete_message(std::string qname, std::string id);
    /// rsmq changeMessageVisibility: hidden for `vt` seconds from now; true when the message was there.
    void change_message_visibility(std::string qname, std::string id, long long vt, FoundHandler done);
    /// The future form of change_message_visibility.
    std::future<bool> change_message_visibility(std::string qname, std::string id, long long vt);

    /// Extension: receives the next message, waiting up to `options.timeout` for one without
    /// polling at a fixed rate. A waiting receive looks again when a realtime notification
    /// (`<ns>:rt:<queue>`) arrives (a subscriber made from the client's options at the first wait,
    /// also on a shared client), when the earliest hidden or
    /// delayed message becomes visible (a timer at its score), and otherwise after idle_check.
    /// With max_receive_count, a message past the limit is moved to the dead-letter queue by one
    /// script and handed to `done` with errc::dead_lettered (the wait then ends).
    void receive_message_wait(std::string qname, RsmqWaitOptions options, MessageHandler done);
    /// The future form of receive_message_wait (an errc::dead_lettered result throws).
    std::future<std::optional<RsmqMessage>> receive_message_wait(std::string qname, RsmqWaitOptions options);

private:
    std::shared_ptr<detail::RsmqImpl> impl_;
};

}  // namespace ipcxx
