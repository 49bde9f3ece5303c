#include "redis/redis_commands.hpp"

#include <iterator>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

std::error_code RedisCommands::push(RedisCommand& command) {
    if (unwritten_bytes_ + command.bytes.size() > max_pending_bytes_) return make_error_code(errc::queue_full);
    command.sequence = next_sequence_++;
    unwritten_bytes_ += command.bytes.size();
    unwritten_.push_back(std::move(command));
    return {};
}

void RedisCommands::push_front(RedisCommand command) {
    command.sequence = next_sequence_++;
    unwritten_bytes_ += command.bytes.size();
    unwritten_.push_front(std::move(command));
    ++queued_ahead_;  // a fallback queued after it goes behind it
}

void RedisCommands::push_retry(RedisCommand command) {
    command.sequence = next_sequence_++;
    unwritten_bytes_ += command.bytes.size();
    unwritten_.insert(unwritten_.begin() + static_cast<std::ptrdiff_t>(queued_ahead_++), std::move(command));
}

std::string RedisCommands::take_batch(std::chrono::steady_clock::time_point now, bool expect_replies) {
    std::string batch;
    batch.reserve(unwritten_bytes_);
    for (auto& command : unwritten_) {
        batch += command.bytes;
        command.written_at = now;
        if (!expect_replies) continue;
        // The bytes are in the batch: a command waiting for its reply keeps only what a NOSCRIPT
        // fallback needs.
        command.bytes.clear();
        command.bytes.shrink_to_fit();
        in_flight_.push_back(std::move(command));
    }
    unwritten_.clear();
    unwritten_bytes_ = 0;
    queued_ahead_ = 0;
    return batch;
}

RedisCommand RedisCommands::pop_in_flight() {
    RedisCommand command = std::move(in_flight_.front());
    in_flight_.pop_front();
    return command;
}

std::vector<RedisCommand> RedisCommands::take_in_flight() {
    std::vector<RedisCommand> taken(std::make_move_iterator(in_flight_.begin()), std::make_move_iterator(in_flight_.end()));
    in_flight_.clear();
    return taken;
}

std::vector<RedisCommand> RedisCommands::take_all() {
    std::vector<RedisCommand> taken = take_in_flight();
    taken.insert(taken.end(), std::make_move_iterator(unwritten_.begin()), std::make_move_iterator(unwritten_.end()));
    unwritten_.clear();
    unwritten_bytes_ = 0;
    queued_ahead_ = 0;
    return taken;
}

}  // namespace ipcxx::detail
