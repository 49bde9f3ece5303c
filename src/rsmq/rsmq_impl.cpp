#include "rsmq/rsmq_impl.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include <asio/post.hpp>

#include "ipcxx/error.hpp"
#include "redis/cluster_script.hpp"
#include "rsmq/rsmq_batch.hpp"
#include "rsmq/rsmq_batch_scripts.hpp"
#include "rsmq/rsmq_rules.hpp"
#include "rsmq/rsmq_scripts.hpp"

namespace ipcxx::detail {
namespace rsmq_impl {

using rsmq::Verdict;

RsmqError to_error(const Verdict& verdict) { return {verdict.code, verdict.message}; }

RsmqError closed_error() { return {make_error_code(errc::not_connected), "the Rsmq object was closed"}; }

// The first failing check, in rsmq's order.
template <class... Checks>
Verdict first_failure(Checks&&... checks) {
    Verdict found;
    ((found ? void() : void(found = checks())), ...);
    return found;
}

std::string decimal(long long v) { return std::to_string(v); }

std::string receive_lane(const std::string& qname, std::optional<long long> vt) {
    return qname + "\n" + (vt ? decimal(*vt) : std::string());
}

// The ids of a batch of deletes, in its order.
template <class Deletes>
std::vector<std::string_view> ids_of(const Deletes& batch) {
    std::vector<std::string_view> ids;
    ids.reserve(batch.size());
    for (const auto& pending : batch) ids.push_back(pending.id);
    return ids;
}

}  // namespace rsmq_impl

using namespace rsmq_impl;

struct RsmqImpl::Wait {
    std::string qname;
    RsmqWaitOptions options;
    Rsmq::MessageHandler done;
    std::chrono::steady_clock::time_point deadline;
    std::uint64_t notifications_seen = 0;  // the queue's count when the last look began
};

RsmqImpl::RsmqImpl(asio::io_context& io, std::shared_ptr<IoThread> thread, std::shared_ptr<RedisClient> client,
                   bool owns_client, RsmqOptions options)
    : io_(io),
      thread_(std::move(thread)),
      client_(std::move(client)),
      owns_client_(owns_client),
      options_(std::move(options)),
      receive_script_(std::string(rsmq::receive_message_script)),
      pop_script_(std::string(rsmq::pop_message_script)),
      visibility_script_(std::string(rsmq::change_message_visibility_script)),
      dead_letter_script_(std::string(rsmq::receive_or_dead_letter_script)),
      batch_send_script_(std::string(rsmq::batch_send_script)),
      batch_receive_script_(std::string(rsmq::batch_receive_script)),
      send_lanes_(rsmq::max_batch, rsmq::min_split),
      receive_lanes_(rsmq::max_batch, rsmq::min_split),
      delete_lanes_(rsmq::max_batch, rsmq::min_split) {
    for (const RedisScript* script : {&receive_script_, &pop_script_, &visibility_script_}) {
        cluster_scripts_.emplace(script->sha1, RedisScript(cluster_script_variant(script->text, 1)));
    }
}

void RsmqImpl::call(const std::function<void()>& fn) noexcept {
    try {
        fn();
    } catch (...) {
        // A callback's exception has nowhere to go: the operation it reports has ended.
    }
}

void RsmqImpl::post(std::function<void()> fn) {
    asio::post(io_, [fn = std::move(fn)] { call(fn); });
}

void RsmqImpl::command(std::vector<std::string> args, ExecHandler done) {
    if (closed()) return post([done] { done(closed_error(), RedisReply{}); });
    std::lock_guard<std::mutex> lock(transaction_mutex_);
    client_->command(std::move(args), [done = std::move(done)](std::error_code ec, RedisReply reply) {
        call([&] { done(ec ? rsmq::from_redis_error(ec, reply) : RsmqError{}, reply); });
    });
}

void RsmqImpl::eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
                    RedisClient::ReplyHandler done) {
    const RedisScript* run = &script;
    if (client_->is_cluster()) {
        // rsmq's scripts pass values in KEYS, which a cluster refuses: ours take them in ARGV there.
        if (const auto variant = cluster_scripts_.find(script.sha1); variant != cluster_scripts_.end()) {
            move_keys_to_args(keys, args, 1);
            run = &variant->second;
        }
    }
    std::lock_guard<std::mutex> lock(transaction_mutex_);
    client_->eval(*run, std::move(keys), std::move(args), std::move(done));
}

