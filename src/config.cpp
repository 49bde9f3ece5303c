#include "ipcxx/config.hpp"

#include <cstdlib>

#include "codec/text_encoding.hpp"
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
    if (max_message_size == 0) fail("config.max_message_size must be positive");
    if (max_pending_bytes < max_message_size) {
        fail("config.max_pending_bytes (" + std::to_string(max_pending_bytes) +
             ") must be at least config.max_message_size (" + std::to_string(max_message_size) + ")");
    }
}

}  // namespace ipcxx
