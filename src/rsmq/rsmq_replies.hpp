// Reading rsmq's replies from Redis without a socket: the queue lookup every message operation
// starts with, TIME, received messages, attributes.
#pragma once

#include <optional>
#include <string>

#include "ipcxx/redis.hpp"
#include "ipcxx/rsmq.hpp"
#include "rsmq/rsmq_rules.hpp"

namespace ipcxx::detail::rsmq {

// What `MULTI; HMGET <q>:Q vt delay maxsize; TIME; EXEC` found.
struct QueueState {
    long long vt = 0;
    long long delay = 0;
    long long maxsize = 0;
    ServerTime time;
};

// TIME's reply; none when it is not two integers in bulk strings.
std::optional<ServerTime> parse_time(const RedisReply& reply);
// The EXEC reply of the queue lookup: queueNotFound when a setting is missing, a malformed reply
// as errc::redis_protocol_error naming it.
RsmqError parse_queue_state(const RedisReply& exec, QueueState& out);
// The reply of the receive and pop scripts: {} (no message), {id, body, rc, fr}, or with our
// dead-letter script {id, body, rc, fr, "dead"} (`dead_lettered` set).
RsmqError parse_received(const RedisReply& reply, std::optional<RsmqMessage>& out, bool& dead_lettered);
// The EXEC reply of `HMGET <q>:Q vt delay maxsize totalrecv totalsent created modified; ZCARD;
// ZCOUNT`: queueNotFound when vt is missing.
RsmqError parse_attributes(const RedisReply& exec, RsmqQueueAttributes& out);
// A message's four fields {id, body, rc, fr} from `fields` (four replies); false when malformed.
bool read_message(const RedisReply* fields, RsmqMessage& out);
// parseInt of a bulk string or an integer reply; none for nil or a non-number.
std::optional<long long> reply_integer(const RedisReply& reply);
// errc::redis_protocol_error naming the reply of `what` that did not read.
RsmqError malformed(const std::string& what);
// A Redis error reply as an RsmqError: our script's "queueNotFound" as rsmq's code.
RsmqError from_redis_error(std::error_code code, const RedisReply& reply);
// rsmq's queueNotFound.
RsmqError queue_not_found();

}  // namespace ipcxx::detail::rsmq