void RsmqImpl::transaction(Commands commands, ExecHandler done) {
    if (closed()) return post([done] { done(closed_error(), RedisReply{}); });
    auto ignore = [](std::error_code, RedisReply) {};
    std::lock_guard<std::mutex> lock(transaction_mutex_);
    client_->command({"MULTI"}, ignore);
    for (auto& args : commands) client_->command(std::move(args), ignore);
    client_->command({"EXEC"}, [done = std::move(done)](std::error_code ec, RedisReply reply) {
        if (!ec && reply.is_nil()) ec = make_error_code(errc::redis_error_reply);
        call([&] { done(ec ? rsmq::from_redis_error(ec, reply) : RsmqError{}, reply); });
    });
}

void RsmqImpl::lookup(const std::string& qname,
                      std::function<void(const RsmqError&, const rsmq::QueueState&)> done) {
    const auto keys = rsmq::queue_keys(options_.ns, qname);
    transaction({{"HMGET", keys.hash, "vt", "delay", "maxsize"}, {"TIME"}},
                [done = std::move(done)](const RsmqError& error, const RedisReply& exec) {
                    rsmq::QueueState state;
                    if (error) return done(error, state);
                    done(rsmq::parse_queue_state(exec, state), state);
                });
}

void RsmqImpl::create_queue(RsmqQueueOptions queue, Rsmq::DoneHandler done) {
    Verdict bad = first_failure([&] { return rsmq::check_queue_name(queue.qname); },
                                [&] { return rsmq::check_seconds("vt", queue.vt); },
                                [&] { return rsmq::check_seconds("delay", queue.delay); },
                                [&] { return rsmq::check_maxsize(queue.maxsize); });
    if (bad) return post([done, bad] { done(to_error(bad)); });
    auto self = shared_from_this();
    command({"TIME"}, [self, queue = std::move(queue), done](const RsmqError& error, const RedisReply& reply) {
        if (error) return done(error);
        auto time = rsmq::parse_time(reply);
        if (!time) return done({make_error_code(errc::redis_protocol_error), "unexpected reply to TIME"});
        const auto keys = rsmq::queue_keys(self->options_.ns, queue.qname);
        const std::string now = decimal(time->seconds);
        self->transaction(
            {{"HSETNX", keys.hash, "vt", decimal(queue.vt)},
             {"HSETNX", keys.hash, "delay", decimal(queue.delay)},
             {"HSETNX", keys.hash, "maxsize", decimal(queue.maxsize)},
             {"HSETNX", keys.hash, "created", now},
             {"HSETNX", keys.hash, "modified", now}},
            [self, qname = queue.qname, done](const RsmqError& error, const RedisReply& exec) {
                if (error) return done(error);
                if (exec.elements.empty() || exec.elements[0].integer == 0) {
                    return done({make_error_code(errc::rsmq_queue_exists), "Queue exists"});
                }
                self->command({"SADD", rsmq::queues_key(self->options_.ns), qname},
                              [done](const RsmqError& error, const RedisReply&) { done(error); });
            });
    });
}

void RsmqImpl::list_queues(Rsmq::NamesHandler done) {
    command({"SMEMBERS", rsmq::queues_key(options_.ns)}, [done](const RsmqError& error, const RedisReply& reply) {
        std::vector<std::string> names;
        for (const auto& element : reply.elements) names.push_back(element.text);
        done(error, std::move(names));
    });
}

void RsmqImpl::delete_queue(std::string qname, Rsmq::DoneHandler done) {
    if (Verdict bad = rsmq::check_queue_name(qname)) return post([done, bad] { done(to_error(bad)); });
    const auto keys = rsmq::queue_keys(options_.ns, qname);
    transaction({{"DEL", keys.hash, keys.messages}, {"SREM", rsmq::queues_key(options_.ns), qname}},
                [done](const RsmqError& error, const RedisReply& exec) {
                    if (error) return done(error);
                    if (exec.elements.empty() || exec.elements[0].integer == 0) return done(rsmq::queue_not_found());
                    done({});
                });
}

