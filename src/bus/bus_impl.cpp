#include "bus/bus_impl.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <random>

#include <asio/bind_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>

#include "codec/event_names.hpp"
#include "ipcxx/error.hpp"
#include "payload_data.hpp"

namespace ipcxx::detail {
namespace bus_impl {

std::string random_hex(int digits) {
    std::random_device device;
    std::uniform_int_distribution<int> nibble(0, 15);
    std::string out;
    for (int i = 0; i < digits; ++i) out += "0123456789abcdef"[nibble(device)];
    return out;
}

std::string default_consumer() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
    return std::string(host) + "-" + std::to_string(getpid()) + "-" + random_hex(6);
}

std::uint64_t now_ms() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

Payload payload_of(const std::string& msgpack) { return msgpack.empty() ? Payload() : PayloadAccess::trusted(msgpack); }

std::string what_failed(std::error_code ec, const RedisReply& reply) {
    return ec == errc::redis_error_reply ? reply.text : ec.message();
}

}  // namespace bus_impl

BusImpl::BusImpl(asio::io_context& io, BusOptions options)
    : io_(io),
      strand_(asio::make_strand(io)),
      options_(std::move(options)),
      keys_(options_.name),
      events_(Side::client, config_),
      fsm_(ConsumerSettings{}) {
    if (options_.consumer.empty()) options_.consumer = bus_impl::default_consumer();
    config_.id = "bus " + options_.name;
    config_.logger = options_.logger;
    config_.silent = options_.silent;
    settings_.key = keys_.events;
    settings_.dead_key = keys_.dead;
    settings_.group = options_.group;
    settings_.consumer = options_.consumer;
    settings_.max_deliveries = options_.max_deliveries;
    settings_.batch = options_.batch;
    settings_.block = options_.block;
    settings_.claim_min_idle = options_.claim_min_idle;
    fsm_ = ConsumerFsm(settings_);
    // A token of this bus object's own: a consumer restarted under the same name never reads the
    // answers meant for its previous life (request ids start again at 1).
    reply_key_ = keys_.reply(options_.consumer + ":" + bus_impl::random_hex(8));
    pending_ = std::make_shared<PendingRequests>(strand_, [this](const std::string& what) {
        report(make_error_code(errc::handler_exception), "a response callback threw: " + what);
    });
    claim_timer_ = std::make_shared<asio::steady_timer>(strand_);
    retry_timer_ = std::make_shared<asio::steady_timer>(strand_);
    reply_retry_timer_ = std::make_shared<asio::steady_timer>(strand_);
}

BusImpl::~BusImpl() = default;

BusImpl::Connections BusImpl::make_connections() {
    Connections made;
    std::weak_ptr<BusImpl> weak = weak_from_this();
    made.commands = std::make_shared<RedisClient>(io_, options_.redis);
    made.commands->on_connect([weak] {
        if (auto self = weak.lock()) asio::dispatch(self->strand_, [self] { self->events_.publish("connect"); });
    });
    made.commands->on_disconnect([weak](std::error_code) {
        if (auto self = weak.lock()) asio::dispatch(self->strand_, [self] { self->events_.publish("disconnect"); });
    });
    made.commands->on_error([weak](std::error_code ec, const std::string& message) {
        auto self = weak.lock();
        if (!self) return;
        asio::dispatch(self->strand_, [self, ec, message] { self->report(ec, "redis: " + message); });
    });
    if (options_.consume) {
        RedisOptions blocking = options_.redis;
        blocking.command_timeout = std::chrono::milliseconds(0);  // XREADGROUP BLOCK waits on purpose
        made.reader = std::make_shared<RedisClient>(io_, blocking);
    }
    return made;
}

std::shared_ptr<RedisClient> BusImpl::client(std::shared_ptr<RedisClient> BusImpl::*which) {
    {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        if (commands_ || closed_) return this->*which;
    }
    // Connected at the first use, so that handlers set after construction see the first connect.
    // Made outside clients_mutex_: a client's own lock is held while it calls our handlers.
    Connections made = make_connections();
    std::lock_guard<std::mutex> lock(clients_mutex_);
    if (!commands_ && !closed_) {
        commands_ = std::move(made.commands);
        reader_ = std::move(made.reader);
    }
    // Another thread's connections won; `made` is dropped after the lock is released.
    return this->*which;
}

