// Bus: events, requests and broadcasts between processes on many machines through Redis: an
// at-least-once event stream (Redis Streams and a consumer group) and at-most-once pub/sub.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "ipcxx/detail/pack_buffer.hpp"
#include "ipcxx/export.hpp"
#include "ipcxx/handlers.hpp"
#include "ipcxx/payload.hpp"
#include "ipcxx/redis.hpp"
#include "ipcxx/request.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

namespace detail {
class BusImpl;
class IoThread;
}  // namespace detail

/// Where a bus lives and how it consumes.
struct BusOptions {
    /// The Redis server, and how to reach it (URL, timeouts, reconnects, the bounded queue of
    /// commands kept while it is unreachable: RedisOptions::max_pending_bytes).
    RedisOptions redis;
    /// The bus's name: every key of the bus carries it as a hash tag (`ipcxx:bus:{name}:...`), so
    /// a bus lives in one cluster slot. Processes on one bus share its events.
    std::string name = "default";
    /// The consumer group: each event emitted goes to one consumer of each group.
    std::string group = "default";
    /// This consumer's name in the group; empty: `<host>-<pid>-<random>`. A consumer restarted
    /// under the same name first takes back the entries it had not acknowledged.
    std::string consumer;
    /// Whether this bus reads the group (false: it only emits, requests and publishes).
    bool consume = true;
    /// Streams are trimmed to about this many entries on each emit (`XADD MAXLEN ~`); 0: never.
    std::size_t max_len = 0;
    /// An entry delivered more times than this goes to the dead-letter stream instead of a handler.
    std::uint64_t max_deliveries = 5;
    /// Entries read or claimed at once.
    std::size_t batch = 64;
    /// How long one blocking read waits before it is made again.
    std::chrono::milliseconds block{1000};
    /// How long an entry stays unacknowledged in another consumer (or this one) before it is taken
    /// over and delivered again.
    std::chrono::milliseconds claim_min_idle{30000};
    /// How often this consumer looks for such entries (`XAUTOCLAIM`).
    std::chrono::milliseconds claim_interval{5000};
    /// Deadline of requests made without one.
    std::chrono::milliseconds request_timeout{30000};
    /// Where the bus's log lines go (an `error` event nobody handles); empty: stderr.
    std::function<void(std::string_view)> logger;
    /// Suppresses the log lines.
    bool silent = false;
};

/// An event bus on Redis with the handler API of Server and Client (see docs/bus.md).
///
/// - emit(event, data): at least once. The event is appended to the bus's stream; one consumer of
///   each group gets it, and acknowledges it when its `on(event)` handlers have returned without an
///   exception. A handler that throws leaves it unacknowledged: it is delivered again after
///   claim_min_idle, and after max_deliveries deliveries it goes to the dead-letter stream
///   (`error` event, errc::dead_lettered). Handlers must therefore be idempotent. An event the
///   consuming bus has no handler for is acknowledged and dropped, as on a socket.
/// - publish(event, data): at most once, by Redis pub/sub, to every bus that subscribe()d to the
///   event (or psubscribe()d to a pattern matching it) and is connected at that moment.
/// - request(event, args): answered by the `handle(event)` handler of one consumer of the group,
///   through the requester's own reply stream; see docs/bus.md for deadlines and cancel.
///
/// While Redis is unreachable, emits, publishes and requests wait in the bounded queue of the
/// connection and are sent on reconnect; what cannot be sent (queue full, retries exhausted, the
/// bus closed, a connection lost with it written) is reported in an `error` event, errc::undelivered,
/// with the count.
///
/// Events of on():
/// @verbatim
///   "connect"     ()                     the bus's connection to Redis is up (again)
///   "disconnect"  ()                     it was lost; a reconnect follows
///   "error"       (const ErrorEvent&)    undelivered, dead_lettered, entry_trimmed, handler_exception, Redis errors
///   any other     (const Payload&)       an event from the stream, or a message published to it
///   "*"           (std::string_view event, const Payload&)
/// @endverbatim
///
/// Threading: handlers run on the I/O thread (the library's, or the caller's io_context), one at a
/// time for a bus, never inside a call of this class. emit, publish, request, cancel, subscribe,
/// close and the destructor are safe from any thread, including from inside a handler. Exceptions
/// thrown by handlers become `error` events (errc::handler_exception).
class IPCXX_API Bus final : public EventSource {
public:
    /// A bus run on a thread of its own. It connects at its first use (start, emit, publish, request,
    /// subscribe, flush), so handlers set before that see the first `connect`; it consumes after start().
    explicit Bus(BusOptions options);
    /// The same on the caller's io_context, which must outlive this object and be run.
    Bus(asio::io_context& io, BusOptions options);
    /// Closes the bus: what is not sent yet is dropped and reported; no handler runs after it returns.
    ~Bus();
    Bus(const Bus&) = delete;
    Bus& operator=(const Bus&) = delete;

