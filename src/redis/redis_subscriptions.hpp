// What a RedisSubscriber is subscribed to, for re-subscribing after a reconnect, and how the
// pushes of subscribe mode become its events (socket-free).
#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "ipcxx/redis.hpp"
#include "ipcxx/redis_subscriber.hpp"

namespace ipcxx::detail {

struct RedisSubscriptions {
    // Records the change; false when it changes nothing (already subscribed, or not subscribed).
    bool change(const std::string& verb, const std::string& name);
    // SUBSCRIBE and PSUBSCRIBE commands, encoded, for everything recorded (none when nothing is).
    std::vector<std::string> resubscribe_commands() const;

    // One push of subscribe mode to the handlers below (called under the connection's callback lock).
    // A push that is not one of Redis's forms is reported through `error`.
    void dispatch(const RedisReply& push, const std::function<void(std::error_code, const std::string&)>& error) const;

    RedisSubscriber::MessageHandler on_message;
    std::function<void(const std::string&, bool, long long)> on_subscribed;

private:
    mutable std::mutex mutex_;
    std::set<std::string> channels_;
    std::set<std::string> patterns_;
};

}  // namespace ipcxx::detail
