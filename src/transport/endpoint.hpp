// Where a server listens or a client connects, and the system calls that prepare it.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include <asio/basic_socket_acceptor.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "ipcxx/config.hpp"

namespace ipcxx::detail {

using GenericEndpoint = asio::generic::stream_protocol::endpoint;
using GenericSocket = asio::generic::stream_protocol::socket;
using GenericAcceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;

struct Target {
    enum class Kind { unix_socket, tcp };
    Kind kind = Kind::unix_socket;
    std::string path;  // unix_socket
    std::string host;  // tcp
    std::uint16_t port = 0;

    static Target unix_socket(std::string path) { return {Kind::unix_socket, std::move(path), {}, 0}; }
    static Target tcp(std::string host, std::uint16_t port) { return {Kind::tcp, {}, std::move(host), port}; }
    std::string describe() const;  // "unix:/path" or "tcp:host:port"
};

// The longest Unix socket path (or abstract name) the platform allows, in bytes.
std::size_t max_unix_path() noexcept;
// A Unix socket endpoint, or with `abstract` a Linux abstract-namespace one named by the path;
// errc::path_too_long when the path does not fit sun_path.
std::error_code unix_endpoint(const std::string& path, bool abstract, GenericEndpoint& out);

// Resolves host:port (numeric addresses without a lookup). errc::resolve_failed on failure.
std::error_code resolve_tcp(const std::string& host, std::uint16_t port, std::vector<GenericEndpoint>& out,
                            std::string& detail);

// "127.0.0.1:40312", "[::1]:40312", "unix:<path>".
std::string describe_endpoint(const GenericEndpoint& endpoint, const std::string& unix_path);

bool is_tcp(const GenericEndpoint& endpoint) noexcept;
// The IP address and port of an IPv4 or IPv6 endpoint (is_tcp), and how we print one.
asio::ip::tcp::endpoint ip_endpoint(const GenericEndpoint& endpoint);
std::string describe_ip(const asio::ip::address& address, std::uint16_t port);

// Options of every TCP connection, whatever its wire: no Nagle delay, and the kernel's watch for a
// dead link that Config::heartbeat asks for (transport/tcp_keepalive.hpp).
void prepare_tcp(GenericSocket& socket, const Config& config) noexcept;

// Options of every Unix-socket connection: config.unix_send_buffer.
void prepare_unix(GenericSocket& socket, const Config& config) noexcept;

// Marks a descriptor close-on-exec, as node-ipc's (libuv's) are: a child process must not inherit
// a listener or a connection (a listener kept open by a child would keep its port or path taken).
void set_close_on_exec(int fd) noexcept;

// Opens, binds and listens. For Unix socket files: creates the socket root (0700) when the path
// lies inside it and checks it is ours and owner-only, replaces a stale socket file (a live
// server's socket only with take_over, never a non-socket), and applies readable_all/writable_all. For TCP: SO_REUSEADDR so a restarted server binds at once.
struct Listening {
    std::string unix_path;   // set for Unix sockets: the file this listener created, or its abstract name
    bool abstract = false;   // no file: nothing to remove
    std::uint64_t inode = 0;  // to remove only our own file on stop
    std::uint64_t device = 0;
    std::uint16_t port = 0;  // bound TCP port
};
std::error_code listen(GenericAcceptor& acceptor, const Target& target, const Config& config, Listening& out,
                       std::string& detail);
// Removes the Unix socket file if it is still the one `listening` created.
void remove_socket_file(const Listening& listening);

}  // namespace ipcxx::detail