void BusImpl::close() {
    if (closed_.exchange(true)) return;
    std::shared_ptr<RedisClient> commands, reader, replies;
    std::shared_ptr<RedisSubscriber> subscriber;
    {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        commands = std::move(commands_);
        reader = std::move(reader_);
        replies = std::move(replies_);
        subscriber = std::move(subscriber_);
    }
    // Emits not sent yet end here with not_connected and are counted as undelivered.
    for (auto* c : {commands.get(), reader.get(), replies.get()}) {
        if (c) c->close();
    }
    if (subscriber) subscriber->close();
    std::vector<std::uint64_t> links;
    {
        std::lock_guard<std::mutex> lock(served_mutex_);
        for (const auto& entry : served_) links.push_back(entry.first);
    }
    // Their deadline timers would otherwise keep the I/O thread running until they expire.
    for (std::uint64_t link : links) {
        for (auto& state : active_.take_link(link)) state->cancel(make_error_code(errc::not_connected));
    }
    asio::dispatch(strand_, [self = shared_from_this()] {
        self->claim_timer_->cancel();
        self->retry_timer_->cancel();
        self->reply_retry_timer_->cancel();
        self->pending_->fail_where([](std::uint64_t, std::uint64_t) { return true; },
                                   make_error_code(errc::not_connected), "the bus was closed");
    });
}

bool BusImpl::connected() const noexcept {
    std::shared_ptr<RedisClient> commands;
    {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        commands = commands_;
    }
    // Asked outside clients_mutex_, which a client's callbacks may take under the client's own lock.
    return commands && commands->connected();
}

RedisClient::ReplyHandler BusImpl::on_strand(std::function<void(std::error_code, RedisReply)> f) {
    return [weak = weak_from_this(), f = std::move(f)](std::error_code ec, RedisReply reply) {
        auto self = weak.lock();
        if (!self || self->closed_) return;
        // Moved all the way: a batch's reply is a tree of hundreds of strings.
        asio::dispatch(self->strand_, [self, f, ec, reply = std::move(reply)]() mutable {
            if (!self->closed_) f(ec, std::move(reply));
        });
    };
}

bool BusImpl::validate(std::string_view event, std::error_code& ec) const {
    if (event.empty()) ec = make_error_code(errc::invalid_argument);
    else if (is_reserved_event(event)) ec = make_error_code(errc::reserved_event);
    else if (closed_) ec = make_error_code(errc::not_connected);
    return !ec;
}

std::vector<std::string> BusImpl::xadd(const std::string& key) const {
    std::vector<std::string> args;
    args.reserve(16);  // room for the longest entry (a request's fields), so that it never moves
    args.emplace_back("XADD");
    args.push_back(key);
    if (options_.max_len > 0) {
        args.emplace_back("MAXLEN");
        args.emplace_back("~");
        args.push_back(std::to_string(options_.max_len));
    }
    args.emplace_back("*");
    return args;
}

std::error_code BusImpl::emit(std::string_view event, std::string_view data) {
    std::error_code ec;
    if (!validate(event, ec)) return ec;
    auto commands = client(&BusImpl::commands_);
    if (!commands) return make_error_code(errc::not_connected);
    std::vector<std::string> args = xadd(keys_.events);
    append_event_fields(args, event, data);
    commands->command(std::move(args), [weak = weak_from_this()](std::error_code failed, RedisReply) {
        if (!failed) return;
        if (auto self = weak.lock()) self->count_undelivered(failed);
    });
    return {};
}

std::error_code BusImpl::flush(std::chrono::milliseconds timeout) {
    if (on_io_thread()) return make_error_code(errc::would_deadlock);
    auto commands = client(&BusImpl::commands_);
    if (!commands) return make_error_code(errc::not_connected);
    // Replies come in order: once PING is answered, every command written before it has been too.
    auto done = std::make_shared<std::promise<std::error_code>>();
    auto answered = done->get_future();
    commands->command({"PING"}, [done](std::error_code ec, RedisReply) { done->set_value(ec); });
    if (answered.wait_for(timeout) != std::future_status::ready) return make_error_code(errc::request_timeout);
    return answered.get();
}