    /// Starts consuming (with BusOptions::consume): set the handlers first.
    void start();

    /// Appends `event` with `data` (packed by msgpack-c) to the bus's stream. Returns an error at
    /// once for an empty or reserved event name (reserved_event) or a closed bus (not_connected);
    /// later failures are `error` events (undelivered).
    template <class T>
    std::error_code emit(std::string_view event, const T& data) {
        return emit_packed(event, detail::pack_thread_local(data));
    }
    /// The same with an already packed Payload.
    std::error_code emit(std::string_view event, const Payload& data) { return emit_packed(event, data.msgpack()); }
    /// An event without data.
    std::error_code emit(std::string_view event) { return emit_packed(event, {}); }
    /// emit() with the msgpack bytes of one value (empty: no data).
    std::error_code emit_packed(std::string_view event, std::string_view msgpack_data);

    /// Publishes `event` with `data` by pub/sub (at most once), to the buses subscribed to it.
    template <class T>
    std::error_code publish(std::string_view event, const T& data) {
        return publish_packed(event, detail::pack_thread_local(data));
    }
    /// publish() with the msgpack bytes of one value (empty: no data).
    std::error_code publish_packed(std::string_view event, std::string_view msgpack_data);
    /// Receives what is published as `event` on this bus, in the `on(event)` handlers.
    void subscribe(std::string_view event);
    /// Receives what is published on this bus as any event matching the glob `pattern` ("order.*").
    void psubscribe(std::string_view pattern);

    /// Requests `event` from a consumer of the group: `on_response` runs once on the I/O thread with
    /// the result or the error (request_timeout, request_cancelled, no_handler, remote_error, or
    /// what kept the request from being sent). Returns an id for cancel().
    template <class T>
    RequestId request(std::string_view event, const T& args, std::chrono::milliseconds timeout,
                      ResponseHandler on_response) {
        return request_packed(event, detail::pack_thread_local(args), timeout, std::move(on_response));
    }
    /// request() with the arguments already packed as one msgpack value.
    RequestId request_packed(std::string_view event, std::string_view msgpack_args, std::chrono::milliseconds timeout,
                             ResponseHandler on_response);
    /// The std::future form; fails at once with errc::would_deadlock on the bus's own I/O thread.
    template <class T>
    std::future<Payload> request(std::string_view event, const T& args, std::chrono::milliseconds timeout) {
        return request_future_packed(event, detail::pack_thread_local(args), timeout);
    }
    /// The std::future form of request_packed.
    std::future<Payload> request_future_packed(std::string_view event, std::string_view msgpack_args,
                                               std::chrono::milliseconds timeout);
    /// Ends a request here with errc::request_cancelled (unless it has ended) and tells the
    /// consumers (docs/bus.md): one serving it with a Responder sees on_cancel, one that has not read
    /// it never does. An answer that comes later is ignored.
    void cancel(RequestId id);

    /// Removes every handler of `event`.
    void off(std::string_view event) override;
    /// Removes the handler `id`.
    void off(HandlerId id) override;
    /// Removes the request handler of `event`.
    void unhandle(std::string_view event) override;

    /// Waits until everything emitted, published or requested before this call has been answered by
    /// Redis (stored, or failed and then reported undelivered): what to call before destroying a
    /// producer that must not drop its last emits. request_timeout when `timeout` passes first,
    /// would_deadlock on the bus's own I/O thread, not_connected after close().
    std::error_code flush(std::chrono::milliseconds timeout);
    /// Stops consuming and closes the connections; later emits answer not_connected.
    void close();
    /// Whether the connection that sends is up at this moment.
    bool connected() const noexcept;
    /// This consumer's name in the group.
    const std::string& consumer() const noexcept;

private:
    HandlerId add_handler(std::string_view event, detail::Handler handler, bool once) override;
    void add_request_handler(std::string_view event, detail::RequestHandler handler) override;

    std::shared_ptr<detail::IoThread> thread_;
    std::shared_ptr<detail::BusImpl> impl_;
};

}  // namespace ipcxx
