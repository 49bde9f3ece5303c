// Kernel options each connection gets: Unix sockets' send buffer (unix_send_buffer).
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include <asio/io_context.hpp>

#include "transport/endpoint.hpp"

namespace {

int send_buffer_of(int fd) {
    int size = 0;
    socklen_t length = sizeof size;
    REQUIRE(::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &length) == 0);
    return size;
}

std::size_t wmem_max() {
    std::ifstream in("/proc/sys/net/core/wmem_max");
    std::size_t value = 0;
    in >> value;
    INFO("net.core.wmem_max could not be read from /proc/sys/net/core/wmem_max");
    REQUIRE(value > 0);
    return value;
}

}  // namespace

TEST_CASE("unix_send_buffer sets a Unix connection's kernel send buffer, 0 leaves the default", "[server]") {
    asio::io_context io;
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    const int default_size = send_buffer_of(fds[1]);
    ::close(fds[1]);
    ipcxx::detail::GenericSocket socket(io, asio::generic::stream_protocol(AF_UNIX, 0), fds[0]);

    ipcxx::Config config;
    config.unix_send_buffer = 0;
    ipcxx::detail::prepare_unix(socket, config);
    CHECK(send_buffer_of(socket.native_handle()) == default_size);

    config.unix_send_buffer = 1u << 20;
    ipcxx::detail::prepare_unix(socket, config);
    // Linux keeps twice what was asked, asked being capped at net.core.wmem_max.
    const std::size_t expected = 2 * std::min<std::size_t>(config.unix_send_buffer, wmem_max());
    CHECK(static_cast<std::size_t>(send_buffer_of(socket.native_handle())) == expected);
    CHECK(ipcxx::Config().unix_send_buffer == 4u << 20);
}