std::error_code BusImpl::publish(std::string_view event, std::string_view data) {
    std::error_code ec;
    if (!validate(event, ec)) return ec;
    auto commands = client(&BusImpl::commands_);
    if (!commands) return make_error_code(errc::not_connected);
    commands->command({"PUBLISH", keys_.channel(event), std::string(data)},
                      [weak = weak_from_this()](std::error_code failed, RedisReply) {
                          if (!failed) return;
                          if (auto self = weak.lock()) self->count_undelivered(failed);
                      });
    return {};
}

void BusImpl::subscribe(std::string_view name, bool pattern) {
    auto subscriber = this->subscriber();
    if (!subscriber) return;
    if (pattern) subscriber->psubscribe(keys_.channel(name));
    else subscriber->subscribe(keys_.channel(name));
}

std::shared_ptr<RedisSubscriber> BusImpl::subscriber() {
    std::shared_ptr<RedisSubscriber> subscriber;
    {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        if (closed_) return nullptr;
        subscriber = subscriber_;
    }
    if (!subscriber) {
        auto made = std::make_shared<RedisSubscriber>(io_, options_.redis);
        std::weak_ptr<BusImpl> weak = weak_from_this();
        made->on_message([weak](const std::string& channel, const std::string& message, const std::string&) {
            auto self = weak.lock();
            if (!self || self->closed_) return;
            asio::dispatch(self->strand_, [self, channel, message] { self->on_published(channel, message); });
        });
        made->on_error([weak](std::error_code ec, const std::string& message) {
            if (auto self = weak.lock()) {
                asio::dispatch(self->strand_, [self, ec, message] { self->report(ec, "redis subscriber: " + message); });
            }
        });
        std::lock_guard<std::mutex> lock(clients_mutex_);
        if (closed_) return nullptr;
        if (!subscriber_) subscriber_ = made;
        subscriber = subscriber_;
    }
    return subscriber;
}

void BusImpl::on_published(const std::string& channel, const std::string& message) {
    if (channel == keys_.cancel_channel) return on_cancel_published(message);
    if (channel.compare(0, keys_.channel_prefix.size(), keys_.channel_prefix) != 0) return;
    const std::string event = channel.substr(keys_.channel_prefix.size());
    Payload data;
    if (!message.empty()) {
        try {
            data = Payload::from_msgpack(message);
        } catch (const std::exception&) {
            report(make_error_code(errc::invalid_message), "a message published as '" + event + "' is not one msgpack value",
                   event);
            return;
        }
    }
    dispatch(event, data);
}

// ---- consuming ----

void BusImpl::start() {
    if (!options_.consume || started_.exchange(true)) return;
    asio::dispatch(strand_, [self = shared_from_this()] {
        self->create_group();
        self->claim_later();
    });
}

void BusImpl::create_group() {
    auto commands = client(&BusImpl::commands_);
    if (!commands) return;
    commands->command(fsm_.create_group(), on_strand([this](std::error_code ec, const RedisReply& reply) {
        if (ec && !(ec == errc::redis_error_reply && ConsumerFsm::group_exists(reply.text))) {
            if (ec == errc::redis_error_reply) report(ec, "XGROUP CREATE: " + reply.text);
            return retry_later(&BusImpl::create_group);
        }
        fsm_.restart();
        read_next();
    }));
}

void BusImpl::read_next() {
    auto reader = client(&BusImpl::reader_);
    if (!reader) return;
    reader->command(fsm_.next_read(), on_strand([this](std::error_code ec, const RedisReply& reply) {
        if (ec) {
            // A lost connection or a lost group (Redis restarted): make sure of the group, then
            // re-read this consumer's pending entries before new ones.
            if (ec == errc::redis_error_reply && !ConsumerFsm::group_missing(reply.text)) {
                report(ec, "XREADGROUP: " + reply.text);
            }
            return retry_later(&BusImpl::create_group);
        }
        std::error_code bad;
        std::string detail;
        ConsumerBatch batch = fsm_.on_read(reply, bad, detail);
        if (bad) {
            report(bad, "XREADGROUP: " + detail);
            return retry_later(&BusImpl::create_group);
        }
        process(std::move(batch), [this] { read_next(); });
    }));
}