void RsmqImpl::get_queue_attributes(std::string qname, Rsmq::AttributesHandler done) {
    if (Verdict bad = rsmq::check_queue_name(qname)) {
        return post([done, bad] { done(to_error(bad), RsmqQueueAttributes{}); });
    }
    auto self = shared_from_this();
    command({"TIME"}, [self, qname, done](const RsmqError& error, const RedisReply& reply) {
        if (error) return done(error, {});
        auto time = rsmq::parse_time(reply);
        if (!time) return done({make_error_code(errc::redis_protocol_error), "unexpected reply to TIME"}, {});
        const auto keys = rsmq::queue_keys(self->options_.ns, qname);
        self->transaction(
            {{"HMGET", keys.hash, "vt", "delay", "maxsize", "totalrecv", "totalsent", "created", "modified"},
             {"ZCARD", keys.messages},
             {"ZCOUNT", keys.messages, decimal(time->seconds) + "000", "+inf"}},
            [done](const RsmqError& error, const RedisReply& exec) {
                RsmqQueueAttributes attributes;
                if (error) return done(error, attributes);
                RsmqError parsed = rsmq::parse_attributes(exec, attributes);
                done(parsed, attributes);
            });
    });
}

void RsmqImpl::set_queue_attributes(std::string qname, RsmqAttributeChanges changes, Rsmq::AttributesHandler done) {
    // rsmq's order: vt, maxsize, delay.
    std::vector<std::pair<std::string, long long>> items;
    if (changes.vt) items.emplace_back("vt", *changes.vt);
    if (changes.maxsize) items.emplace_back("maxsize", *changes.maxsize);
    if (changes.delay) items.emplace_back("delay", *changes.delay);
    Verdict bad;
    if (items.empty()) {
        bad = {make_error_code(errc::rsmq_no_attribute_supplied), "No attribute was supplied"};
    } else {
        bad = rsmq::check_queue_name(qname);
        for (const auto& [name, value] : items) {
            if (bad) break;
            bad = name == "maxsize" ? rsmq::check_maxsize(value) : rsmq::check_seconds(name, value);
        }
    }
    if (bad) return post([done, bad] { done(to_error(bad), RsmqQueueAttributes{}); });
    auto self = shared_from_this();
    lookup(qname, [self, qname, items, done](const RsmqError& error, const rsmq::QueueState&) {
        if (error) return done(error, {});
        self->command({"TIME"}, [self, qname, items, done](const RsmqError& error, const RedisReply& reply) {
            if (error) return done(error, {});
            auto time = rsmq::parse_time(reply);
            if (!time) return done({make_error_code(errc::redis_protocol_error), "unexpected reply to TIME"}, {});
            const auto keys = rsmq::queue_keys(self->options_.ns, qname);
            Commands commands{{"HSET", keys.hash, "modified", decimal(time->seconds)}};
            for (const auto& [name, value] : items) commands.push_back({"HSET", keys.hash, name, decimal(value)});
            self->transaction(std::move(commands), [self, qname, done](const RsmqError& error, const RedisReply&) {
                if (error) return done(error, {});
                self->get_queue_attributes(qname, done);
            });
        });
    });
}

void RsmqImpl::send_message(std::string qname, std::string message, std::optional<long long> delay,
                            Rsmq::IdHandler done) {
    if (Verdict bad = rsmq::check_queue_name(qname)) return post([done, bad] { done(to_error(bad), std::string()); });
    // A bad delay or body goes rsmq's way, which reports a missing queue before either.
    const bool exact = options_.rsmq_commands || (delay && rsmq::check_seconds("delay", *delay)) ||
                       rsmq::check_message(message, rsmq::unlimited_maxsize);
    if (exact) return send_message_rsmq(std::move(qname), std::move(message), delay, std::move(done));
    if (send_lanes_.add(qname, PendingSend{std::move(message), delay, std::move(done), {}})) {
        schedule_start(LaneKind::send, qname);
    }
}

