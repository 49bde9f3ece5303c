// The public RedisSubscriber: RedisImpl in subscribe mode, with RedisSubscriptions.
#include "ipcxx/redis_subscriber.hpp"

#include "codec/resp_encode.hpp"
#include "redis/redis_impl.hpp"
#include "redis/redis_subscriptions.hpp"

namespace ipcxx {
namespace redis_subscriber_parts {

std::shared_ptr<detail::RedisImpl> make_impl(std::shared_ptr<detail::IoThread> thread, asio::io_context& io,
                                             RedisOptions options,
                                             const std::shared_ptr<detail::RedisSubscriptions>& subscriptions) {
    options.command_timeout = std::chrono::milliseconds(0);
    detail::RedisImpl::SubscribeMode mode;
    // The impl's own error event is reached through a weak pointer: it owns this function.
    auto impl_slot = std::make_shared<std::weak_ptr<detail::RedisImpl>>();
    mode.on_push = [subscriptions, impl_slot](RedisReply push) {
        subscriptions->dispatch(push, [impl_slot](std::error_code ec, const std::string& message) {
            if (auto impl = impl_slot->lock()) impl->emit_error(ec, message);
        });
    };
    mode.on_ready = [subscriptions] { return subscriptions->resubscribe_commands(); };
    auto impl = detail::RedisImpl::create(std::move(thread), io, std::move(options), std::move(mode), "RedisSubscriber");
    *impl_slot = impl;
    return impl;
}

}  // namespace redis_subscriber_parts

RedisSubscriber::RedisSubscriber(RedisOptions options) : subscriptions_(std::make_shared<detail::RedisSubscriptions>()) {
    auto thread = detail::IoThread::start(std::chrono::microseconds(0));
    asio::io_context& io = thread->context();
    impl_ = redis_subscriber_parts::make_impl(std::move(thread), io, std::move(options), subscriptions_);
}

RedisSubscriber::RedisSubscriber(asio::io_context& io, RedisOptions options)
    : subscriptions_(std::make_shared<detail::RedisSubscriptions>()),
      impl_(redis_subscriber_parts::make_impl(nullptr, io, std::move(options), subscriptions_)) {}

RedisSubscriber::~RedisSubscriber() { impl_->destroy(); }

void RedisSubscriber::on_message(MessageHandler handler) {
    auto lock = impl_->lock_callbacks();
    subscriptions_->on_message = std::move(handler);
}

void RedisSubscriber::on_subscribed(std::function<void(const std::string&, bool, long long)> handler) {
    auto lock = impl_->lock_callbacks();
    subscriptions_->on_subscribed = std::move(handler);
}

void RedisSubscriber::on_connect(std::function<void()> handler) { impl_->on_connect(std::move(handler)); }
void RedisSubscriber::on_disconnect(std::function<void(std::error_code)> handler) {
    impl_->on_disconnect(std::move(handler));
}
void RedisSubscriber::on_error(std::function<void(std::error_code, const std::string&)> handler) {
    impl_->on_error(std::move(handler));
}

void RedisSubscriber::send(const char* verb, const std::string& name) {
    if (!subscriptions_->change(verb, name)) return;
    std::string bytes;
    detail::append_resp_command(std::vector<std::string>{verb, name}, bytes);
    impl_->send_encoded(std::move(bytes));
}

void RedisSubscriber::subscribe(const std::string& channel) { send("SUBSCRIBE", channel); }
void RedisSubscriber::psubscribe(const std::string& pattern) { send("PSUBSCRIBE", pattern); }
void RedisSubscriber::unsubscribe(const std::string& channel) { send("UNSUBSCRIBE", channel); }
void RedisSubscriber::punsubscribe(const std::string& pattern) { send("PUNSUBSCRIBE", pattern); }

void RedisSubscriber::close() { impl_->close(); }

bool RedisSubscriber::connected() const noexcept { return impl_->connected(); }

}  // namespace ipcxx
