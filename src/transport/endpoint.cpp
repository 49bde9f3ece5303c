// The transport layer (endpoints, byte streams, TLS): where it sits among the layers and its threading are in docs/ARCHITECTURE.md.
#include "transport/endpoint.hpp"

#include <algorithm>
#include <limits>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netinet/in.h>

#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipcxx/error.hpp"
#include "transport/tcp_keepalive.hpp"

namespace ipcxx::detail {
namespace {

std::error_code errno_code(int e) { return {e, std::system_category()}; }

// mkdir -p with mode 0700 for every level created, as node-ipc 14 does for its socket root.
std::error_code make_directories(const std::string& dir, std::string& detail) {
    std::string partial;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        pos = dir.find('/', pos + 1);
        partial = dir.substr(0, pos);
        if (partial.empty()) continue;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
            detail = "cannot create socket root directory " + partial + ": " + std::strerror(errno);
            return make_error_code(errc::socket_root);
        }
    }
    return {};
}

// Another user who could write to the root could replace our socket with theirs, so the root must
// be our own real directory, owner-only (tightened if looser, as node-ipc 14 does). A shared sticky
// directory such as /tmp is refused instead of tightened: that would lock everybody else out of it.
std::error_code check_socket_root(const std::string& dir, std::string& detail) {
    struct stat st {};
    const auto fail = [&](const std::string& problem) {
        detail = "socket root " + dir + " " + problem;
        return make_error_code(errc::socket_root);
    };
    if (::lstat(dir.c_str(), &st) != 0) return fail(std::string("cannot be inspected: ") + std::strerror(errno));
    if (S_ISLNK(st.st_mode)) return fail("is a symbolic link, not a real directory");
    if (!S_ISDIR(st.st_mode)) return fail("is not a directory");
    if (st.st_uid != ::geteuid()) {
        return fail("is owned by uid " + std::to_string(st.st_uid) + ", not by this process's uid " +
                    std::to_string(::geteuid()));
    }
    if ((st.st_mode & 077) == 0) return {};
    if (st.st_mode & S_ISVTX) return fail("is a shared sticky directory; use a private directory inside it");
    if (::chmod(dir.c_str(), 0700) != 0) {
        return fail(std::string("is accessible to other users and cannot be made owner-only: ") +
                    std::strerror(errno));
    }
    return {};
}

// A socket file with nobody listening refuses connections; a live server accepts them.
bool socket_is_live(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    const bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    return live;
}

std::error_code prepare_unix_path(const std::string& path, const Config& config, std::string& detail) {
    const std::string& root = config.socket_root;
    if (!root.empty() && path.compare(0, root.size(), root) == 0) {
        const std::string dir = root.size() > 1 && root.back() == '/' ? root.substr(0, root.size() - 1) : root;
        if (auto ec = make_directories(dir, detail)) return ec;
        if (auto ec = check_socket_root(dir, detail)) return ec;
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return {};  // nothing there
    if (!S_ISSOCK(st.st_mode)) {
        detail = path + " exists and is not a socket; not replacing it";
        return make_error_code(errc::not_a_socket);
    }
    if (!config.unlink) {
        detail = "socket file " + path + " exists and config.unlink is false";
        return make_error_code(errc::address_in_use);
    }
    if (!config.take_over && socket_is_live(path)) {
        detail = "a server is already listening at " + path + " (config.take_over replaces it)";
        return make_error_code(errc::address_in_use);
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        detail = "cannot remove stale socket file " + path + ": " + std::strerror(errno);
        return errno_code(errno);
    }
    return {};
}

}  // namespace

std::string Target::describe() const {
    return kind == Kind::unix_socket ? "unix:" + path : "tcp:" + host + ":" + std::to_string(port);
}

std::size_t max_unix_path() noexcept { return sizeof(sockaddr_un{}.sun_path) - 1; }

std::error_code unix_endpoint(const std::string& path, bool abstract, GenericEndpoint& out) {
    if (path.empty() || path.size() > max_unix_path()) return make_error_code(errc::path_too_long);
    // An abstract name is the path's bytes after a NUL in sun_path; it has no file.
    out = GenericEndpoint(asio::local::stream_protocol::endpoint(abstract ? std::string(1, '\0') + path : path));
    return {};
}