void BusImpl::retry_later(void (BusImpl::*step)()) {
    retry_timer_->expires_after(options_.redis.retry);
    retry_timer_->async_wait(asio::bind_executor(strand_, [weak = weak_from_this(), step](std::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->closed_) return;
        (self.get()->*step)();
    }));
}

void BusImpl::claim_later() {
    claim_timer_->expires_after(options_.claim_interval);
    claim_timer_->async_wait(asio::bind_executor(strand_, [weak = weak_from_this()](std::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->closed_) return;
        self->claim();
    }));
}

void BusImpl::claim() {
    auto commands = client(&BusImpl::commands_);
    if (!commands) return;
    commands->command(fsm_.next_claim(), on_strand([this](std::error_code ec, const RedisReply& reply) {
        if (ec) {
            if (ec == errc::redis_error_reply && !ConsumerFsm::group_missing(reply.text)) {
                report(ec, "XAUTOCLAIM: " + reply.text);
            }
            return claim_later();
        }
        std::error_code bad;
        std::string detail;
        ConsumerBatch batch = fsm_.on_claim(reply, bad, detail);
        if (bad) {
            report(bad, "XAUTOCLAIM: " + detail);
            return claim_later();
        }
        process(std::move(batch), [this] { claim_later(); });
    }));
}

void BusImpl::process(ConsumerBatch batch, std::function<void()> then) {
    for (EntryVerdict& verdict : batch.ready) act(verdict);
    auto commands = client(&BusImpl::commands_);
    if (batch.to_count.empty() || !commands) return then();
    std::vector<std::string> query = fsm_.pending_query(batch.to_count);
    commands->command(std::move(query), on_strand([this, entries = std::move(batch.to_count), then = std::move(then)](
                                                      std::error_code ec, const RedisReply& reply) mutable {
        if (ec) {
            // Left pending: claimed again later.
            report(ec, "XPENDING: " + bus_impl::what_failed(ec, reply));
            return then();
        }
        std::error_code bad;
        std::string detail;
        std::vector<EntryVerdict> verdicts = fsm_.on_pending(std::move(entries), reply, bad, detail);
        if (bad) report(bad, "XPENDING: " + detail);
        for (EntryVerdict& verdict : verdicts) act(verdict);
        then();
    }));
}

void BusImpl::act(EntryVerdict& verdict) {
    switch (verdict.action) {
    case EntryVerdict::Action::trimmed:
        ack(verdict.entry.id);
        report(make_error_code(errc::entry_trimmed), verdict.reason);
        return;
    case EntryVerdict::Action::dead_letter: {
        auto commands = client(&BusImpl::commands_);
        if (!commands) return;
        commands->command(fsm_.dead_letter(verdict),
                          on_strand([this, id = verdict.entry.id, reason = verdict.reason,
                                     event = verdict.decoded.event](std::error_code ec, const RedisReply& reply) {
                              if (ec) {
                                  report(ec, "entry " + id + " could not be dead-lettered (" + reason +
                                                 "): " + bus_impl::what_failed(ec, reply));
                                  return;
                              }
                              ack(id);
                              report(make_error_code(errc::dead_lettered), "entry " + id + " dead-lettered: " + reason, event);
                          }));
        return;
    }
    case EntryVerdict::Action::deliver:
        if (verdict.decoded.kind == BusEntry::Kind::request) deliver_request(verdict);
        else deliver_event(verdict);
        return;
    }
}

void BusImpl::deliver_event(const EntryVerdict& verdict) {
    // Unacknowledged when a handler threw: delivered again after claim_min_idle.
    if (dispatch(verdict.decoded.event, bus_impl::payload_of(verdict.decoded.data))) ack(verdict.entry.id);
}

