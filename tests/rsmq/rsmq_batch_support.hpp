// Helpers of the rsmq batch tests: operations started together inside one callback, their outcomes
// collected with a deadline, and the script and other calls Redis counted.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ipcxx/redis.hpp"
#include "ipcxx/rsmq.hpp"
#include "redis/redis_test_support.hpp"

namespace test {

// Runs `start` inside a callback of `rsmq`, on its I/O thread: no reply is read until it returns, so
// the operations of a kind it starts after the first wait for that one's call and go out together.
inline void together(ipcxx::Rsmq& rsmq, const std::function<void()>& start) {
    auto ran = std::make_shared<std::promise<void>>();
    auto future = ran->get_future();
    rsmq.list_queues([start, ran](const ipcxx::RsmqError&, std::vector<std::string>) {
        start();
        ran->set_value();
    });
    REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
}

// The outcomes of n operations, slot i set by the callback of operation i.
template <class T>
class Outcomes {
public:
    using Outcome = std::pair<ipcxx::RsmqError, T>;

    explicit Outcomes(std::size_t n) : promises_(std::make_shared<std::vector<std::promise<Outcome>>>(n)) {
        for (auto& promise : *promises_) futures_.push_back(promise.get_future());
    }
    // The callback of operation i (it keeps the slots alive).
    std::function<void(const ipcxx::RsmqError&, T)> slot(std::size_t i) {
        return [promises = promises_, i](const ipcxx::RsmqError& error, T value) {
            (*promises)[i].set_value({error, std::move(value)});
        };
    }
    // Every outcome, in order; fails the test when one does not come within 10 s.
    std::vector<Outcome> wait() {
        std::vector<Outcome> out;
        for (auto& future : futures_) {
            REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
            out.push_back(future.get());
        }
        return out;
    }

private:
    std::shared_ptr<std::vector<std::promise<Outcome>>> promises_;
    std::vector<std::future<Outcome>> futures_;
};

// Calls of `command` (lower case) since the last CONFIG RESETSTAT, from INFO commandstats.
inline long long command_calls(ipcxx::RedisClient& client, const std::string& command) {
    auto stats = redis_run(client, {"INFO", "commandstats"});
    REQUIRE(stats.ended);
    const std::string name = "cmdstat_" + command + ":calls=";
    const auto at = stats.reply.text.find(name);
    return at == std::string::npos ? 0 : std::atoll(stats.reply.text.c_str() + at + name.size());
}

// EVALSHA and EVAL calls since the last CONFIG RESETSTAT.
inline long long script_calls(ipcxx::RedisClient& client) {
    return command_calls(client, "evalsha") + command_calls(client, "eval");
}

inline void reset_stats(ipcxx::RedisClient& client) { REQUIRE(redis_run(client, {"CONFIG", "RESETSTAT"}).ended); }

}  // namespace test
