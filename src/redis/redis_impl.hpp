// The connection under RedisClient and RedisSubscriber: connects (Unix socket, TCP, TLS), runs the
// AUTH/SELECT handshake, writes the queued commands in batches, matches replies in order, times out
// commands, and reconnects by RedisLinkFsm's decisions. Everything on the socket runs on one strand;
// command(), close() and destroy() come from any thread.
//
// Callbacks (replies and events) run under callback_mutex_ (recursive, so a callback may call back
// in) and never after destroy(): destroy() takes that lock, ends what is left on its own thread and
// closes the callbacks. A command is taken out of the queue and delivered under that same lock, so
// destroy() either finds it still queued or waits for its delivery. Lock order: callback_mutex_,
// then mutex_; no callback runs under mutex_.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "codec/resp_decode.hpp"
#include "ipcxx/redis.hpp"
#include "redis/redis_commands.hpp"
#include "redis/redis_link_fsm.hpp"
#include "redis/redis_url.hpp"
#include "runtime/io_thread.hpp"
#include "runtime/strand.hpp"
#include "transport/stream.hpp"

namespace ipcxx::detail {

class TlsContext;
class TlsHandshake;

class RedisImpl : public std::enable_shared_from_this<RedisImpl> {
public:
    // Subscribe mode (RedisSubscriber): replies are not matched to commands; each goes to on_push.
    struct SubscribeMode {
        std::function<void(RedisReply)> on_push;                   // under the callback lock
        // The commands to write on every connect, in place of any queued while disconnected.
        std::function<std::vector<std::string>()> on_ready;
    };

    // `thread` is null when running on the caller's io_context. `what` names the owner in messages.
    static std::shared_ptr<RedisImpl> create(std::shared_ptr<IoThread> thread, asio::io_context& io,
                                             RedisOptions options, std::optional<SubscribeMode> subscribe,
                                             std::string what);
    ~RedisImpl();

    void on_connect(std::function<void()> handler);
    void on_disconnect(std::function<void(std::error_code)> handler);
    void on_error(std::function<void(std::error_code, const std::string&)> handler);

    void command(std::vector<std::string> args, RedisReplyHandler on_reply);
    void eval(const RedisScript& script, const std::vector<std::string>& keys, const std::vector<std::string>& args,
              RedisReplyHandler on_reply);
    // An encoded command without a reply handler (subscribe mode).
    void send_encoded(std::string bytes);

    // Starts connecting, once: called by the first command, so that handlers set after construction
    // see the first attempt's events.
    void start();
    void close();
    // The owner's destructor: see the class comment.
    void destroy();
    bool connected() const noexcept { return connected_.load(); }
    bool on_io_thread() const noexcept;

    // Held while a handler is set, so that none is replaced while it runs.
    std::unique_lock<std::recursive_mutex> lock_callbacks() { return std::unique_lock<std::recursive_mutex>(callback_mutex_); }
    // Runs `call` under the callback lock unless destroyed; an exception becomes an `error` event.
    void run_callback(const std::function<void()>& call, const char* what);
    void emit_error(std::error_code ec, const std::string& message);

private:
    RedisImpl(std::shared_ptr<IoThread> thread, asio::io_context& io, RedisOptions options,
              std::optional<SubscribeMode> subscribe, std::string what);
    void submit(RedisCommand command);
    void end_later(std::vector<RedisCommand> commands, std::error_code ec);
    void drain_ending();
    void deliver(RedisCommand& command, std::error_code ec, RedisReply reply);

    // On the strand.
    void begin_attempt();
    void connect_next(std::uint64_t attempt, std::vector<GenericEndpoint> endpoints, std::size_t index,
                      std::error_code last);
    void on_socket_connected(std::uint64_t attempt, GenericSocket socket);
    void on_stream(Stream stream);
    void become_ready();
    void read();
    void on_read(std::uint64_t attempt, std::error_code ec, std::size_t n);
    bool handle_reply(RedisReply reply);
    void flush();
    void write(std::string bytes);
    void arm_timeout();
    void fail_attempt(std::error_code ec, const std::string& detail);
    void lose_connection(std::error_code ec, const std::string& detail, bool timed_out);
    void schedule(RedisLinkFsm::Step step);
    void close_stream();
    void emit_disconnect(std::error_code ec);

    std::shared_ptr<IoThread> thread_;
    asio::io_context& io_;
    Strand strand_;
    const RedisOptions options_;
    const std::optional<SubscribeMode> subscribe_;
    const std::string what_;
    RedisUrl url_;
    std::error_code url_error_;
    std::string url_detail_;

    // Shared with other threads, under mutex_.
    mutable std::mutex mutex_;
    RedisCommands commands_;
    RedisLinkFsm fsm_;
    std::deque<std::pair<RedisCommand, std::error_code>> ending_;  // refused or ended, not yet delivered
    bool flush_posted_ = false;
    bool drain_posted_ = false;
    std::atomic<bool> connected_{false};
    std::atomic<bool> started_{false};

    // Callbacks.
    std::recursive_mutex callback_mutex_;
    bool callbacks_closed_ = false;
    std::function<void()> on_connect_;
    std::function<void(std::error_code)> on_disconnect_;
    std::function<void(std::error_code, const std::string&)> on_error_;

    // The strand's own.
    std::uint64_t attempt_ = 0;  // completions of an earlier attempt or connection are ignored
    std::shared_ptr<GenericSocket> connecting_;  // the socket of a connect in progress
    // One connection's stream and buffers, kept alive by its pending operations: a TLS stream
    // closed with a read or write in progress is still used when that operation completes.
    struct Link {
        explicit Link(Stream s) : stream(std::move(s)), read_buffer(64 * 1024) {}
        Stream stream;
        std::vector<char> read_buffer;
        std::string write_buffer;
    };
    std::shared_ptr<Link> stream_;
    std::shared_ptr<TlsContext> tls_context_;
    std::shared_ptr<TlsHandshake> tls_handshake_;
    asio::steady_timer connect_timer_;
    asio::steady_timer retry_timer_;
    asio::steady_timer timeout_timer_;
    std::uint64_t timeout_armed_for_ = 0;  // the sequence of the command the timeout timer watches
    std::vector<std::vector<std::string>> handshake_;  // handshake commands whose replies are awaited
    std::size_t handshake_answered_ = 0;
    RespDecoder decoder_;
    bool writing_ = false;
    bool sent_from_reply_ = false;  // a reply's callback sent a command (on the strand, in on_read)
};

}  // namespace ipcxx::detail