bool BusImpl::dispatch(std::string_view event, const Payload& data) {
    EventArgs args;
    args.event = event;
    args.data = &data;
    bool threw = false;
    events_.registry().dispatch(args, true, [&](const std::string& what, bool conversion) {
        threw = true;
        report(make_error_code(conversion ? errc::conversion_failed : errc::handler_exception),
               conversion ? what : "handler for '" + std::string(event) + "' threw: " + what, std::string(event));
    });
    return !threw;
}

void BusImpl::deliver_request(const EntryVerdict& verdict) {
    const BusEntry& entry = verdict.decoded;
    const std::uint64_t sent = stream_id_ms(verdict.entry.id);
    const std::uint64_t now = bus_impl::now_ms();
    const std::uint64_t age = now > sent ? now - sent : 0;
    if ((entry.timeout_ms > 0 && age >= entry.timeout_ms) || cancelled_before_served(verdict.entry.id)) {
        // Its requester has given up (deadline or cancel): answering would only fill its reply stream.
        ack(verdict.entry.id);
        return;
    }
    const std::uint64_t link = next_link_++;
    {
        std::lock_guard<std::mutex> lock(served_mutex_);
        served_[link] = Served{entry.reply_to, verdict.entry.id, entry.rid};
    }
    ReceivedRequest request;
    request.id = entry.rid;
    request.link = link;
    request.event = entry.event;
    request.args = bus_impl::payload_of(entry.data);
    request.timeout_ms = entry.timeout_ms > 0 ? entry.timeout_ms - age : 0;
    serve_request(request_handlers_, active_, shared_from_this(), std::move(request), strand_, false);
}

void BusImpl::ack(const std::string& id) {
    // Gathered while the strand handles a batch, and sent as one XACK right after it.
    acks_.push_back(id);
    if (acks_.size() > 1) return;
    asio::post(strand_, [self = shared_from_this()] { self->send_acks(); });
}

void BusImpl::send_acks() {
    auto commands = client(&BusImpl::commands_);
    if (!commands || acks_.empty()) return;
    std::vector<std::string> ids = std::move(acks_);
    acks_.clear();
    const std::size_t count = ids.size();
    commands->command(fsm_.ack(ids), on_strand([this, count](std::error_code ec, const RedisReply& reply) {
        // Left pending: delivered again after claim_min_idle.
        if (ec) report(ec, "XACK of " + std::to_string(count) + " entries: " + bus_impl::what_failed(ec, reply));
    }));
}

// ---- answering requests (RequestOwner; any thread) ----

std::error_code BusImpl::send_reply(std::uint64_t link, const NativeFrame& response) {
    Served served;
    {
        std::lock_guard<std::mutex> lock(served_mutex_);
        auto it = served_.find(link);
        if (it == served_.end()) return make_error_code(errc::not_connected);
        served = std::move(it->second);
        served_.erase(it);
    }
    auto commands = client(&BusImpl::commands_);
    if (!commands) return make_error_code(errc::not_connected);
    std::vector<std::string> args{"XADD", served.reply_to, "MAXLEN", "~", "1000", "*"};
    append_reply_fields(args, response);
    const std::string event = "reply to request " + std::to_string(response.id);
    commands->command(std::move(args), on_strand([this, event](std::error_code ec, const RedisReply& reply) {
        if (ec) report(make_error_code(errc::undelivered), event + " not delivered: " + bus_impl::what_failed(ec, reply), {}, 1);
    }));
    // A reply stream whose requester is gone disappears a minute after its last answer.
    commands->command({"PEXPIRE", served.reply_to, "60000"}, [](std::error_code, RedisReply) {});
    commands->command(fsm_.ack({served.entry_id}), [](std::error_code, RedisReply) {});
    return {};
}

void BusImpl::reply_undelivered(const ReceivedRequest& request, std::error_code ec) {
    asio::dispatch(strand_, [self = shared_from_this(), error = undelivered_reply(request, ec)]() mutable {
        self->events_.publish_error(std::move(error));
    });
}

