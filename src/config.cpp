#include "ipcxx/config.hpp"

#include <cstdlib>
#include <string>

#include <unistd.h>

namespace ipcxx {
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

}  // namespace ipcxx
