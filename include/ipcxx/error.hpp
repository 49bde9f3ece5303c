// Error codes of ipcxx: every failure the library reports is a std::error_code of this category.
#pragma once

#include <string>
#include <system_error>

#include "ipcxx/export.hpp"

namespace ipcxx {

/// The library's error codes, in category(); std::error_code converts from them.
enum class errc {
    /// Inbound frames (the connection that sent them is closed).
    invalid_json = 1,      ///< a frame is not valid JSON
    invalid_utf8,          ///< a frame is not valid UTF-8
    empty_frame,           ///< a delimiter with nothing before it
    invalid_message,       ///< valid JSON, but not an object
    invalid_event,         ///< the object has no `type`, or it is not a non-empty string
    reserved_event,        ///< an event name reserved for lifecycle or protocol events
    frame_too_large,       ///< a frame exceeds max_message_size
    /// Outbound values.
    unsupported_value,     ///< a value the wire cannot carry (e.g. a msgpack ext on the JSON wire)
    invalid_argument,      ///< a bad argument to an API call (empty event name, bad config value, ...)
    /// Connections and delivery.
    not_connected,         ///< the socket is closed or the server is not running
    queue_full,            ///< max_pending_bytes would be exceeded; the message was not accepted
    undelivered,           ///< accepted messages that could not be handed to the peer's socket
    connection_lost,       ///< the peer closed the connection or it failed
    max_connections,       ///< a connection was accepted and closed because max_connections was reached
    retries_exhausted,     ///< the client stopped reconnecting (max_retries, stop_retrying)
    native_wire_refused,   ///< wire = native, but the peer does not speak ipcxx's native wire
    handshake_timeout,     ///< wire = native, and no answer to the hello in time
    request_timeout,       ///< a request got no response before its deadline
    request_cancelled,     ///< a request was cancelled before its response arrived
    remote_error,          ///< the peer's handler answered a request with an error
    no_handler,            ///< no handler for the requested event on the peer
    /// Endpoints.
    path_too_long,         ///< a Unix socket path longer than the platform allows
    address_in_use,        ///< the endpoint is already bound
    not_a_socket,          ///< a file that is not a socket stands at the socket path
    socket_root,           ///< the socket root directory could not be created or is unsafe
    resolve_failed,        ///< a host name did not resolve
    /// Handlers.
    handler_exception,     ///< a user handler threw
    conversion_failed,     ///< a payload could not be converted to the handler's type
    bad_handler,           ///< a handler signature does not fit the event it was registered for
    /// Security.
    peer_not_allowed,      ///< a Unix-socket client whose uid is not in allowed_uids was refused
    tls_configuration,     ///< a TLS certificate, key or CA file could not be used
    tls_handshake_failed,  ///< the TLS handshake failed for a reason not listed below
    tls_certificate_expired,  ///< the peer's certificate has expired (or is not valid yet)
    tls_host_name_mismatch,   ///< the server's certificate is not for the host name connected to
    tls_unknown_ca,           ///< the peer's certificate is not signed by a trusted CA
    tls_client_certificate_required,  ///< mutual TLS: the client presented no certificate
    tls_certificate_rejected, ///< the peer's certificate was refused for another reason
    event_not_allowed,     ///< an event outside allowed_events was sent (refused) or received (connection closed)
    authentication_refused,   ///< the server's authenticate hook refused the connection
    /// Limits and dead links (the connection concerned is closed).
    event_name_too_long,   ///< an event name exceeds max_event_name_length
    message_timeout,       ///< a frame stayed incomplete, with no new byte, for message_timeout
    heartbeat_timeout,     ///< nothing arrived from the peer for heartbeat_timeout
    /// Deferred replies and work distribution.
    no_reply,              ///< a request's Responder was destroyed without an answer
    already_answered,      ///< a second answer to one request was refused
    would_deadlock,        ///< a blocking call made on the I/O thread that would have to complete it
    no_worker,             ///< no connected client handles the event a request was to be distributed for
    /// The build.
    tls_unavailable,       ///< TLS was asked for, but this library was built without it (see tls_available())
    /// Child processes.
    spawn_failed,          ///< a child process could not be started (the errno is named with it)
    process_exited,        ///< the child has already exited and been reaped
    process_failed,        ///< exec / exec_file: the child exited with a non-zero code or a signal
    process_timeout,       ///< the child was still running at its timeout and was killed
    max_buffer_exceeded,   ///< exec / spawn_sync: output passed max_buffer; the child was killed
    exit_status_unknown,   ///< the child's status could not be read (someone else reaped it)
    /// Node's IPC channel and JSON lines.
    no_channel,            ///< NODE_CHANNEL_FD is not set: this process was not started with a channel
    bad_channel_fd,        ///< NODE_CHANNEL_FD is not a non-negative decimal number
    channel_fd_closed,     ///< the descriptor NODE_CHANNEL_FD names is not open
    channel_not_socket,    ///< the channel descriptor is not a connected AF_UNIX stream socket
    partial_message,       ///< the stream ended in the middle of a message (its bytes are dropped)
    handle_missing,        ///< a NODE_HANDLE message arrived without a descriptor (a NACK was sent)
    /// Node's advanced serialization (V8 serializer bytes).
    v8_malformed,          ///< bytes that are not a valid V8-serialized value (truncated, bad tag or length)
    v8_unsupported,        ///< a V8 type outside the supported subset (the tag is named with it)
    /// Worker pools.
    worker_exited,         ///< the worker running a request exited and no attempt is left
    pool_shut_down,        ///< the pool was shut down before the request was answered
    /// Redis.
    redis_protocol_error,  ///< the Redis server sent bytes that are not RESP (the offending byte is named)
    redis_error_reply,     ///< Redis answered a command with an error reply (its text is carried with it)
    redis_bad_url,         ///< a Redis URL could not be used (scheme, host, port, database or path)
    redis_auth_failed,     ///< Redis refused the user name or password
    connect_timeout,       ///< a connection was not established within its connect timeout
    redis_redirect_limit,  ///< Redis Cluster redirected one command (MOVED / ASK) more times than allowed
    /// rsmq queues (rsmq's own error names).
    rsmq_queue_not_found,  ///< rsmq queueNotFound: no queue of that name
    rsmq_queue_exists,     ///< rsmq queueExists: a queue of that name exists
    rsmq_invalid_format,   ///< rsmq invalidFormat: a queue name or message id of the wrong form
    rsmq_invalid_value,    ///< rsmq invalidValue: vt, delay or maxsize outside its range
    rsmq_message_too_long, ///< rsmq messageTooLong: longer than the queue's maxsize (UTF-16 code units)
    rsmq_no_attribute_supplied, ///< rsmq noAttributeSupplied: setQueueAttributes with nothing to set
    rsmq_missing_parameter, ///< rsmq missingParameter: a required parameter is missing
    /// Event bus on Redis Streams.
    entry_trimmed,         ///< a pending stream entry's data was trimmed or deleted before it was handled
    dead_lettered,         ///< an entry or message went to the dead-letter stream or queue after too many deliveries
    /// Slow subscribers (Config::slow_subscriber policies).
    messages_dropped,      ///< messages for a subscriber were dropped by its slow-subscriber policy (a coalesced count)
    subscriber_too_slow,   ///< a subscriber stayed over its send-queue limit too long and was disconnected
};

/// The error category of ipcxx (name "ipcxx"); message() describes each errc.
IPCXX_API const std::error_category& category() noexcept;

/// An errc as a std::error_code of category().
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

/// Thrown by the throwing overloads; carries the same error_code the non-throwing overloads return.
class IPCXX_API Error : public std::system_error {
public:
    /// An error with the code's own message.
    explicit Error(std::error_code code) : std::system_error(code) {}
    /// An error whose what() is `what` followed by the code's message.
    Error(std::error_code code, const std::string& what) : std::system_error(code, what) {}
};

}  // namespace ipcxx

namespace std {
/// Lets an errc convert to std::error_code.
template <>
struct is_error_code_enum<ipcxx::errc> : true_type {};
}  // namespace std
