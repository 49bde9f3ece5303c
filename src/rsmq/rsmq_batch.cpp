#include "rsmq/rsmq_batch.hpp"

#include <unordered_map>

#include "rsmq/rsmq_replies.hpp"
#include "rsmq/rsmq_rules.hpp"

namespace ipcxx::detail::rsmq {

std::vector<std::string> batch_send_args(std::string_view realtime_channel, const std::vector<BatchSend>& sends) {
    std::vector<std::string> args;
    args.reserve(1 + 2 * sends.size());
    args.emplace_back(realtime_channel);
    for (const auto& send : sends) {
        std::string tag(send.random22);
        // No more units than bytes: a short message without a delay of its own is not even measured.
        const bool measured = send.delay || send.message.size() > always_fits;
        const std::size_t units = measured ? utf16_length(send.message) : 0;
        if (send.delay || units > always_fits) {
            tag += ':' + (send.delay ? std::to_string(*send.delay) : std::string()) + ':' + std::to_string(units);
        }
        args.push_back(std::move(tag));
        args.emplace_back(send.message);
    }
    return args;
}

RsmqError parse_batch_sent(const RedisReply& reply, const std::vector<BatchSend>& sends,
                           std::vector<SendResult>& out) {
    out.clear();
    if (reply.kind != RedisReply::Kind::array || reply.elements.size() != 3) return malformed("batch send script");
    const auto seconds = reply_integer(reply.elements[0]);
    const auto micros = reply_integer(reply.elements[1]);
    const auto& maxsize = reply.elements[2];
    if (!seconds || !micros || *seconds < 0 || *micros < 0 || *micros > 999999 ||
        maxsize.kind != RedisReply::Kind::integer || check_maxsize(maxsize.integer)) {
        return malformed("batch send script");
    }
    std::vector<SendResult> results(sends.size());
    for (std::size_t i = 0; i < sends.size(); ++i) {
        // As the script decides: only a message longer than any maxsize can be too long.
        Verdict too_long;
        if (sends[i].message.size() > always_fits && utf16_length(sends[i].message) > always_fits) {
            too_long = check_message(sends[i].message, maxsize.integer);
        }
        if (too_long) {
            results[i].error = {too_long.code, too_long.message};
        } else {
            const ServerTime at{*seconds, *micros + static_cast<long long>(i)};  // its position in the batch
            results[i].id = make_message_id(at, sends[i].random22);
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

DistinctIds distinct_ids(const std::vector<std::string_view>& ids) {
    DistinctIds distinct;
    std::unordered_map<std::string_view, std::size_t> seen;
    for (const auto id : ids) {
        auto [it, first] = seen.try_emplace(id, distinct.ids.size());
        if (first) {
            distinct.first.emplace_back(distinct.ids.size());
            distinct.ids.emplace_back(id);
        } else {
            distinct.first.emplace_back(std::nullopt);
        }
    }
    return distinct;
}

RsmqError parse_batch_deleted(const RedisReply& reply, std::size_t count, std::vector<bool>& out) {
    out.clear();
    if (reply.kind == RedisReply::Kind::integer && reply.integer >= 0 &&
        static_cast<std::size_t>(reply.integer) == count) {
        out.assign(count, true);  // every id was there
        return {};
    }
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