std::error_code resolve_tcp(const std::string& host, std::uint16_t port, std::vector<GenericEndpoint>& out,
                            std::string& detail) {
    out.clear();
    std::string name = host;
    if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
    std::error_code ec;
    const auto address = asio::ip::make_address(name, ec);
    if (!ec) {
        out.emplace_back(asio::ip::tcp::endpoint(address, port));
        return {};
    }
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    auto results = resolver.resolve(name, std::to_string(port), ec);
    if (ec || results.empty()) {
        detail = "cannot resolve host '" + host + "'" + (ec ? ": " + ec.message() : std::string());
        return make_error_code(errc::resolve_failed);
    }
    for (const auto& entry : results) out.emplace_back(entry.endpoint());
    return {};
}

void prepare_tcp(GenericSocket& socket, const Config& config) noexcept {
    std::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    apply_tcp_keepalive(socket.native_handle(), tcp_keepalive(config));
}

void prepare_unix(GenericSocket& socket, const Config& config) noexcept {
    if (config.unix_send_buffer == 0) return;
    std::error_code ignored;
    // The kernel doubles the value it is given, in an int.
    const auto size = static_cast<int>(std::min<std::size_t>(config.unix_send_buffer, std::numeric_limits<int>::max() / 2));
    socket.set_option(asio::socket_base::send_buffer_size(size), ignored);
}

void set_close_on_exec(int fd) noexcept {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

bool is_tcp(const GenericEndpoint& endpoint) noexcept {
    return endpoint.protocol().family() == AF_INET || endpoint.protocol().family() == AF_INET6;
}

asio::ip::tcp::endpoint ip_endpoint(const GenericEndpoint& endpoint) {
    asio::ip::tcp::endpoint tcp;
    tcp.resize(endpoint.size());
    std::memcpy(tcp.data(), endpoint.data(), endpoint.size());
    return tcp;
}

std::string describe_ip(const asio::ip::address& address, std::uint16_t port) {
    const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(port);
}

std::string describe_endpoint(const GenericEndpoint& endpoint, const std::string& unix_path) {
    if (!is_tcp(endpoint)) return "unix:" + unix_path;
    const auto tcp = ip_endpoint(endpoint);
    return describe_ip(tcp.address(), tcp.port());
}

std::error_code listen(GenericAcceptor& acceptor, const Target& target, const Config& config, Listening& out,
                       std::string& detail) {
    out = Listening{};
    std::error_code ec;
    GenericEndpoint endpoint;
    if (target.kind == Target::Kind::unix_socket) {
        if (unix_endpoint(target.path, config.abstract_socket, endpoint)) {
            detail = "Unix socket path is " + std::to_string(target.path.size()) + " bytes, longer than the " +
                     std::to_string(max_unix_path()) + " the platform allows: " + target.path;
            return make_error_code(errc::path_too_long);
        }
        if (!config.abstract_socket) {
            if (auto prep = prepare_unix_path(target.path, config, detail)) return prep;
        }
    } else {
        std::vector<GenericEndpoint> endpoints;
        if (auto res = resolve_tcp(target.host, target.port, endpoints, detail)) return res;
        endpoint = endpoints.front();
    }
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) set_close_on_exec(acceptor.native_handle());
    if (!ec && target.kind == Target::Kind::tcp) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        detail = "cannot listen on " + target.describe() + ": " + ec.message();
        acceptor.close();
        return ec == asio::error::address_in_use ? make_error_code(errc::address_in_use) : ec;
    }
    if (target.kind == Target::Kind::unix_socket && config.abstract_socket) {
        out.unix_path = target.path;
        out.abstract = true;
    } else if (target.kind == Target::Kind::unix_socket) {
        mode_t mode = S_IRUSR | S_IWUSR;
        if (config.readable_all) mode |= S_IRGRP | S_IROTH;
        if (config.writable_all) mode |= S_IWGRP | S_IWOTH;
        ::chmod(target.path.c_str(), mode);
        struct stat st {};
        if (::lstat(target.path.c_str(), &st) == 0) {
            out.inode = st.st_ino;
            out.device = st.st_dev;
        }
        out.unix_path = target.path;
    } else {
        const auto local = acceptor.local_endpoint(ec);
        asio::ip::tcp::endpoint tcp;
        tcp.resize(local.size());
        std::memcpy(tcp.data(), local.data(), local.size());
        out.port = tcp.port();
    }
    return {};
}

void remove_socket_file(const Listening& listening) {
    if (listening.unix_path.empty() || listening.abstract) return;
    struct stat st {};
    if (::lstat(listening.unix_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == listening.inode &&
        st.st_dev == listening.device) {
        ::unlink(listening.unix_path.c_str());
    }
}

}  // namespace ipcxx::detail
