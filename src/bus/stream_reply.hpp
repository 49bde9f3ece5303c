// Redis Streams replies (XREADGROUP / XREAD, XAUTOCLAIM, XPENDING) read into plain values, without
// sockets: a reply of an unexpected shape is errc::redis_protocol_error naming what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "ipcxx/redis.hpp"

namespace ipcxx::detail {

// One stream entry. `trimmed`: the id is still pending but its data is gone (XTRIM, XDEL), which
// XREADGROUP shows as a nil field list.
struct StreamEntry {
    std::string id;
    std::vector<std::pair<std::string, std::string>> fields;
    bool trimmed = false;

    // The value of `name`, or null.
    const std::string* field(std::string_view name) const;
};

// XAUTOCLAIM's reply (Redis 7): the cursor to continue from ("0-0": the PEL was walked to its end),
// the entries claimed, and the ids whose data was gone (already removed from the PEL by Redis).
struct AutoClaimResult {
    std::string cursor;
    std::vector<StreamEntry> entries;
    std::vector<std::string> deleted;
};

// One line of the extended form of XPENDING: `XPENDING key group start end count [consumer]`.
struct PendingInfo {
    std::string id;
    std::string consumer;
    std::uint64_t idle_ms = 0;
    std::uint64_t deliveries = 0;
};

// XREADGROUP / XREAD with one stream: the entries of that stream (none for a nil reply: BLOCK ran out).
std::error_code parse_stream_read(const RedisReply& reply, std::vector<StreamEntry>& out, std::string& detail);
// An array of entries (XRANGE, and XAUTOCLAIM's second element).
std::error_code parse_entries(const RedisReply& reply, std::vector<StreamEntry>& out, std::string& detail);
std::error_code parse_autoclaim(const RedisReply& reply, AutoClaimResult& out, std::string& detail);
std::error_code parse_pending(const RedisReply& reply, std::vector<PendingInfo>& out, std::string& detail);

// The millisecond part of a stream id ("1700000000000-3" -> 1700000000000); 0 when malformed.
std::uint64_t stream_id_ms(std::string_view id) noexcept;

}  // namespace ipcxx::detail
