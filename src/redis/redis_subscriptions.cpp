#include "redis/redis_subscriptions.hpp"

#include "codec/resp_encode.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {

bool RedisSubscriptions::change(const std::string& verb, const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (verb == "SUBSCRIBE") return channels_.insert(name).second;
    if (verb == "PSUBSCRIBE") return patterns_.insert(name).second;
    if (verb == "UNSUBSCRIBE") return channels_.erase(name) > 0;
    return patterns_.erase(name) > 0;
}

std::vector<std::string> RedisSubscriptions::resubscribe_commands() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> commands;
    for (const auto& [verb, names] : {std::pair<const char*, const std::set<std::string>*>{"SUBSCRIBE", &channels_},
                                      {"PSUBSCRIBE", &patterns_}}) {
        if (names->empty()) continue;
        std::vector<std::string> args{verb};
        args.insert(args.end(), names->begin(), names->end());
        std::string bytes;
        append_resp_command(args, bytes);
        commands.push_back(std::move(bytes));
    }
    return commands;
}

void RedisSubscriptions::dispatch(const RedisReply& push,
                                  const std::function<void(std::error_code, const std::string&)>& error) const {
    if (push.kind == RedisReply::Kind::error) {
        return error(make_error_code(errc::redis_error_reply), "RedisSubscriber: " + push.text);
    }
    const auto& parts = push.elements;
    const bool well_formed = push.kind == RedisReply::Kind::array && !parts.empty() &&
                             parts[0].kind == RedisReply::Kind::bulk;
    const std::string kind = well_formed ? parts[0].text : std::string();
    if (kind == "message" && parts.size() == 3) {
        if (on_message) on_message(parts[1].text, parts[2].text, std::string());
    } else if (kind == "pmessage" && parts.size() == 4) {
        if (on_message) on_message(parts[2].text, parts[3].text, parts[1].text);
    } else if ((kind == "subscribe" || kind == "psubscribe") && parts.size() == 3) {
        if (on_subscribed) on_subscribed(parts[1].text, kind == "psubscribe", parts[2].integer);
    } else if (kind == "unsubscribe" || kind == "punsubscribe" || kind == "pong") {
        // Confirmations nobody waits for.
    } else {
        error(make_error_code(errc::redis_protocol_error), "RedisSubscriber: a push that is not a pub/sub message");
    }
}

}  // namespace ipcxx::detail
