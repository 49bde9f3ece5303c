#include "error_names.hpp"

#include <cstring>
#include <string_view>

#include <ipcxx/error.hpp>

namespace ipcxx_cli {
namespace {

const char* ipcxx_name(ipcxx::errc code) {
    using ipcxx::errc;
    switch (code) {
        case errc::invalid_json: return "invalid_json";
        case errc::invalid_utf8: return "invalid_utf8";
        case errc::empty_frame: return "empty_frame";
        case errc::invalid_message: return "invalid_message";
        case errc::invalid_event: return "invalid_event";
        case errc::reserved_event: return "reserved_event";
        case errc::frame_too_large: return "frame_too_large";
        case errc::unsupported_value: return "unsupported_value";
        case errc::invalid_argument: return "invalid_argument";
        case errc::not_connected: return "not_connected";
        case errc::queue_full: return "queue_full";
        case errc::undelivered: return "undelivered";
        case errc::connection_lost: return "connection_lost";
        case errc::max_connections: return "max_connections";
        case errc::retries_exhausted: return "retries_exhausted";
        case errc::native_wire_refused: return "native_wire_refused";
        case errc::handshake_timeout: return "handshake_timeout";
        case errc::request_timeout: return "request_timeout";
        case errc::request_cancelled: return "request_cancelled";
        case errc::remote_error: return "remote_error";
        case errc::no_handler: return "no_handler";
        case errc::path_too_long: return "path_too_long";
        case errc::address_in_use: return "address_in_use";
        case errc::not_a_socket: return "not_a_socket";
        case errc::socket_root: return "socket_root";
        case errc::resolve_failed: return "resolve_failed";
        case errc::handler_exception: return "handler_exception";
        case errc::conversion_failed: return "conversion_failed";
        case errc::bad_handler: return "bad_handler";
        case errc::peer_not_allowed: return "peer_not_allowed";
        case errc::tls_configuration: return "tls_configuration";
        case errc::tls_handshake_failed: return "tls_handshake_failed";
        case errc::tls_certificate_expired: return "tls_certificate_expired";
        case errc::tls_host_name_mismatch: return "tls_host_name_mismatch";
        case errc::tls_unknown_ca: return "tls_unknown_ca";
        case errc::tls_client_certificate_required: return "tls_client_certificate_required";
        case errc::tls_certificate_rejected: return "tls_certificate_rejected";
        case errc::event_not_allowed: return "event_not_allowed";
        case errc::authentication_refused: return "authentication_refused";
        case errc::event_name_too_long: return "event_name_too_long";
        case errc::message_timeout: return "message_timeout";
        case errc::heartbeat_timeout: return "heartbeat_timeout";
        case errc::no_reply: return "no_reply";
        case errc::already_answered: return "already_answered";
        case errc::would_deadlock: return "would_deadlock";
        case errc::no_worker: return "no_worker";
        case errc::tls_unavailable: return "tls_unavailable";
        case errc::spawn_failed: return "spawn_failed";
        case errc::process_exited: return "process_exited";
        case errc::process_failed: return "process_failed";
        case errc::process_timeout: return "process_timeout";
        case errc::max_buffer_exceeded: return "max_buffer_exceeded";
        case errc::exit_status_unknown: return "exit_status_unknown";
        case errc::no_channel: return "no_channel";
        case errc::bad_channel_fd: return "bad_channel_fd";
        case errc::channel_fd_closed: return "channel_fd_closed";
        case errc::channel_not_socket: return "channel_not_socket";
        case errc::partial_message: return "partial_message";
        case errc::handle_missing: return "handle_missing";
        case errc::v8_malformed: return "v8_malformed";
        case errc::v8_unsupported: return "v8_unsupported";
        case errc::worker_exited: return "worker_exited";
        case errc::pool_shut_down: return "pool_shut_down";
        case errc::redis_protocol_error: return "redis_protocol_error";
        case errc::redis_error_reply: return "redis_error_reply";
        case errc::redis_bad_url: return "redis_bad_url";
        case errc::redis_auth_failed: return "redis_auth_failed";
        case errc::connect_timeout: return "connect_timeout";
        case errc::redis_redirect_limit: return "redis_redirect_limit";
        case errc::rsmq_queue_not_found: return "rsmq_queue_not_found";
        case errc::rsmq_queue_exists: return "rsmq_queue_exists";
        case errc::rsmq_invalid_format: return "rsmq_invalid_format";
        case errc::rsmq_invalid_value: return "rsmq_invalid_value";
        case errc::rsmq_message_too_long: return "rsmq_message_too_long";
        case errc::rsmq_no_attribute_supplied: return "rsmq_no_attribute_supplied";
        case errc::rsmq_missing_parameter: return "rsmq_missing_parameter";
        case errc::entry_trimmed: return "entry_trimmed";
        case errc::dead_lettered: return "dead_lettered";
        case errc::messages_dropped: return "messages_dropped";
        case errc::subscriber_too_slow: return "subscriber_too_slow";
    }
    return nullptr;
}

}  // namespace

std::string error_name(std::error_code ec) {
    if (ec.category() == ipcxx::category()) {
        if (const char* name = ipcxx_name(static_cast<ipcxx::errc>(ec.value()))) return name;
    } else if (ec.category() == std::generic_category() || ec.category() == std::system_category() ||
               ec.category().name() == std::string_view("asio.system")) {  // errno values, as Asio reports them
        if (const char* name = strerrorname_np(ec.value())) return name;
    }
    return std::string(ec.category().name()) + ":" + std::to_string(ec.value());
}

std::string error_text(std::error_code ec, std::string_view message) {
    return error_name(ec) + ": " + std::string(message);
}

}  // namespace ipcxx_cli