void BusImpl::reply_dropped(const ReceivedRequest& request) {
    Served served;
    {
        std::lock_guard<std::mutex> lock(served_mutex_);
        auto it = served_.find(request.link);
        if (it == served_.end()) return;
        served = std::move(it->second);
        served_.erase(it);
    }
    if (auto commands = client(&BusImpl::commands_)) commands->command(fsm_.ack({served.entry_id}), [](std::error_code, RedisReply) {});
}

void BusImpl::forget(std::uint64_t link, RequestId id) { active_.forget(link, id); }

void BusImpl::run_handler(std::uint64_t, std::function<void()> f) { asio::dispatch(strand_, std::move(f)); }

// ---- requesting ----

RequestId BusImpl::request(std::string_view event, std::string_view args, std::chrono::milliseconds timeout,
                           ResponseHandler on_response) {
    if (timeout.count() <= 0) timeout = options_.request_timeout;
    const RequestId id = pending_->next_id();
    // Called on the strand, where sent_requests_ lives.
    pending_->add(id, 0,
                  [weak = weak_from_this(), id, on_response = std::move(on_response)](const Response& response) {
                      if (auto self = weak.lock()) self->sent_requests_.erase(id);
                      if (on_response) on_response(response);
                  },
                  timeout);
    std::error_code ec;
    auto commands = client(&BusImpl::commands_);
    if (!validate(event, ec) || !commands) {
        if (!ec) ec = make_error_code(errc::not_connected);
        pending_->complete_later(id, failure(ec, "request '" + std::string(event) + "' not sent: " + ec.message()));
        return id;
    }
    start_replies();
    std::vector<std::string> command = xadd(keys_.events);
    append_request_fields(command, event, args, id, reply_key_, static_cast<std::uint64_t>(timeout.count()));
    commands->command(std::move(command), on_strand([this, id, name = std::string(event)](std::error_code failed,
                                                                                           const RedisReply& reply) {
        if (!failed) return on_request_sent(id, reply.text);
        cancel_when_sent_.erase(id);
        pending_->complete(id, failure(failed, "request '" + name + "' not sent: " + bus_impl::what_failed(failed, reply)));
    }));
    return id;
}

// ---- cancelling (protocol/bus.md, "Cancel") ----

void BusImpl::cancel(RequestId id) {
    asio::post(strand_, [self = shared_from_this(), id] { self->cancel_here(id); });
}

void BusImpl::cancel_here(RequestId id) {
    auto sent = sent_requests_.find(id);
    const std::string entry_id = sent == sent_requests_.end() ? std::string() : sent->second;
    if (!pending_->complete(id, failure(make_error_code(errc::request_cancelled), "request cancelled"))) return;
    if (entry_id.empty()) cancel_when_sent_.insert(id);
    else send_cancel(entry_id);
}

void BusImpl::on_request_sent(RequestId id, const std::string& entry_id) {
    if (cancel_when_sent_.erase(id) != 0) return send_cancel(entry_id);
    if (pending_->outstanding(id)) sent_requests_[id] = entry_id;
}

void BusImpl::send_cancel(const std::string& entry_id) {
    auto commands = client(&BusImpl::commands_);
    if (!commands) return;
    // XDEL: no consumer reads the request any more; PUBLISH: the one serving it stops.
    commands->command({"XDEL", keys_.events, entry_id}, on_strand([this, entry_id](std::error_code ec, const RedisReply& reply) {
        if (ec) {
            report(make_error_code(errc::undelivered),
                   "the cancel of request entry " + entry_id + " not delivered: " + bus_impl::what_failed(ec, reply), {}, 1);
        }
    }));
    commands->command({"PUBLISH", keys_.cancel_channel, entry_id}, [](std::error_code, RedisReply) {});
}

void BusImpl::watch_cancels() {
    if (!options_.consume || cancels_watched_.exchange(true)) return;
    if (auto subscriber = this->subscriber()) subscriber->subscribe(keys_.cancel_channel);
}

