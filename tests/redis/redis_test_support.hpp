// Helpers of the redis tests: run a command and wait for its end with a deadline.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "ipcxx/redis.hpp"

namespace test {

struct RedisOutcome {
    std::error_code ec;
    ipcxx::RedisReply reply;
    bool ended = false;  // false: no end within the deadline
};

// A command's end, as a future (its callback runs once).
inline std::future<RedisOutcome> redis_outcome(ipcxx::RedisClient& client, std::vector<std::string> args) {
    auto promise = std::make_shared<std::promise<RedisOutcome>>();
    auto future = promise->get_future();
    client.command(std::move(args), [promise](std::error_code ec, ipcxx::RedisReply reply) {
        promise->set_value({ec, std::move(reply), true});
    });
    return future;
}

inline RedisOutcome wait_outcome(std::future<RedisOutcome>& future,
                                 std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    if (future.wait_for(timeout) != std::future_status::ready) return {};
    return future.get();
}

inline RedisOutcome redis_run(ipcxx::RedisClient& client, std::vector<std::string> args,
                              std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    auto future = redis_outcome(client, std::move(args));
    return wait_outcome(future, timeout);
}

// Options for a test: quick reconnects, and a connect timeout that fails a test soon.
inline ipcxx::RedisOptions redis_options(std::string url) {
    ipcxx::RedisOptions options;
    options.url = std::move(url);
    options.retry = std::chrono::milliseconds(20);
    options.retry_max = std::chrono::milliseconds(200);
    options.connect_timeout = std::chrono::milliseconds(3000);
    return options;
}

}  // namespace test
