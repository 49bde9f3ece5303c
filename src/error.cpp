#include "ipcxx/error.hpp"

namespace ipcxx {
namespace {

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "ipcxx"; }

    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::invalid_json: return "received frame is not valid JSON";
            case errc::invalid_utf8: return "received frame is not valid UTF-8";
            case errc::empty_frame: return "received an empty frame";
            case errc::invalid_message: return "received message is not a JSON object";
            case errc::invalid_event: return "event type must be a non-empty string";
            case errc::reserved_event: return "event name is reserved";
            case errc::frame_too_large: return "message exceeds max_message_size";
            case errc::unsupported_value: return "value cannot be carried by this wire";
            case errc::invalid_argument: return "invalid argument";
            case errc::not_connected: return "not connected";
            case errc::queue_full: return "pending messages exceed max_pending_bytes";
            case errc::undelivered: return "messages were not delivered";
            case errc::connection_lost: return "connection lost";
            case errc::max_connections: return "connection refused: max_connections reached";
            case errc::retries_exhausted: return "client stopped reconnecting";
            case errc::native_wire_refused: return "peer does not speak ipcxx's native wire";
            case errc::handshake_timeout: return "no answer to the ipcxx hello in time";
            case errc::request_timeout: return "request timed out";
            case errc::request_cancelled: return "request cancelled";
            case errc::remote_error: return "the peer answered the request with an error";
            case errc::no_handler: return "the peer has no handler for the requested event";
            case errc::path_too_long: return "Unix socket path is too long";
            case errc::address_in_use: return "address already in use";
            case errc::not_a_socket: return "a file that is not a socket exists at the socket path";
            case errc::socket_root: return "socket root directory is unusable";
            case errc::resolve_failed: return "host name could not be resolved";
            case errc::handler_exception: return "an event handler threw an exception";
            case errc::conversion_failed: return "payload could not be converted to the requested type";
            case errc::bad_handler: return "handler signature does not fit the event";
            case errc::peer_not_allowed: return "connection refused: peer's uid is not in allowed_uids";
            case errc::tls_configuration: return "TLS configuration cannot be used";
            case errc::tls_handshake_failed: return "TLS handshake failed";
            case errc::tls_certificate_expired: return "TLS certificate has expired or is not yet valid";
            case errc::tls_host_name_mismatch: return "TLS certificate does not match the host name";
            case errc::tls_unknown_ca: return "TLS certificate is not signed by a trusted CA";
            case errc::tls_client_certificate_required: return "TLS client certificate required but not presented";
            case errc::tls_certificate_rejected: return "TLS certificate rejected";
            case errc::event_not_allowed: return "event is not in allowed_events";
            case errc::authentication_refused: return "connection refused by the server's authenticate hook";
            case errc::event_name_too_long: return "event name exceeds max_event_name_length";
            case errc::message_timeout: return "incomplete frame made no progress within message_timeout";
            case errc::heartbeat_timeout: return "peer silent beyond heartbeat_timeout";
            case errc::no_reply: return "the request's responder was destroyed without an answer";
            case errc::already_answered: return "the request has already been answered";
            case errc::would_deadlock: return "blocking call on the I/O thread that must complete it";
            case errc::no_worker: return "no connected client handles the event";
            case errc::tls_unavailable: return "TLS unavailable: the library was built without TLS";
            case errc::spawn_failed: return "child process could not be started";
            case errc::process_exited: return "child process has already exited";
            case errc::process_failed: return "child process exited with an error";
            case errc::process_timeout: return "child process killed at its timeout";
            case errc::max_buffer_exceeded: return "child process output exceeded max_buffer; child killed";
            case errc::exit_status_unknown: return "child process exit status unknown (reaped elsewhere)";
            case errc::no_channel: return "no IPC channel: NODE_CHANNEL_FD is not set";
            case errc::bad_channel_fd: return "NODE_CHANNEL_FD is not a non-negative number";
            case errc::channel_fd_closed: return "the IPC channel descriptor is not open";
            case errc::channel_not_socket: return "the IPC channel descriptor is not a connected Unix stream socket";
            case errc::partial_message: return "the stream ended in the middle of a message";
            case errc::handle_missing: return "a NODE_HANDLE message arrived without a descriptor";
            case errc::v8_malformed: return "malformed V8-serialized bytes";
            case errc::v8_unsupported: return "V8-serialized type outside the supported subset";
            case errc::worker_exited: return "the worker exited and no attempt is left";
            case errc::pool_shut_down: return "the worker pool was shut down";
            case errc::redis_protocol_error: return "the Redis server sent bytes that are not RESP";
            case errc::redis_error_reply: return "Redis answered with an error reply";
            case errc::redis_bad_url: return "the Redis URL could not be used";
            case errc::redis_auth_failed: return "Redis refused the credentials";
            case errc::connect_timeout: return "the connection was not established in time";
            case errc::redis_redirect_limit: return "too many Redis Cluster redirections";
            case errc::rsmq_queue_not_found: return "rsmq: queue not found";
            case errc::rsmq_queue_exists: return "rsmq: queue exists";
            case errc::rsmq_invalid_format: return "rsmq: invalid format";
            case errc::rsmq_invalid_value: return "rsmq: invalid value";
            case errc::rsmq_message_too_long: return "rsmq: message too long";
            case errc::rsmq_no_attribute_supplied: return "rsmq: no attribute supplied";
            case errc::rsmq_missing_parameter: return "rsmq: missing parameter";
            case errc::entry_trimmed: return "a pending entry's data was trimmed";
            case errc::dead_lettered: return "moved to the dead-letter stream or queue";
            case errc::messages_dropped: return "messages dropped by the slow-subscriber policy";
            case errc::subscriber_too_slow: return "subscriber over its send-queue limit too long";
        }
        return "unknown ipcxx error";
    }
};

}  // namespace

const std::error_category& category() noexcept {
    static const Category instance;
    return instance;
}

}  // namespace ipcxx
