// The child's side of Node's IPC channel: finding and checking the descriptor NODE_CHANNEL_FD names.
#include <cerrno>
#include <cstdlib>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel/channel_framing.hpp"
#include "channel/channel_impl.hpp"
#include "ipcxx/channel.hpp"
#include "ipcxx/error.hpp"
#include "process/process_thread.hpp"

namespace ipcxx {

namespace detail::parent_channel_env {

// The descriptor of a valid channel, or -1 with `ec` set; `serialization` is the one the parent uses.
int channel_fd(std::error_code& ec, ChannelSerialization& serialization) {
    const char* text = std::getenv("NODE_CHANNEL_FD");
    if (text == nullptr || *text == '\0') {
        ec = make_error_code(errc::no_channel);
        return -1;
    }
    long fd = 0;
    for (const char* p = text; *p; ++p) {
        if (*p < '0' || *p > '9' || fd > 1000000000L) {
            ec = make_error_code(errc::bad_channel_fd);
            return -1;
        }
        fd = fd * 10 + (*p - '0');
    }
    if (::fcntl(static_cast<int>(fd), F_GETFD) < 0) {
        ec = make_error_code(errc::channel_fd_closed);
        return -1;
    }
    int type = 0;
    sockaddr_storage address{};
    socklen_t type_size = sizeof type;
    socklen_t address_size = sizeof address;
    if (::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &type_size) < 0 || type != SOCK_STREAM ||
        ::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&address), &address_size) < 0 ||
        address.ss_family != AF_UNIX ||
        ::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&address), &address_size) < 0) {
        ec = make_error_code(errc::channel_not_socket);
        return -1;
    }
    const char* mode = std::getenv("NODE_CHANNEL_SERIALIZATION_MODE");
    if (!parse_serialization_mode(mode != nullptr ? mode : "", serialization)) {
        ec = make_error_code(errc::invalid_argument);
        return -1;
    }
    return static_cast<int>(fd);
}

std::unique_ptr<Channel> open(asio::io_context& io, std::shared_ptr<void> keepalive, std::error_code& ec,
                              ChannelOptions options) {
    ec.clear();
    const int fd = channel_fd(ec, options.serialization);
    // Removed whatever the outcome: this process's own children must not take the descriptor
    // number for a channel of theirs.
    ::unsetenv("NODE_CHANNEL_FD");
    ::unsetenv("NODE_CHANNEL_SERIALIZATION_MODE");
    if (fd < 0) return nullptr;
    const ChannelSerialization serialization = options.serialization;
    auto impl = std::make_shared<ChannelImpl>(io, std::move(keepalive), std::move(options));
    impl->attach(ChannelLink::socket(fd), serialization);
    return ChannelFactory::make(std::move(impl));
}

}  // namespace detail::parent_channel_env

std::unique_ptr<Channel> parent_channel(std::error_code& ec, ChannelOptions options) {
    detail::SharedIo io = detail::process_io();
    return detail::parent_channel_env::open(io.io, std::move(io.keepalive), ec, std::move(options));
}

std::unique_ptr<Channel> parent_channel(ChannelOptions options) {
    std::error_code ec;
    auto channel = parent_channel(ec, std::move(options));
    if (!channel) throw Error(ec, "parent_channel");
    return channel;
}

std::unique_ptr<Channel> parent_channel(asio::io_context& io, std::error_code& ec, ChannelOptions options) {
    return detail::parent_channel_env::open(io, nullptr, ec, std::move(options));
}

}  // namespace ipcxx