void RsmqImpl::send_message_rsmq(std::string qname, std::string message, std::optional<long long> delay,
                                 Rsmq::IdHandler done) {
    auto self = shared_from_this();
    lookup(qname, [self, qname, message = std::move(message), delay, done](const RsmqError& error,
                                                                          const rsmq::QueueState& q) {
        if (error) return done(error, {});
        const long long seconds = delay.value_or(q.delay);
        Verdict bad = first_failure([&] { return rsmq::check_seconds("delay", seconds); },
                                    [&] { return rsmq::check_message(message, q.maxsize); });
        if (bad) return done(to_error(bad), {});
        const auto keys = rsmq::queue_keys(self->options_.ns, qname);
        std::string id = rsmq::make_message_id(q.time, rsmq::random_id_suffix());
        Commands commands{{"ZADD", keys.messages, decimal(rsmq::time_ms(q.time) + seconds * 1000), id},
                          {"HSET", keys.hash, id, message},
                          {"HINCRBY", keys.hash, "totalsent", "1"}};
        const bool realtime = self->options_.realtime;
        if (realtime) commands.push_back({"ZCARD", keys.messages});
        self->transaction(std::move(commands), [self, keys, id, realtime, done](const RsmqError& error,
                                                                               const RedisReply& exec) {
            if (error) return done(error, {});
            if (realtime && exec.elements.size() == 4) {
                // rsmq does not wait for the PUBLISH either.
                self->command({"PUBLISH", keys.realtime, decimal(exec.elements[3].integer)},
                              [](const RsmqError&, const RedisReply&) {});
            }
            done({}, id);
        });
    });
}

void RsmqImpl::receive_message(std::string qname, std::optional<long long> vt, Rsmq::MessageHandler done) {
    RsmqWaitOptions once;
    once.vt = vt;
    once.timeout = std::chrono::milliseconds(0);
    receive_message_wait(std::move(qname), std::move(once), std::move(done));
}

void RsmqImpl::pop_message(std::string qname, Rsmq::MessageHandler done) {
    if (Verdict bad = rsmq::check_queue_name(qname)) return post([done, bad] { done(to_error(bad), std::nullopt); });
    auto self = shared_from_this();
    lookup(qname, [self, qname, done](const RsmqError& error, const rsmq::QueueState& q) {
        if (error) return done(error, std::nullopt);
        if (self->closed()) return done(closed_error(), std::nullopt);
        const auto keys = rsmq::queue_keys(self->options_.ns, qname);
        self->eval(self->pop_script_, {keys.messages, decimal(rsmq::time_ms(q.time))}, {},
                            [done](std::error_code ec, RedisReply reply) {
                                std::optional<RsmqMessage> message;
                                bool dead = false;
                                RsmqError result = ec ? rsmq::from_redis_error(ec, reply)
                                                      : rsmq::parse_received(reply, message, dead);
                                call([&] { done(result, std::move(message)); });
                            });
    });
}

void RsmqImpl::delete_message(std::string qname, std::string id, Rsmq::FoundHandler done) {
    Verdict bad = first_failure([&] { return rsmq::check_queue_name(qname); },
                                [&] { return rsmq::check_message_id(id); });
    if (bad) return post([done, bad] { done(to_error(bad), false); });
    if (!options_.rsmq_commands) {
        if (delete_lanes_.add(qname, PendingDelete{std::move(id), std::move(done)})) {
            schedule_start(LaneKind::remove, qname);
        }
        return;
    }
    const auto keys = rsmq::queue_keys(options_.ns, qname);
    transaction({{"ZREM", keys.messages, id}, {"HDEL", keys.hash, id, id + ":rc", id + ":fr"}},
                [done](const RsmqError& error, const RedisReply& exec) {
                    const bool found = !error && exec.elements.size() == 2 && exec.elements[0].integer == 1 &&
                                       exec.elements[1].integer > 0;
                    done(error, found);
                });
}

void RsmqImpl::change_message_visibility(std::string qname, std::string id, long long vt, Rsmq::FoundHandler done) {
    Verdict bad = first_failure([&] { return rsmq::check_queue_name(qname); },
                                [&] { return rsmq::check_message_id(id); },
                                [&] { return rsmq::check_seconds("vt", vt); });
    if (bad) return post([done, bad] { done(to_error(bad), false); });
    auto self = shared_from_this();
    lookup(qname, [self, qname, id, vt, done](const RsmqError& error, const rsmq::QueueState& q) {
        if (error) return done(error, false);
        if (self->closed()) return done(closed_error(), false);
        const auto keys = rsmq::queue_keys(self->options_.ns, qname);
        // rsmq passes all three in KEYS; so must we, for the same script to run alike.
        self->eval(self->visibility_script_,
                            {keys.messages, id, decimal(rsmq::time_ms(q.time) + vt * 1000)}, {},
                            [done](std::error_code ec, RedisReply reply) {
                                RsmqError result = ec ? rsmq::from_redis_error(ec, reply) : RsmqError{};
                                call([&] { done(result, !ec && reply.integer == 1); });
                            });
    });
}

