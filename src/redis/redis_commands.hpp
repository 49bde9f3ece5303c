// The commands of one RedisClient (socket-free): those waiting to be written, in order, within a
// byte bound, and those written and waiting for their replies, which come in the same order.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include "ipcxx/redis.hpp"

namespace ipcxx::detail {

using RedisReplyHandler = std::function<void(std::error_code, RedisReply)>;

struct RedisCommand {
    std::string bytes;           // the encoded command
    RedisReplyHandler on_reply;  // empty for a command whose reply nobody awaits
    // For EVALSHA: the EVAL command to send instead when the server answers NOSCRIPT.
    std::string fallback;
    std::uint64_t sequence = 0;  // set when queued: tells a timed-out command from its successors
    std::chrono::steady_clock::time_point written_at{};
};

class RedisCommands {
public:
    explicit RedisCommands(std::size_t max_pending_bytes) : max_pending_bytes_(max_pending_bytes) {}

    // Queues a command to be written (moving it in); errc::queue_full past the byte bound, and then
    // `command` is left as it was.
    std::error_code push(RedisCommand& command);
    // Queues a command ahead of every one not written yet (a reconnect's own commands go first).
    void push_front(RedisCommand command);
    // Queues a NOSCRIPT fallback ahead of every command not written yet, but behind the fallbacks
    // queued since the last write: pipelined scripts that all missed the cache run in the order sent.
    void push_retry(RedisCommand command);

    bool has_unwritten() const noexcept { return !unwritten_.empty(); }
    bool has_in_flight() const noexcept { return !in_flight_.empty(); }
    std::size_t unwritten_bytes() const noexcept { return unwritten_bytes_; }
    std::size_t in_flight_count() const noexcept { return in_flight_.size(); }

    // Moves every unwritten command to the in-flight list (they are about to be written, `now`)
    // and returns their bytes as one buffer, for one write.
    std::string take_batch(std::chrono::steady_clock::time_point now, bool expect_replies = true);
    // The oldest command written: its reply is the next one to come.
    const RedisCommand* oldest_in_flight() const noexcept { return in_flight_.empty() ? nullptr : &in_flight_.front(); }
    // Removes and returns the oldest command written (its reply came, or it timed out).
    RedisCommand pop_in_flight();

    // The connection broke: every command written ends (it may or may not have run); the unwritten
    // ones stay for the next connection.
    std::vector<RedisCommand> take_in_flight();
    // The client ends: every command, written or not.
    std::vector<RedisCommand> take_all();

private:
    std::size_t max_pending_bytes_;
    std::deque<RedisCommand> unwritten_;
    std::deque<RedisCommand> in_flight_;
    std::size_t unwritten_bytes_ = 0;
    std::size_t queued_ahead_ = 0;  // push_front's and push_retry's commands at the front of unwritten_
    std::uint64_t next_sequence_ = 1;
};

}  // namespace ipcxx::detail
