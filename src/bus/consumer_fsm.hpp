// What a bus consumer reads and what it does with each entry, as a socket-free state machine: the
// commands to send (as argument lists) and, from the replies, a verdict per entry: deliver it to
// the handlers, dead-letter it, report it trimmed, or leave it (another consumer owns it now).
//
// The reading order: first this consumer's own pending entries (XREADGROUP with an id, paging
// from "0"), since a consumer that restarts must finish what it had taken; then new entries (">").
// Entries re-read or claimed (XAUTOCLAIM) have been delivered before: their delivery counts are
// asked for (XPENDING) before they are handed out, so that one delivered more than max_deliveries
// times goes to the dead-letter stream instead of to a handler that keeps failing on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "bus/bus_entry.hpp"
#include "bus/stream_reply.hpp"
#include "ipcxx/redis.hpp"

namespace ipcxx::detail {

struct ConsumerSettings {
    std::string key;       // the events stream
    std::string dead_key;  // the dead-letter stream
    std::string group;
    std::string consumer;
    std::uint64_t max_deliveries = 5;
    std::size_t batch = 64;
    std::chrono::milliseconds block{2000};
    std::chrono::milliseconds claim_min_idle{30000};
};

struct EntryVerdict {
    enum class Action {
        deliver,      // hand `decoded` to the handlers; XACK when they are done
        dead_letter,  // copy to the dead-letter stream with `reason`, then XACK; report dead_lettered
        trimmed,      // pending, but its data is gone: XACK and report entry_trimmed
    };
    Action action = Action::deliver;
    StreamEntry entry;
    BusEntry decoded;
    std::uint64_t deliveries = 1;
    std::string reason;
};

// What a read or a claim yields: verdicts ready now, and entries whose delivery counts are asked
// for first (pending_query(), then on_pending()).
struct ConsumerBatch {
    std::vector<EntryVerdict> ready;
    std::vector<StreamEntry> to_count;
};

class ConsumerFsm {
public:
    explicit ConsumerFsm(ConsumerSettings settings);

    const ConsumerSettings& settings() const noexcept { return settings_; }

    // XGROUP CREATE from the stream's start (entries emitted before any consumer existed are not
    // lost), making the stream if needed. An error reply starting "BUSYGROUP" means it exists: fine.
    std::vector<std::string> create_group() const;
    static bool group_exists(const std::string& error_text) noexcept;
    // An error reply that means the stream or group is gone (Redis restarted without its data,
    // or the key was deleted): create the group again and recover.
    static bool group_missing(const std::string& error_text) noexcept;

    // The next XREADGROUP: own pending entries while recovering, else new ones, blocking.
    std::vector<std::string> next_read() const;
    bool recovering() const noexcept { return recovering_; }
    ConsumerBatch on_read(const RedisReply& reply, std::error_code& ec, std::string& detail);
    // Back to recovering (after a lost connection or a re-created group): whatever was read and not
    // acknowledged is pending again and must be re-read.
    void restart() noexcept;

    // The next XAUTOCLAIM, from where the last one stopped.
    std::vector<std::string> next_claim() const;
    ConsumerBatch on_claim(const RedisReply& reply, std::error_code& ec, std::string& detail);
    const std::string& claim_cursor() const noexcept { return claim_cursor_; }

    // XPENDING over the span of `entries`, for this consumer.
    std::vector<std::string> pending_query(const std::vector<StreamEntry>& entries) const;
    std::vector<EntryVerdict> on_pending(std::vector<StreamEntry> entries, const RedisReply& reply, std::error_code& ec,
                                         std::string& detail) const;

    // XACK of one or many ids (the acknowledgements of one batch go in one command).
    std::vector<std::string> ack(const std::vector<std::string>& ids) const;
    // XADD to the dead-letter stream: the entry's own fields (none when its data is gone), then
    // dead-id, dead-reason, dead-deliveries, dead-consumer.
    std::vector<std::string> dead_letter(const EntryVerdict& verdict) const;

private:
    // A verdict for an entry with data, delivered `deliveries` times: deliver, or dead-letter when
    // it was delivered too often or is not a bus entry.
    EntryVerdict judge(StreamEntry entry, std::uint64_t deliveries) const;
    static EntryVerdict trimmed(std::string id);

    ConsumerSettings settings_;
    bool recovering_ = true;
    std::string recovery_cursor_ = "0";
    std::string claim_cursor_ = "0-0";
};

}  // namespace ipcxx::detail
