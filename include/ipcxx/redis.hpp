// RedisClient: one connection to a Redis server on Asio (RESP2), with pipelining, reconnects,
// timeouts and scripts; the engine under the rsmq queues and the event bus.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ipcxx/config.hpp"
#include "ipcxx/export.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

namespace detail {
class RedisImpl;
class RedisClusterImpl;
}

/// One RESP2 reply. An error reply is delivered with errc::redis_error_reply and its text in `text`.
struct RedisReply {
    /// The RESP2 type of a reply.
    enum class Kind {
        nil,     ///< a null bulk string or null array
        status,  ///< a simple string (`+OK`)
        error,   ///< an error reply (`-ERR ...`)
        integer, ///< an integer (`:1`)
        bulk,    ///< a bulk string (binary-safe)
        array,   ///< an array of replies
    };
    Kind kind = Kind::nil;              ///< which of the fields below holds the value
    std::string text;                   ///< status, error and bulk replies
    long long integer = 0;              ///< integer replies
    std::vector<RedisReply> elements;   ///< array replies

    /// Whether the reply is a null bulk string or null array.
    bool is_nil() const noexcept { return kind == Kind::nil; }
};

/// Where and how a RedisClient connects.
struct RedisOptions {
    /// `redis://[[user]:password@]host[:port][/db]`, `rediss://...` (TLS, with `tls` below), or
    /// `unix://[[user]:password@]/path/to/socket[?db=N]`. Port 6379 and database 0 by default; a
    /// password alone authenticates as the default user (`AUTH password`), with a user by ACL.
    /// Anything else: errc::redis_bad_url.
    ///
    /// `redis+cluster://[[user]:password@]host:port[,host:port...]` connects to a Redis Cluster
    /// (docs/redis.md, "Running against a cluster"): the slot map is read from the first seed, and
    /// each command goes to the master of its first key's slot, following MOVED and ASK.
    /// `rediss+cluster://...`: the same with TLS (`tls` below) to every node.
    std::string url = "redis://127.0.0.1:6379";
    /// For `rediss://`: the CA, client certificate and key, server name (the library's TLS settings;
    /// `enabled` is implied by the scheme).
    TlsConfig tls;
    /// How long one connection attempt (including TLS, AUTH and SELECT) may take.
    std::chrono::milliseconds connect_timeout{5000};
    /// How long a command may wait for its reply once written; zero: no limit (blocking reads).
    /// A command past it ends with errc::request_timeout and the connection is re-made, since
    /// the replies after it could no longer be matched.
    std::chrono::milliseconds command_timeout{5000};
    /// The first reconnect delay; doubled after each failed attempt up to retry_max, +/- 10% jitter.
    std::chrono::milliseconds retry{100};
    /// The longest reconnect delay.
    std::chrono::milliseconds retry_max{5000};
    /// Failed attempts in a row after which the client gives up (errc::retries_exhausted for
    /// everything waiting); zero: never give up.
    std::size_t max_retries = 0;
    /// Bytes of commands waiting to be written (while disconnected or behind a slow link); a command
    /// past it ends at once with errc::queue_full.
    std::size_t max_pending_bytes = 64u << 20;
    /// With a `redis+cluster://` URL: how many times one command may be sent on by MOVED or ASK
    /// before it ends with errc::redis_redirect_limit.
    std::size_t cluster_max_redirects = 5;
};

/// A Lua script run by EVALSHA, loaded with EVAL when the server answers NOSCRIPT.
struct IPCXX_API RedisScript {
    /// The script's text; its SHA1 (lower-case hex) is computed here, as Redis does.
    explicit RedisScript(std::string text);
    std::string text;  ///< the Lua source, byte for byte
    std::string sha1;  ///< SHA1 of text, 40 lower-case hex digits
};

/// One connection to a Redis server. Commands are pipelined: each is written as soon as it is
/// made (many in one write when they come together) and its reply is matched in order.
///
/// Delivery: every command ends exactly once, with its reply or an error: errc::redis_error_reply
/// (the reply's text names it), request_timeout, queue_full, not_connected (the client was closed),
/// retries_exhausted, or connection_lost for a command written before the connection broke (it may
/// or may not have run: it is not sent again). Commands made while disconnected wait, in order,
/// and are written on the next connect.
///
/// Events, on the I/O thread (the library's, or the caller's io_context):
/// @verbatim
///   connect     ()                          connected, authenticated, database selected
///   disconnect  (std::error_code why)       the connection closed; a reconnect follows unless closed
///   error       (std::error_code, message)  a failed attempt, bytes that are not RESP, a callback that threw
/// @endverbatim
///
/// Thread safety: command, eval, close and the destructor are safe from any thread, including from
/// inside a callback; no call runs a callback before it returns. Callbacks of one client never run
/// at once.
class IPCXX_API RedisClient {
public:
    /// What a command's callback gets: the error (none for a reply that is not an error) and the reply.
    using ReplyHandler = std::function<void(std::error_code, RedisReply)>;

    /// Runs on the library's I/O thread. It connects at its first command (or connect()).
    explicit RedisClient(RedisOptions options);
    /// Runs on the caller's io_context, which must be run and outlive this object.
    RedisClient(asio::io_context& io, RedisOptions options);
    /// Closes the connection; commands not answered end with errc::not_connected before it returns
    /// (their callbacks run on the destroying thread). No callback runs after it returns.
    ~RedisClient();
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    /// Handler of `connect`.
    void on_connect(std::function<void()> handler);
    /// Handler of `disconnect`.
    void on_disconnect(std::function<void(std::error_code)> handler);
    /// Handler of `error`.
    void on_error(std::function<void(std::error_code, const std::string&)> handler);

    /// Sends one command (`{"SET", "k", "v"}`); arguments are binary-safe. An empty argument list
    /// ends with errc::invalid_argument.
    void command(std::vector<std::string> args, ReplyHandler on_reply);
    /// The std::future form: get() returns the reply or throws ipcxx::Error (an error reply's text
    /// in what()). Made on this client's I/O thread it fails at once with errc::would_deadlock.
    std::future<RedisReply> command(std::vector<std::string> args);
    /// Runs `script` with EVALSHA; on NOSCRIPT, loads it with EVAL in the same step.
    void eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
              ReplyHandler on_reply);

    /// Starts connecting now instead of at the first command (a client connects at its first use,
    /// so that handlers set after construction see every event). Repeated calls do nothing.
    void connect();
    /// Closes the connection and stops reconnecting; what is not answered ends with errc::not_connected.
    void close();
    /// Whether the connection is up (authenticated and ready) at this moment.
    bool connected() const noexcept;
    /// Whether this client talks to a Redis Cluster (it was made with a `redis+cluster://` URL).
    bool is_cluster() const noexcept { return cluster_ != nullptr; }
    /// The options this client was made with: what a subscriber (RedisSubscriber) to the same
    /// server or cluster is made from.
    const RedisOptions& options() const noexcept { return options_; }

private:
    RedisOptions options_;
    std::shared_ptr<detail::RedisImpl> impl_;                // a single server
    std::shared_ptr<detail::RedisClusterImpl> cluster_;      // a `redis+cluster://` URL
};

}  // namespace ipcxx
