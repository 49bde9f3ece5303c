// Canned RESP2 replies for the socket-free tests of the Redis client, the cluster, rsmq and the bus.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ipcxx/redis.hpp"

namespace test::replies {

inline ipcxx::RedisReply bulk(std::string text) {
    ipcxx::RedisReply reply;
    reply.kind = ipcxx::RedisReply::Kind::bulk;
    reply.text = std::move(text);
    return reply;
}

inline ipcxx::RedisReply integer(long long value) {
    ipcxx::RedisReply reply;
    reply.kind = ipcxx::RedisReply::Kind::integer;
    reply.integer = value;
    return reply;
}

inline ipcxx::RedisReply array(std::vector<ipcxx::RedisReply> elements) {
    ipcxx::RedisReply reply;
    reply.kind = ipcxx::RedisReply::Kind::array;
    reply.elements = std::move(elements);
    return reply;
}

inline ipcxx::RedisReply error(std::string text) {
    ipcxx::RedisReply reply;
    reply.kind = ipcxx::RedisReply::Kind::error;
    reply.text = std::move(text);
    return reply;
}

inline ipcxx::RedisReply nil() { return ipcxx::RedisReply{}; }

}  // namespace test::replies
