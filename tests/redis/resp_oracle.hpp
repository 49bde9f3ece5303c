// hiredis 0.14.1's reader as an oracle for the RESP decoder (tests and the fuzz target only; the
// library never links hiredis): the same bytes through both, and the replies compared.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <hiredis/hiredis.h>

#include "codec/resp_decode.hpp"
#include "ipcxx/redis.hpp"

namespace test {

// hiredis refuses arrays nested deeper than this (read.c: "nested multi bulk replies with depth > 7").
constexpr std::size_t hiredis_max_depth = 7;

inline std::optional<ipcxx::RedisReply> from_hiredis(const redisReply* reply) {
    ipcxx::RedisReply out;
    switch (reply->type) {
        case REDIS_REPLY_NIL: out.kind = ipcxx::RedisReply::Kind::nil; break;
        case REDIS_REPLY_STATUS: out.kind = ipcxx::RedisReply::Kind::status; break;
        case REDIS_REPLY_ERROR: out.kind = ipcxx::RedisReply::Kind::error; break;
        case REDIS_REPLY_STRING: out.kind = ipcxx::RedisReply::Kind::bulk; break;
        case REDIS_REPLY_INTEGER:
            out.kind = ipcxx::RedisReply::Kind::integer;
            out.integer = reply->integer;
            return out;
        case REDIS_REPLY_ARRAY:
            out.kind = ipcxx::RedisReply::Kind::array;
            for (std::size_t i = 0; i < reply->elements; ++i) {
                auto element = from_hiredis(reply->element[i]);
                if (!element) return std::nullopt;
                out.elements.push_back(std::move(*element));
            }
            return out;
        default: return std::nullopt;
    }
    if (reply->str) out.text.assign(reply->str, reply->len);
    return out;
}

struct Decoded {
    std::vector<ipcxx::RedisReply> replies;
    bool failed = false;
};

// Every reply hiredis reads from `bytes` fed in chunks of `chunk` bytes.
inline Decoded decode_with_hiredis(std::string_view bytes, std::size_t chunk) {
    Decoded out;
    std::unique_ptr<redisReader, decltype(&redisReaderFree)> reader(redisReaderCreate(), &redisReaderFree);
    for (std::size_t at = 0; at < bytes.size() && !out.failed; at += chunk) {
        const std::size_t n = std::min(chunk, bytes.size() - at);
        if (redisReaderFeed(reader.get(), bytes.data() + at, n) != REDIS_OK) out.failed = true;
        for (;;) {
            void* raw = nullptr;
            if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK) {
                out.failed = true;
                break;
            }
            if (!raw) break;
            auto reply = from_hiredis(static_cast<redisReply*>(raw));
            freeReplyObject(raw);
            if (!reply) {
                out.failed = true;
                break;
            }
            out.replies.push_back(std::move(*reply));
        }
    }
    return out;
}

inline Decoded decode_with_ipcxx(std::string_view bytes, std::size_t chunk) {
    Decoded out;
    ipcxx::detail::RespDecoder decoder;
    for (std::size_t at = 0; at < bytes.size() && !out.failed; at += chunk) {
        decoder.feed(bytes.substr(at, std::min(chunk, bytes.size() - at)));
        for (;;) {
            ipcxx::RedisReply reply;
            std::error_code ec;
            std::string detail;
            if (decoder.next(reply, ec, detail)) {
                out.replies.push_back(std::move(reply));
                continue;
            }
            if (ec) out.failed = true;
            break;
        }
    }
    return out;
}

inline bool same_reply(const ipcxx::RedisReply& a, const ipcxx::RedisReply& b) {
    if (a.kind != b.kind || a.text != b.text || a.integer != b.integer || a.elements.size() != b.elements.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.elements.size(); ++i) {
        if (!same_reply(a.elements[i], b.elements[i])) return false;
    }
    return true;
}

inline std::size_t depth_of(const ipcxx::RedisReply& reply) {
    std::size_t deepest = 0;
    for (const auto& element : reply.elements) deepest = std::max(deepest, depth_of(element));
    return reply.kind == ipcxx::RedisReply::Kind::array ? deepest + 1 : 0;
}

// The differential rule: every reply ipcxx returns, hiredis returns the same (ipcxx is stricter:
// it refuses some lines hiredis takes, such as "$-5" or ":12x"); where hiredis fails, so does
// ipcxx, except past hiredis's depth limit. Returns a description of the first disagreement.
inline std::string disagreement(std::string_view bytes, std::size_t chunk) {
    const Decoded ours = decode_with_ipcxx(bytes, chunk);
    const Decoded theirs = decode_with_hiredis(bytes, chunk);
    for (const auto& reply : ours.replies) {
        if (depth_of(reply) > hiredis_max_depth) return {};  // beyond the oracle
    }
    if (ours.replies.size() > theirs.replies.size()) return "ipcxx read more replies than hiredis";
    for (std::size_t i = 0; i < ours.replies.size(); ++i) {
        if (!same_reply(ours.replies[i], theirs.replies[i])) return "reply " + std::to_string(i) + " differs";
    }
    // Where hiredis refuses the bytes, ipcxx refuses them too, unless they may nest past hiredis's limit.
    if (theirs.failed && !ours.failed &&
        static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '*')) <= hiredis_max_depth) {
        return "hiredis refused bytes that ipcxx took";
    }
    if (!ours.failed && ours.replies.size() < theirs.replies.size()) return "hiredis read more replies than ipcxx";
    return {};
}

}  // namespace test
