#include "rsmq/rsmq_replies.hpp"

#include <charconv>

#include "ipcxx/error.hpp"

namespace ipcxx::detail::rsmq {
namespace rsmq_replies_impl {

bool is_array(const RedisReply& reply, std::size_t size) {
    return reply.kind == RedisReply::Kind::array && reply.elements.size() == size;
}

}  // namespace rsmq_replies_impl

using namespace rsmq_replies_impl;

RsmqError malformed(const std::string& what) {
    return {make_error_code(errc::redis_protocol_error), "unexpected reply to rsmq's " + what};
}

std::optional<long long> reply_integer(const RedisReply& reply) {
    if (reply.kind == RedisReply::Kind::integer) return reply.integer;
    if (reply.kind != RedisReply::Kind::bulk && reply.kind != RedisReply::Kind::status) return std::nullopt;
    long long value = 0;
    const char* begin = reply.text.data();
    const char* end = begin + reply.text.size();
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr == begin) return std::nullopt;
    return value;
}

bool read_message(const RedisReply* fields, RsmqMessage& out) {
    auto rc = reply_integer(fields[2]);
    auto fr = reply_integer(fields[3]);
    if (fields[0].kind != RedisReply::Kind::bulk || !rc || !fr) return false;
    out.id = fields[0].text;
    // A message whose body was deleted under it reads as nil; rsmq hands that on as null.
    out.message = fields[1].kind == RedisReply::Kind::bulk ? fields[1].text : std::string();
    out.rc = *rc;
    out.fr = *fr;
    out.sent = sent_from_id(out.id);
    return true;
}

RsmqError queue_not_found() { return {make_error_code(errc::rsmq_queue_not_found), "Queue not found"}; }

std::optional<ServerTime> parse_time(const RedisReply& reply) {
    if (!is_array(reply, 2)) return std::nullopt;
    auto seconds = reply_integer(reply.elements[0]);
    auto micros = reply_integer(reply.elements[1]);
    if (!seconds || !micros || *seconds < 0 || *micros < 0 || *micros > 999999) return std::nullopt;
    return ServerTime{*seconds, *micros};
}

RsmqError parse_queue_state(const RedisReply& exec, QueueState& out) {
    if (!is_array(exec, 2) || !is_array(exec.elements[0], 3)) return malformed("queue lookup");
    const auto& settings = exec.elements[0].elements;
    for (const auto& setting : settings) {
        if (setting.is_nil()) return queue_not_found();
    }
    auto vt = reply_integer(settings[0]);
    auto delay = reply_integer(settings[1]);
    auto maxsize = reply_integer(settings[2]);
    auto time = parse_time(exec.elements[1]);
    if (!vt || !delay || !maxsize || !time) return malformed("queue lookup");
    out = {*vt, *delay, *maxsize, *time};
    return {};
}

RsmqError parse_received(const RedisReply& reply, std::optional<RsmqMessage>& out, bool& dead_lettered) {
    dead_lettered = false;
    out.reset();
    if (reply.kind != RedisReply::Kind::array) return malformed("receive script");
    if (reply.elements.empty()) return {};
    const auto& e = reply.elements;
    if (e.size() != 4 && e.size() != 5) return malformed("receive script");
    RsmqMessage message;
    if (!read_message(e.data(), message)) return malformed("receive script");
    dead_lettered = e.size() == 5;
    out = std::move(message);
    return {};
}

RsmqError parse_attributes(const RedisReply& exec, RsmqQueueAttributes& out) {
    if (!is_array(exec, 3) || !is_array(exec.elements[0], 7)) return malformed("queue attributes");
    const auto& fields = exec.elements[0].elements;
    if (fields[0].is_nil()) return queue_not_found();
    // rsmq: parseInt(...) for the settings, `|| 0` for the counters that start missing.
    long long* targets[] = {&out.vt, &out.delay, &out.maxsize, &out.totalrecv, &out.totalsent,
                            &out.created, &out.modified};
    for (std::size_t i = 0; i < 7; ++i) *targets[i] = reply_integer(fields[i]).value_or(0);
    auto msgs = reply_integer(exec.elements[1]);
    auto hidden = reply_integer(exec.elements[2]);
    if (!msgs || !hidden) return malformed("queue attributes");
    out.msgs = *msgs;
    out.hiddenmsgs = *hidden;
    return {};
}

RsmqError from_redis_error(std::error_code code, const RedisReply& reply) {
    if (code == errc::redis_error_reply && reply.text.find("queueNotFound") != std::string::npos) {
        return queue_not_found();
    }
    std::string text = reply.text.empty() ? code.message() : reply.text;
    return {code, std::move(text)};
}

}  // namespace ipcxx::detail::rsmq
