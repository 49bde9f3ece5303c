#include "ipcxx/config.hpp"

#include <cstdlib>

#include "encoding_names.hpp"
#include "ipcxx/error.hpp"
#include <string>

#include <unistd.h>

namespace ipcxx {
using detail::is_known_encoding;
namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

// Node's os.tmpdir() on POSIX: $TMPDIR, $TMP, $TEMP or /tmp, without a trailing slash.
std::string node_tmpdir() {
    std::string dir = env("TMPDIR");
    if (dir.empty()) dir = env("TMP");
    if (dir.empty()) dir = env("TEMP");
    if (dir.empty()) dir = "/tmp";
    if (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir;
}

}  // namespace

std::string default_socket_root() {
    const std::string xdg = env("XDG_RUNTIME_DIR");
    if (!xdg.empty()) return xdg + (xdg.back() == '/' ? "" : "/") + "node-ipc/";
    return node_tmpdir() + "/node-ipc-" + std::to_string(::getuid()) + "/";
}

std::string default_id() {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0) return "localhost";
    return name;
}

std::string Config::socket_path(std::string_view server_id) const {
    std::string path = socket_root;
    path += appspace;
    path += server_id;
    return path;
}

void Config::validate() const {
    auto fail = [](const std::string& what) { throw Error(make_error_code(errc::invalid_argument), what); };
    if (delimiter.empty()) fail("config.delimiter must not be empty");
    // 0xC1 at a frame boundary announces a native frame.
    if (static_cast<unsigned char>(delimiter[0]) == 0xC1) fail("config.delimiter must not start with byte 0xC1");
    if (handshake_timeout.count() <= 0) fail("config.handshake_timeout must be positive");
    if (request_timeout.count() <= 0) fail("config.request_timeout must be positive");
    if (retry.count() < 0) fail("config.retry must not be negative");
#ifndef __linux__
    if (abstract_socket) fail("config.abstract_socket needs Linux");
#endif
    if (raw_buffer && wire == Wire::native) fail("config.raw_buffer has no frames, so it cannot use wire = native");
    if (!is_known_encoding(encoding)) {
        fail("config.encoding '" + encoding + "' is not one of utf8, hex, base64, base64url, latin1, binary, ascii, "
             "utf16le, ucs2");
    }
    if (udp_peer_expiry.count() <= 0) fail("config.udp_peer_expiry must be positive");
    if (busy_poll.count() < 0) fail("config.busy_poll must not be negative");
    if (handler_threads > 1024) fail("config.handler_threads must be at most 1024");
    if (io_threads == 0 || io_threads > 1024) fail("config.io_threads must be between 1 and 1024");
    if (max_message_size == 0) fail("config.max_message_size must be positive");
    if (max_event_name_length == 0) fail("config.max_event_name_length must be positive");
    auto not_negative = [&](std::chrono::milliseconds value, const char* key) {
        if (value.count() < 0) fail(std::string("config.") + key + " must not be negative");
    };
    not_negative(message_timeout, "message_timeout");
    not_negative(heartbeat_interval, "heartbeat_interval");
    not_negative(heartbeat_timeout, "heartbeat_timeout");
    not_negative(retry_backoff_max, "retry_backoff_max");
    not_negative(disconnect_timeout, "disconnect_timeout");
    not_negative(slow_subscriber.disconnect_after, "slow_subscriber.disconnect_after");
    not_negative(slow_subscriber.report_interval, "slow_subscriber.report_interval");
    if (topics.size() > 4096) fail("config.topics lists more than 4096 topics");  // the protocol's bound
    for (const std::string& topic : topics) {
        if (topic.size() > max_event_name_length) fail("config.topics: '" + topic + "' is longer than max_event_name_length");
    }
    // A timeout no longer than the interval would drop a healthy peer between two pings.
    if (heartbeat_interval.count() > 0 && heartbeat_timeout.count() > 0 && heartbeat_timeout <= heartbeat_interval) {
        fail("config.heartbeat_timeout (" + std::to_string(heartbeat_timeout.count()) +
             " ms) must be longer than config.heartbeat_interval (" + std::to_string(heartbeat_interval.count()) +
             " ms)");
    }
    if (retry_backoff_max.count() > 0 && retry_backoff_max < retry) {
        fail("config.retry_backoff_max must be 0 (no backoff) or at least config.retry");
    }
    if (!(retry_jitter >= 0.0 && retry_jitter <= 1.0)) fail("config.retry_jitter must be between 0 and 1");
    if (max_pending_bytes < max_message_size) {
        fail("config.max_pending_bytes (" + std::to_string(max_pending_bytes) +
             ") must be at least config.max_message_size (" + std::to_string(max_message_size) + ")");
    }
}

}  // namespace ipcxx
