#include "rsmq/rsmq_batch.hpp"

#include <algorithm>
#include <numeric>

#include "ipcxx/error.hpp"

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

namespace {

// As the script decides: only a message longer than any maxsize can be too long.
Verdict too_long(std::string_view message, long long maxsize) {
    if (message.size() > always_fits && utf16_length(message) > always_fits) return check_message(message, maxsize);
    return {};
}

ServerTime time_at(long long micros) { return {micros / 1000000, micros % 1000000}; }

}  // namespace

long long micros_of(ServerTime time) noexcept { return time.seconds * 1000000 + time.micros; }

RsmqError parse_batch_sent(const RedisReply& reply, const std::vector<BatchSend>& sends,
                           std::vector<SendResult>& out, QueueState& state) {
    out.clear();
    if (reply.kind != RedisReply::Kind::array || reply.elements.size() != 4) return malformed("batch send script");
    const auto seconds = reply_integer(reply.elements[0]);
    const auto micros = reply_integer(reply.elements[1]);
    const auto& maxsize = reply.elements[2];
    const auto delay = reply_integer(reply.elements[3]);
    if (!seconds || !micros || *seconds < 0 || *micros < 0 || *micros > 999999 ||
        maxsize.kind != RedisReply::Kind::integer || check_maxsize(maxsize.integer) || !delay ||
        check_seconds("delay", *delay)) {
        return malformed("batch send script");
    }
    std::vector<SendResult> results(sends.size());
    for (std::size_t i = 0; i < sends.size(); ++i) {
        if (Verdict bad = too_long(sends[i].message, maxsize.integer)) {
            results[i].error = {bad.code, bad.message};
        } else {
            const ServerTime at{*seconds, *micros + static_cast<long long>(i)};  // its position in the batch
            results[i].id = make_message_id(at, sends[i].random22);
        }
    }
    out = std::move(results);
    state = {0, *delay, maxsize.integer, {*seconds, *micros}};
    return {};
}

SendWrite batch_send_write(const QueueKeys& keys, const QueueState& state, long long first_micros,
                           const std::vector<BatchSend>& sends) {
    SendWrite write;
    write.results.resize(sends.size());
    std::vector<std::string> scored{"ZADD", keys.messages};
    std::vector<std::string> bodies{"HSET", keys.hash};
    scored.reserve(2 + 2 * sends.size());
    bodies.reserve(2 + 2 * sends.size());
    for (std::size_t i = 0; i < sends.size(); ++i) {
        if (Verdict bad = too_long(sends[i].message, state.maxsize)) {
            write.results[i].error = {bad.code, bad.message};
            continue;
        }
        const ServerTime at = time_at(first_micros + static_cast<long long>(i));
        std::string id = make_message_id(at, sends[i].random22);
        scored.push_back(std::to_string(time_ms(at) + sends[i].delay.value_or(state.delay) * 1000));
        scored.push_back(id);
        bodies.push_back(id);
        bodies.emplace_back(sends[i].message);
        write.results[i].id = std::move(id);
    }
    const std::size_t written = (scored.size() - 2) / 2;
    if (written > 0) {
        write.commands.push_back(std::move(scored));
        write.commands.push_back(std::move(bodies));
        write.commands.push_back({"HINCRBY", keys.hash, "totalsent", std::to_string(written)});
    }
    write.commands.push_back({"HMGET", keys.hash, "vt", "delay", "maxsize"});
    write.commands.push_back({"TIME"});
    return write;
}

RsmqError parse_batch_written(const RedisReply& exec, std::optional<QueueState>& next) {
    next.reset();
    const auto& e = exec.elements;
    if (exec.kind != RedisReply::Kind::array || (e.size() != 2 && e.size() != 5)) return malformed("batch send");
    for (std::size_t i = 0; i + 2 < e.size(); ++i) {
        if (e[i].kind == RedisReply::Kind::error) return from_redis_error(make_error_code(errc::redis_error_reply), e[i]);
        if (e[i].kind != RedisReply::Kind::integer) return malformed("batch send");
    }
    RedisReply lookup;
    lookup.kind = RedisReply::Kind::array;
    lookup.elements.assign(e.end() - 2, e.end());
    QueueState state;
    if (!parse_queue_state(lookup, state)) next = state;
    return {};
}

