// RedisSubscriber: a connection of its own in Redis's subscribe mode (pub/sub over RESP2).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "ipcxx/export.hpp"
#include "ipcxx/redis.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

namespace detail {
class RedisImpl;
struct RedisSubscriptions;
}  // namespace detail

/// Receives Redis pub/sub messages on a dedicated connection (RESP2's subscribe mode allows no other
/// commands on it; publish with RedisClient's `command({"PUBLISH", channel, message})`).
///
/// Delivery is at most once, as Redis's pub/sub is: a message published while this connection is
/// down is never seen. After a reconnect every channel and pattern subscribed is subscribed again
/// (and `subscribed` fires again for each).
///
/// Events, on the I/O thread (the library's, or the caller's io_context): `message`, `subscribed`,
/// and `connect`, `disconnect`, `error` as RedisClient's (an error reply to a subscription is an
/// `error` event with errc::redis_error_reply).
///
/// Thread safety: every call and the destructor are safe from any thread, including from inside a
/// handler; no handler runs after the destructor returns, and handlers of one subscriber never run at
/// once. The options are RedisClient's; command_timeout does not apply (nothing here awaits a reply).
class IPCXX_API RedisSubscriber {
public:
    /// A message: its channel, its bytes, and the pattern it matched (empty unless by psubscribe).
    using MessageHandler =
        std::function<void(const std::string& channel, const std::string& message, const std::string& pattern)>;

    /// Runs on the library's I/O thread. It connects at its first subscription.
    explicit RedisSubscriber(RedisOptions options);
    /// Runs on the caller's io_context, which must be run and outlive this object.
    RedisSubscriber(asio::io_context& io, RedisOptions options);
    /// Closes the connection. No handler runs after it returns.
    ~RedisSubscriber();
    RedisSubscriber(const RedisSubscriber&) = delete;
    RedisSubscriber& operator=(const RedisSubscriber&) = delete;

    /// Handler of `message`.
    void on_message(MessageHandler handler);
    /// Handler of `subscribed`: Redis confirmed a channel (or, `pattern` true, a pattern), with the
    /// number of subscriptions this connection now has.
    void on_subscribed(std::function<void(const std::string& name, bool pattern, long long count)> handler);
    /// Handler of `connect`.
    void on_connect(std::function<void()> handler);
    /// Handler of `disconnect`.
    void on_disconnect(std::function<void(std::error_code)> handler);
    /// Handler of `error`.
    void on_error(std::function<void(std::error_code, const std::string&)> handler);

    /// Subscribes to a channel (now, or as soon as connected).
    void subscribe(const std::string& channel);
    /// Subscribes to a glob-style pattern (`news.*`).
    void psubscribe(const std::string& pattern);
    /// Ends a channel's subscription.
    void unsubscribe(const std::string& channel);
    /// Ends a pattern's subscription.
    void punsubscribe(const std::string& pattern);

    /// Closes the connection and stops reconnecting.
    void close();
    /// Whether the connection is up at this moment.
    bool connected() const noexcept;

private:
    void send(const char* verb, const std::string& name);

    std::shared_ptr<detail::RedisSubscriptions> subscriptions_;
    std::shared_ptr<detail::RedisImpl> impl_;
};

}  // namespace ipcxx
