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
// Its reply, one result per message in `messages` (the bodies sent, in order).
RsmqError parse_batch_sent(const RedisReply& reply, const std::vector<std::string_view>& messages,
                           std::vector<SendResult>& out);
// ARGV of batch_receive_script: `count` messages with visibility timeout `vt` (none: the queue's).
std::vector<std::string> batch_receive_args(std::optional<long long> vt, std::size_t count);
// Its reply: at most `count` messages, oldest first, and the server's time in ms.
RsmqError parse_batch_received(const RedisReply& reply, std::size_t count, std::vector<RsmqMessage>& out,
                               long long& now_ms);
// The reply of batch_delete_script for `count` ids: whether each was there.
RsmqError parse_batch_deleted(const RedisReply& reply, std::size_t count, std::vector<bool>& out);

}  // namespace ipcxx::detail::rsmq