std::vector<std::string> batch_receive_args(std::optional<long long> vt, std::size_t count) {
    return {vt ? std::to_string(*vt) : std::string(), std::to_string(count)};
}

RsmqError parse_batch_received(const RedisReply& reply, std::size_t count, std::vector<RsmqMessage>& out,
                               long long& now_ms) {
    out.clear();
    if (reply.kind != RedisReply::Kind::array) return malformed("batch receive script");
    const auto& e = reply.elements;
    // Pairs of body and id up to the time, the only integer in a body's place.
    std::size_t end = 0;
    while (end < e.size() && e[end].kind != RedisReply::Kind::integer) end += 2;
    const std::size_t n = end / 2;
    if (end >= e.size() || n > count || (e.size() - end - 1) % 3 != 0) return malformed("batch receive script");
    const long long now = e[end].integer;
    std::vector<RsmqMessage> messages(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& body = e[2 * i];
        const auto& id = e[2 * i + 1];
        if ((body.kind != RedisReply::Kind::bulk && !body.is_nil()) || id.kind != RedisReply::Kind::bulk) {
            return malformed("batch receive script");
        }
        auto& message = messages[i];
        message.id = id.text;
        // A message whose body was deleted under it reads as nil; rsmq hands that on as null.
        message.message = body.text;
        message.rc = 1;
        message.fr = now;
        message.sent = sent_from_id(message.id);
    }
    std::vector<bool> again(n);
    for (std::size_t at = end + 1; at < e.size(); at += 3) {
        const auto position = reply_integer(e[at]);
        const auto rc = reply_integer(e[at + 1]);
        const auto fr = reply_integer(e[at + 2]);
        if (!position || *position < 1 || static_cast<std::size_t>(*position) > n || again[*position - 1] || !rc ||
            !fr) {
            return malformed("batch receive script");
        }
        again[*position - 1] = true;
        messages[*position - 1].rc = *rc;
        messages[*position - 1].fr = *fr;
    }
    now_ms = now;
    out = std::move(messages);
    return {};
}

std::vector<std::vector<std::string>> batch_delete_commands(const QueueKeys& keys,
                                                            const std::vector<std::string_view>& ids) {
    std::vector<std::vector<std::string>> commands(3);
    auto& scores = commands[0];
    auto& zrem = commands[1];
    auto& hdel = commands[2];
    scores.reserve(2 + ids.size());
    zrem.reserve(2 + ids.size());
    hdel.reserve(2 + 3 * ids.size());
    scores.emplace_back("ZMSCORE");
    scores.push_back(keys.messages);
    zrem.emplace_back("ZREM");
    zrem.push_back(keys.messages);
    hdel.emplace_back("HDEL");
    hdel.push_back(keys.hash);
    for (const auto id : ids) {
        scores.emplace_back(id);
        zrem.emplace_back(id);
        hdel.emplace_back(id);
        for (const char* suffix : {":rc", ":fr"}) hdel.emplace_back(id).append(suffix);
    }
    return commands;
}

RsmqError parse_batch_deleted(const RedisReply& exec, const std::vector<std::string_view>& ids,
                              std::vector<bool>& out) {
    out.clear();
    const auto& e = exec.elements;
    if (exec.kind != RedisReply::Kind::array || e.size() != 3) return malformed("batch delete");
    for (const auto& reply : e) {
        if (reply.kind == RedisReply::Kind::error) return from_redis_error(make_error_code(errc::redis_error_reply), reply);
    }
    const auto& scores = e[0].elements;
    if (e[0].kind != RedisReply::Kind::array || scores.size() != ids.size() || e[1].kind != RedisReply::Kind::integer ||
        e[2].kind != RedisReply::Kind::integer) {
        return malformed("batch delete");
    }
    std::vector<bool> found(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (scores[i].kind != RedisReply::Kind::nil && scores[i].kind != RedisReply::Kind::bulk) {
            return malformed("batch delete");
        }
        found[i] = scores[i].kind == RedisReply::Kind::bulk;
    }
    // An id given twice is found by the first only, as two deletes in a row.
    std::vector<std::size_t> order(ids.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ids[a] < ids[b]; });
    for (std::size_t k = 1; k < order.size(); ++k) {
        if (ids[order[k]] == ids[order[k - 1]]) found[order[k]] = false;
    }
    out = std::move(found);
    return {};
}

}  // namespace ipcxx::detail::rsmq
