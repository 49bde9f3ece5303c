#include "rsmq/rsmq_batch.hpp"

#include "rsmq/rsmq_replies.hpp"
#include "rsmq/rsmq_rules.hpp"

namespace ipcxx::detail::rsmq {

std::vector<std::string> batch_send_args(std::string_view realtime_channel, const std::vector<BatchSend>& sends) {
    std::vector<std::string> args;
    args.reserve(1 + 4 * sends.size());
    args.emplace_back(realtime_channel);
    for (const auto& send : sends) {
        args.push_back(send.delay ? std::to_string(*send.delay) : std::string());
        args.push_back(std::to_string(utf16_length(send.message)));
        args.emplace_back(send.random22);
        args.emplace_back(send.message);
    }
    return args;
}

RsmqError parse_batch_sent(const RedisReply& reply, const std::vector<std::string_view>& messages,
                           std::vector<SendResult>& out) {
    out.clear();
    if (reply.kind != RedisReply::Kind::array || reply.elements.size() != messages.size()) {
        return malformed("batch send script");
    }
    std::vector<SendResult> results(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const RedisReply& element = reply.elements[i];
        if (element.kind == RedisReply::Kind::integer) {
            // The queue's maxsize: the script found the message longer.
            Verdict too_long = check_message(messages[i], element.integer);
            if (!too_long) return malformed("batch send script");
            results[i].error = {too_long.code, too_long.message};
        } else if (element.kind == RedisReply::Kind::bulk && !check_message_id(element.text)) {
            results[i].id = element.text;
        } else {
            return malformed("batch send script");
        }
    }
    out = std::move(results);
    return {};
}

std::vector<std::string> batch_receive_args(std::optional<long long> vt, std::size_t count) {
    return {vt ? std::to_string(*vt) : std::string(), std::to_string(count)};
}

RsmqError parse_batch_received(const RedisReply& reply, std::size_t count, std::vector<RsmqMessage>& out,
                               long long& now_ms) {
    out.clear();
    const auto& e = reply.elements;
    if (reply.kind != RedisReply::Kind::array || e.empty() || (e.size() - 1) % 4 != 0 || (e.size() - 1) / 4 > count) {
        return malformed("batch receive script");
    }
    auto now = reply_integer(e[0]);
    if (!now) return malformed("batch receive script");
    std::vector<RsmqMessage> messages((e.size() - 1) / 4);
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (!read_message(&e[1 + 4 * i], messages[i])) return malformed("batch receive script");
    }
    now_ms = *now;
    out = std::move(messages);
    return {};
}

RsmqError parse_batch_deleted(const RedisReply& reply, std::size_t count, std::vector<bool>& out) {
    out.clear();
    if (reply.kind != RedisReply::Kind::array || reply.elements.size() != count) return malformed("batch delete script");
    std::vector<bool> found;
    for (const auto& element : reply.elements) {
        if (element.kind != RedisReply::Kind::integer || (element.integer != 0 && element.integer != 1)) {
            return malformed("batch delete script");
        }
        found.push_back(element.integer == 1);
    }
    out = std::move(found);
    return {};
}

}  // namespace ipcxx::detail::rsmq