// vt is checked after the queue lookup, as rsmq does (a missing queue is reported first).
void RsmqImpl::receive_message_wait(std::string qname, RsmqWaitOptions options, Rsmq::MessageHandler done) {
    Verdict bad = first_failure(
        [&] { return rsmq::check_queue_name(qname); },
        [&] {
            if (options.max_receive_count < 0) {
                return Verdict{make_error_code(errc::invalid_argument), "max_receive_count must not be negative"};
            }
            return options.max_receive_count > 0 ? rsmq::check_queue_name(options.dead_letter_queue) : Verdict{};
        },
        [&] {
            if (options.timeout.count() < 0 || options.idle_check.count() <= 0) {
                return Verdict{make_error_code(errc::invalid_argument),
                               "timeout must not be negative and idle_check must be positive"};
            }
            return Verdict{};
        });
    if (bad) return post([done, bad] { done(to_error(bad), std::nullopt); });
    auto wait = std::make_shared<Wait>();
    wait->qname = std::move(qname);
    wait->options = std::move(options);
    wait->done = std::move(done);
    wait->deadline = std::chrono::steady_clock::now() + wait->options.timeout;
    if (wait->options.timeout.count() > 0) watch(wait->qname);
    attempt(std::move(wait));
}

void RsmqImpl::attempt(std::shared_ptr<Wait> wait) {
    {
        std::lock_guard<std::mutex> lock(timers_mutex_);
        wait->notifications_seen = notifications_[wait->qname];
    }
    const auto& vt = wait->options.vt;
    // A bad vt goes rsmq's way, which reports a missing queue before it.
    if (options_.rsmq_commands || wait->options.max_receive_count > 0 || (vt && rsmq::check_seconds("vt", *vt))) {
        return attempt_rsmq(std::move(wait));
    }
    const std::string lane = receive_lane(wait->qname, vt);
    if (receive_lanes_.add(lane, std::move(wait))) {
        schedule_start(LaneKind::receive, lane);
    }
}

void RsmqImpl::attempt_rsmq(std::shared_ptr<Wait> wait) {
    auto self = shared_from_this();
    lookup(wait->qname, [self, wait](const RsmqError& error, const rsmq::QueueState& q) {
        if (error) return wait->done(error, std::nullopt);
        const long long vt = wait->options.vt.value_or(q.vt);
        if (Verdict bad = rsmq::check_seconds("vt", vt)) return wait->done(to_error(bad), std::nullopt);
        if (self->closed()) return wait->done(closed_error(), std::nullopt);
        const auto keys = rsmq::queue_keys(self->options_.ns, wait->qname);
        const long long now = rsmq::time_ms(q.time);
        auto on_reply = [self, wait, now](std::error_code ec, RedisReply reply) {
            std::optional<RsmqMessage> message;
            bool dead = false;
            RsmqError result = ec ? rsmq::from_redis_error(ec, reply) : rsmq::parse_received(reply, message, dead);
            self->attempted(wait, now, std::move(result), std::move(message), dead);
        };
        if (wait->options.max_receive_count > 0) {
            const auto dead_keys = rsmq::queue_keys(self->options_.ns, wait->options.dead_letter_queue);
            self->eval(self->dead_letter_script_, {keys.messages, dead_keys.messages},
                                {decimal(now), decimal(now + vt * 1000), decimal(wait->options.max_receive_count)},
                                std::move(on_reply));
        } else {
            self->eval(self->receive_script_, {keys.messages, decimal(now), decimal(now + vt * 1000)}, {},
                                std::move(on_reply));
        }
    });
}

void RsmqImpl::attempted(const std::shared_ptr<Wait>& wait, long long server_now_ms, RsmqError result,
                         std::optional<RsmqMessage> message, bool dead) {
    if (dead) {
        result = {make_error_code(errc::dead_lettered),
                  "message " + message->id + " was received " + decimal(message->rc) +
                      " times and moved to queue " + wait->options.dead_letter_queue};
    }
    if (result || message || std::chrono::steady_clock::now() >= wait->deadline) {
        return call([&] { wait->done(result, std::move(message)); });
    }
    wait_then_attempt(wait, server_now_ms);
}

