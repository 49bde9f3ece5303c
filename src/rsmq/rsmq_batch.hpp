// The arguments of ipcxx's batch scripts (rsmq_batch_scripts.hpp) and the reading of their replies,
// without a socket. A malformed reply fails the whole batch with errc::redis_protocol_error naming
// the script.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipcxx/redis.hpp"
#include "ipcxx/rsmq.hpp"

namespace ipcxx::detail::rsmq {

// The most operations one batch call carries.
inline constexpr std::size_t max_batch = 128;

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
// Its reply: one result per message of `sends` (as sent, in order), with the ids the script gave them.
RsmqError parse_batch_sent(const RedisReply& reply, const std::vector<BatchSend>& sends,
                           std::vector<SendResult>& out);
// ARGV of batch_receive_script: `count` messages with visibility timeout `vt` (none: the queue's).
std::vector<std::string> batch_receive_args(std::optional<long long> vt, std::size_t count);
// Its reply: at most `count` messages, oldest first, and the server's time in ms.
RsmqError parse_batch_received(const RedisReply& reply, std::size_t count, std::vector<RsmqMessage>& out,
                               long long& now_ms);
// The ids of a batch delete, each once (batch_delete_script's ARGV), and for each id of `ids` the
// index of its first occurrence there, or none for a repeat (found by the first, not again).
struct DistinctIds {
    std::vector<std::string> ids;
    std::vector<std::optional<std::size_t>> first;
};
DistinctIds distinct_ids(const std::vector<std::string_view>& ids);
// The reply of batch_delete_script for `count` distinct ids: whether each was there.
RsmqError parse_batch_deleted(const RedisReply& reply, std::size_t count, std::vector<bool>& out);

}  // namespace ipcxx::detail::rsmq