void BusImpl::on_cancel_published(const std::string& entry_id) {
    std::uint64_t link = 0;
    RequestId rid = 0;
    {
        std::lock_guard<std::mutex> lock(served_mutex_);
        for (const auto& [served_link, served] : served_) {
            if (served.entry_id != entry_id) continue;
            link = served_link;
            rid = served.rid;
            break;
        }
    }
    if (link == 0) {
        constexpr std::size_t remembered = 1024;
        if (!recent_cancels_.insert(entry_id).second) return;
        recent_cancels_order_.push_back(entry_id);
        if (recent_cancels_order_.size() > remembered) {
            recent_cancels_.erase(recent_cancels_order_.front());
            recent_cancels_order_.pop_front();
        }
        return;
    }
    // Cancelled before the entry is let go: an answer racing this on another thread is then dropped
    // (reply_dropped) instead of finding no entry and being reported undelivered.
    if (auto state = active_.take(link, rid)) state->cancel(make_error_code(errc::request_cancelled));
    bool ours = false;
    {
        std::lock_guard<std::mutex> lock(served_mutex_);
        ours = served_.erase(link) != 0;
    }
    if (ours) ack(entry_id);
}

bool BusImpl::cancelled_before_served(const std::string& entry_id) const {
    return recent_cancels_.count(entry_id) != 0;
}

void BusImpl::start_replies() {
    if (replies_started_.exchange(true)) return;
    RedisOptions blocking = options_.redis;
    blocking.command_timeout = std::chrono::milliseconds(0);
    auto replies = std::make_shared<RedisClient>(io_, blocking);
    {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        if (closed_) return;
        replies_ = std::move(replies);
    }
    asio::dispatch(strand_, [self = shared_from_this()] { self->read_replies(); });
}

void BusImpl::read_replies() {
    auto replies = client(&BusImpl::replies_);
    if (!replies) return;
    replies->command({"XREAD", "COUNT", "100", "BLOCK", std::to_string(options_.block.count()), "STREAMS", reply_key_,
                      reply_cursor_},
                     on_strand([this](std::error_code ec, const RedisReply& reply) {
                         std::vector<StreamEntry> entries;
                         std::string detail;
                         if (!ec) ec = parse_stream_read(reply, entries, detail);
                         if (ec) {
                             if (ec != errc::connection_lost && ec != errc::not_connected) {
                                 report(ec, "reading replies: " + (detail.empty() ? bus_impl::what_failed(ec, reply) : detail));
                             }
                             reply_retry_timer_->expires_after(options_.redis.retry);
                             reply_retry_timer_->async_wait(asio::bind_executor(
                                 strand_, [weak = weak_from_this()](std::error_code stopped) {
                                     auto self = weak.lock();
                                     if (!stopped && self && !self->closed_) self->read_replies();
                                 }));
                             return;
                         }
                         for (const StreamEntry& entry : entries) {
                             reply_cursor_ = entry.id;
                             RequestId rid = 0;
                             Response response;
                             if (auto bad = decode_reply_entry(entry, rid, response, detail)) {
                                 report(bad, detail);
                                 continue;
                             }
                             // Unknown ids are answers that came after their request ended.
                             pending_->complete(rid, std::move(response));
                         }
                         read_replies();
                     }));
}

// ---- reports ----

void BusImpl::count_undelivered(std::error_code why) {
    {
        std::lock_guard<std::mutex> lock(undelivered_mutex_);
        if (!undelivered_why_) undelivered_why_ = why;
    }
    if (undelivered_.fetch_add(1) != 0) return;
    // One report for a burst: the failures of one lost connection come together.
    asio::post(strand_, [self = shared_from_this()] {
        const std::size_t count = self->undelivered_.exchange(0);
        std::error_code cause;
        {
            std::lock_guard<std::mutex> lock(self->undelivered_mutex_);
            cause = std::exchange(self->undelivered_why_, {});
        }
        self->report(make_error_code(errc::undelivered),
                     std::to_string(count) + " message(s) not delivered to Redis: " + cause.message(), {}, count);
    });
}

void BusImpl::report(std::error_code ec, std::string message, std::string event, std::size_t undelivered) {
    ErrorEvent error;
    error.code = ec;
    error.message = std::move(message);
    error.event = std::move(event);
    error.undelivered = undelivered;
    events_.publish_error(std::move(error));
}

}  // namespace ipcxx::detail