void RsmqImpl::batch_call(const RedisScript& script, const std::string& qname, std::vector<std::string> args,
                          ExecHandler done) {
    ++batch_calls_;
    if (closed()) return post([done] { done(closed_error(), RedisReply{}); });
    const auto keys = rsmq::queue_keys(options_.ns, qname);
    eval(script, {keys.messages, keys.hash}, std::move(args),
         [done = std::move(done)](std::error_code ec, RedisReply reply) {
             done(ec ? rsmq::from_redis_error(ec, reply) : RsmqError{}, reply);
         });
}

std::vector<rsmq::BatchSend> RsmqImpl::batch_sends(const std::vector<PendingSend>& batch) {
    std::vector<rsmq::BatchSend> sends;
    sends.reserve(batch.size());
    for (const auto& pending : batch) sends.push_back({pending.message, pending.delay, pending.random22});
    return sends;
}

void RsmqImpl::schedule_start(LaneKind kind, const std::string& lane) {
    bool first = false;
    {
        std::lock_guard<std::mutex> lock(starts_mutex_);
        first = starts_.empty();
        starts_.emplace_back(kind, lane);
    }
    if (first) asio::post(io_, [self = shared_from_this()] { self->run_starts(); });
}

void RsmqImpl::run_starts() {
    std::vector<std::pair<LaneKind, std::string>> starts;
    {
        std::lock_guard<std::mutex> lock(starts_mutex_);
        starts.swap(starts_);
    }
    for (const auto& [kind, lane] : starts) {
        switch (kind) {
        case LaneKind::send:
            issue_sends(lane, false, nullptr);
            break;
        case LaneKind::receive:
            issue_receives(lane, false);
            break;
        case LaneKind::remove:
            issue_deletes(lane, false);
            break;
        }
    }
}

template <class Item, class Write>
void RsmqImpl::issue(rsmq::BatchLanes<Item>& lanes, const std::string& lane, bool one_ended, const Write& write) {
    std::lock_guard<std::mutex> lock(issue_mutex_);
    for (auto& batch : take_batches(lanes, lane, one_ended, rsmq::BatchLanes<Item>::max_depth)) write(std::move(batch));
}

template <class Item>
typename rsmq::BatchLanes<Item>::Batches RsmqImpl::take_batches(rsmq::BatchLanes<Item>& lanes, const std::string& lane,
                                                                bool one_ended, std::size_t depth) {
    const bool may_split = redis_idle();
    return one_ended ? lanes.ended(lane, depth, may_split) : lanes.start(lane, depth, may_split);
}

void RsmqImpl::issue_receives(const std::string& lane, bool one_ended) {
    issue(receive_lanes_, lane, one_ended, [&](auto batch) { receive_batch(lane, std::move(batch)); });
}

void RsmqImpl::issue_deletes(const std::string& qname, bool one_ended) {
    issue(delete_lanes_, qname, one_ended, [&](auto batch) { delete_batch(qname, std::move(batch)); });
}

void RsmqImpl::issue_sends(const std::string& qname, bool one_ended, const SendClock* came_back) {
    std::lock_guard<std::mutex> lock(issue_mutex_);
    auto clock = send_clocks_.find(qname);
    if (came_back != nullptr) {
        if (clock == send_clocks_.end()) clock = send_clocks_.emplace(qname, SendClock{}).first;
        clock->second.lookup = came_back->lookup;
        clock->second.floor = std::max(clock->second.floor, came_back->floor);
    }
    // Two calls in flight only by transaction: their ids come from one clock, in the order issued,
    // where two scripts would each read TIME.
    const bool transactions = clock != send_clocks_.end() && clock->second.lookup && !options_.realtime;
    const std::size_t depth = transactions ? rsmq::BatchLanes<PendingSend>::max_depth : 1;
    auto batches = take_batches(send_lanes_, qname, one_ended, depth);
    for (auto& batch : batches) send_batch(qname, std::move(batch));
    // An idle lane forgets its lookup: its next call looks the queue up afresh, as rsmq does per send.
    if (batches.empty() && clock != send_clocks_.end() && send_lanes_.idle(qname)) send_clocks_.erase(clock);
}

