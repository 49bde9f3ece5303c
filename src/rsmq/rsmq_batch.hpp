// The arguments of ipcxx's batch scripts (rsmq_batch_scripts.hpp), the commands of the batches that
// need no script, and the reading of their replies, without a socket. A malformed reply fails the
// whole batch with errc::redis_protocol_error naming the script or transaction.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipcxx/redis.hpp"
#include "ipcxx/rsmq.hpp"
#include "rsmq/rsmq_replies.hpp"
#include "rsmq/rsmq_rules.hpp"

namespace ipcxx::detail::rsmq {

// The most operations one batch call carries.
inline constexpr std::size_t max_batch = 128;
// The fewest operations a lane splits off into a call of its own (BatchLanes): a call costs Redis
// a fixed amount whatever it carries, so smaller splits lose more than the overlap gains.
inline constexpr std::size_t min_split = 8;

// A message at most this long (UTF-16 code units) fits every queue: rsmq's smallest maxsize.
inline constexpr std::size_t always_fits = 1024;

// One message of a batch send.
struct BatchSend {
    std::string_view message;     // valid UTF-8
    std::optional<long long> delay;  // a checked delay, or none: the queue's
    std::string_view random22;    // the random part of its id
};
// What one message of a batch send got: its id, or rsmq's error.
struct SendResult {
    RsmqError error;
    std::string id;
};

// ARGV of batch_send_script.
std::vector<std::string> batch_send_args(std::string_view realtime_channel, const std::vector<BatchSend>& sends);
// Its reply: one result per message of `sends` (as sent, in order), with the ids the script gave them,
// and in `state` the queue's delay and maxsize and the TIME the ids start from (vt is not read).
RsmqError parse_batch_sent(const RedisReply& reply, const std::vector<BatchSend>& sends,
                           std::vector<SendResult>& out, QueueState& state);

// A batch send without a script, after a lookup `state` of the queue: what goes between MULTI and
// EXEC (ZADD of every message that fits, HSET of their bodies, HINCRBY totalsent; then HMGET of the
// settings and TIME, the lookup of the lane's next batch), and each message's result. Ids are made
// from `first_micros` (microseconds since the epoch) plus the message's position in the batch.
struct SendWrite {
    std::vector<std::vector<std::string>> commands;
    std::vector<SendResult> results;
};
SendWrite batch_send_write(const QueueKeys& keys, const QueueState& state, long long first_micros,
                           const std::vector<BatchSend>& sends);
// The EXEC reply of such a write: a write that failed as its error; the lookup at its end into
// `next`, none when it did not find the queue.
RsmqError parse_batch_written(const RedisReply& exec, std::optional<QueueState>& next);
// Microseconds since the epoch of TIME.
long long micros_of(ServerTime time) noexcept;
// ARGV of batch_receive_script: `count` messages with visibility timeout `vt` (none: the queue's).
std::vector<std::string> batch_receive_args(std::optional<long long> vt, std::size_t count);
// Its reply: at most `count` messages, oldest first, and the server's time in ms.
RsmqError parse_batch_received(const RedisReply& reply, std::size_t count, std::vector<RsmqMessage>& out,
                               long long& now_ms);
// A batch delete, in one MULTI ... EXEC: ZMSCORE of the ids (which of them the queue holds), one ZREM
// of them all and one HDEL of their bodies, rc and fr; three commands whatever the count, where
// rsmq's ZREM + HDEL per id made two per id.
std::vector<std::vector<std::string>> batch_delete_commands(const QueueKeys& keys,
                                                            const std::vector<std::string_view>& ids);
// Its EXEC reply for `ids`: whether each was in the queue's sorted set; an id given twice is found by
// the first only, as two deletes in a row.
RsmqError parse_batch_deleted(const RedisReply& exec, const std::vector<std::string_view>& ids,
                              std::vector<bool>& out);

}  // namespace ipcxx::detail::rsmq