void RsmqImpl::send_batch(const std::string& qname, std::vector<PendingSend> batch) {
    for (auto& pending : batch) pending.random22 = rsmq::random_id_suffix();
    auto self = shared_from_this();
    const auto clock = send_clocks_.find(qname);
    if (clock != send_clocks_.end() && clock->second.lookup && !options_.realtime) {
        // No script: the lookup came with an earlier call's reply, a round trip or two ago. Ids keep
        // the order sent across calls, even when TIME has moved less than a batch.
        auto& state = clock->second;
        const long long first = std::max(rsmq::micros_of(state.lookup->time), state.floor);
        auto write = rsmq::batch_send_write(rsmq::queue_keys(options_.ns, qname), *state.lookup, first,
                                            batch_sends(batch));
        state.floor = first + static_cast<long long>(batch.size());
        ++batch_calls_;
        return transaction(std::move(write.commands),
                           [self, qname, batch = std::move(batch), results = std::move(write.results)](
                               const RsmqError& error, const RedisReply& exec) mutable {
                               SendClock came_back;
                               const RsmqError failed = error ? error : rsmq::parse_batch_written(exec, came_back.lookup);
                               self->sent_batch(qname, std::move(batch), failed, std::move(results), came_back);
                           });
    }
    const std::string channel = options_.realtime ? rsmq::queue_keys(options_.ns, qname).realtime : std::string();
    auto args = rsmq::batch_send_args(channel, batch_sends(batch));
    batch_call(batch_send_script_, qname, std::move(args),
               [self, qname, batch = std::move(batch)](const RsmqError& error, const RedisReply& reply) mutable {
                   std::vector<rsmq::SendResult> results;
                   rsmq::QueueState state;
                   const RsmqError failed =
                       error ? error : rsmq::parse_batch_sent(reply, batch_sends(batch), results, state);
                   SendClock came_back;
                   if (!failed) came_back = {state, rsmq::micros_of(state.time) + static_cast<long long>(batch.size())};
                   self->sent_batch(qname, std::move(batch), failed, std::move(results), came_back);
               });
}

void RsmqImpl::sent_batch(const std::string& qname, std::vector<PendingSend> batch, const RsmqError& failed,
                          std::vector<rsmq::SendResult> results, const SendClock& came_back) {
    --batch_calls_;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (failed) {
            call([&] { batch[i].done(failed, std::string()); });
        } else {
            call([&] { batch[i].done(results[i].error, std::move(results[i].id)); });
        }
    }
    // After the callbacks, so that what they send joins the next call.
    issue_sends(qname, true, &came_back);
    run_starts();
}

void RsmqImpl::receive_batch(const std::string& lane, std::vector<std::shared_ptr<Wait>> batch) {
    const auto& first = *batch.front();
    auto args = rsmq::batch_receive_args(first.options.vt, batch.size());
    auto self = shared_from_this();
    batch_call(batch_receive_script_, first.qname, std::move(args),
               [self, lane, batch](const RsmqError& error, const RedisReply& reply) mutable {
                   self->received_batch(lane, std::move(batch), error, reply);
               });
}

void RsmqImpl::received_batch(const std::string& lane, std::vector<std::shared_ptr<Wait>> batch,
                              const RsmqError& error, const RedisReply& reply) {
    --batch_calls_;
    std::vector<RsmqMessage> messages;
    long long now = 0;
    const RsmqError failed = error ? error : rsmq::parse_batch_received(reply, batch.size(), messages, now);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        std::optional<RsmqMessage> message;
        if (!failed && i < messages.size()) message = std::move(messages[i]);
        attempted(batch[i], now, failed, std::move(message), false);
    }
    issue_receives(lane, true);
    run_starts();
}

void RsmqImpl::delete_batch(const std::string& qname, std::vector<PendingDelete> batch) {
    auto commands = rsmq::batch_delete_commands(rsmq::queue_keys(options_.ns, qname), ids_of(batch));
    auto self = shared_from_this();
    ++batch_calls_;
    transaction(std::move(commands), [self, qname, batch = std::move(batch)](const RsmqError& error,
                                                                            const RedisReply& exec) mutable {
        self->deleted_batch(qname, std::move(batch), error, exec);
    });
}

void RsmqImpl::deleted_batch(const std::string& qname, std::vector<PendingDelete> batch, const RsmqError& error,
                             const RedisReply& exec) {
    --batch_calls_;
    std::vector<bool> found;
    const RsmqError failed = error ? error : rsmq::parse_batch_deleted(exec, ids_of(batch), found);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        call([&] { batch[i].done(failed, !failed && found[i]); });
    }
    issue_deletes(qname, true);
    run_starts();
}

void RsmqImpl::wait_then_attempt(std::shared_ptr<Wait> wait, long long server_now_ms) {
    // The earliest hidden or delayed message: the queue's lowest score.
    const auto keys = rsmq::queue_keys(options_.ns, wait->qname);
    auto self = shared_from_this();
    command({"ZRANGE", keys.messages, "0", "0", "WITHSCORES"},
            [self, wait, server_now_ms](const RsmqError& error, const RedisReply& reply) {
                if (error) return wait->done(error, std::nullopt);
                using std::chrono::milliseconds;
                milliseconds pause = wait->options.idle_check;
                if (reply.elements.size() == 2) {
                    const double score = std::strtod(reply.elements[1].text.c_str(), nullptr);
                    const auto until_visible = static_cast<long long>(score) - server_now_ms;
                    pause = std::min(pause, milliseconds(std::max(1LL, until_visible)));
                }
                const auto left = std::chrono::duration_cast<milliseconds>(wait->deadline -
                                                                            std::chrono::steady_clock::now());
                pause = std::max(milliseconds(0), std::min(pause, left));
                std::uint64_t key = 0;
                std::shared_ptr<asio::steady_timer> timer;
                {
                    std::lock_guard<std::mutex> lock(self->timers_mutex_);
                    if (self->closed()) return wait->done(closed_error(), std::nullopt);
                    // A notification during the look: look again at once.
                    if (self->notifications_[wait->qname] != wait->notifications_seen) pause = milliseconds(0);
                    timer = std::make_shared<asio::steady_timer>(self->io_, pause);
                    key = self->next_timer_++;
                    self->timers_.emplace(key, PendingTimer{wait->qname, timer});
                }
                timer->async_wait([self, wait, key](const std::error_code&) {
                    {
                        std::lock_guard<std::mutex> lock(self->timers_mutex_);
                        self->timers_.erase(key);
                    }
                    if (self->closed()) return call([&] { wait->done(closed_error(), std::nullopt); });
                    self->attempt(wait);
                });
            });
}

void RsmqImpl::watch(const std::string& qname) {
    std::lock_guard<std::mutex> lock(subscriber_mutex_);
    if (closed() || watched_[qname]) return;
    if (!subscriber_) {
        // Also for a shared client: made from its options, on this object's io_context.
        subscriber_ = std::make_unique<RedisSubscriber>(io_, client_->options());
        std::weak_ptr<RsmqImpl> weak = shared_from_this();
        const std::string prefix = options_.ns + ":rt:";
        subscriber_->on_message([weak, prefix](const std::string& channel, const std::string&, const std::string&) {
            auto self = weak.lock();
            if (self && channel.compare(0, prefix.size(), prefix) == 0) self->notified(channel.substr(prefix.size()));
        });
    }
    watched_[qname] = true;
    subscriber_->subscribe(rsmq::queue_keys(options_.ns, qname).realtime);
}

void RsmqImpl::notified(const std::string& qname) {
    std::lock_guard<std::mutex> lock(timers_mutex_);
    ++notifications_[qname];
    for (auto& [key, pending] : timers_) {
        // Cancelling on the timer's own thread: a timer is not safe to touch from two threads.
        if (pending.qname == qname) asio::post(io_, [timer = pending.timer] { timer->cancel(); });
    }
}

void RsmqImpl::close() {
    if (closed_.exchange(true)) return;
    std::map<std::uint64_t, PendingTimer> timers;
    std::unique_ptr<RedisSubscriber> subscriber;
    {
        std::lock_guard<std::mutex> lock(timers_mutex_);
        timers.swap(timers_);
    }
    {
        std::lock_guard<std::mutex> lock(subscriber_mutex_);
        subscriber = std::move(subscriber_);
    }
    for (auto& [key, pending] : timers) {
        asio::post(io_, [timer = pending.timer] { timer->cancel(); });
    }
    subscriber.reset();
    if (owns_client_) client_->close();
    if (thread_) thread_->finish();
}

}  // namespace ipcxx::detail
