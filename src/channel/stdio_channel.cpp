// stdio_channel(): this process's own stdin and stdout as a JSON-lines Channel. The channel reads
// and writes copies of fds 0 and 1; the originals are pointed away (fd 0 at /dev/null, fd 1 at
// stderr) so that nothing else in the process reads the channel's input or writes into its output.
#include <atomic>
#include <cstdio>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

#include "ipcxx/error.hpp"
#include "ipcxx/json_lines.hpp"

namespace ipcxx {
namespace detail::stdio_takeover {

std::atomic<bool> taken{false};

std::error_code last_error() { return {errno, std::system_category()}; }

// Moves the process's stdio out of the channel's way; `in` and `out` get the channel's copies.
std::error_code take(int& in, int& out) {
    if (::fcntl(0, F_GETFD) < 0 || ::fcntl(1, F_GETFD) < 0) return errc::channel_fd_closed;
    if (taken.exchange(true)) return errc::invalid_argument;
    std::fflush(stdout);
    in = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
    out = in < 0 ? -1 : ::fcntl(1, F_DUPFD_CLOEXEC, 3);
    const int null_fd = out < 0 ? -1 : ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
        const std::error_code error = last_error();
        if (in >= 0) ::close(in);
        if (out >= 0) ::close(out);
        taken = false;
        return error;
    }
    ::dup2(null_fd, 0);
    // Stray output goes to stderr; to /dev/null when there is no stderr.
    if (::dup2(2, 1) < 0) ::dup2(null_fd, 1);
    ::close(null_fd);
    return {};
}

std::unique_ptr<Channel> open(asio::io_context* io, std::error_code& ec, ChannelOptions options) {
    int in = -1;
    int out = -1;
    ec = take(in, out);
    if (ec) return nullptr;
    const ChannelLink link = ChannelLink::descriptors(in, out);
    return io ? std::make_unique<Channel>(*io, link, std::move(options))
              : std::make_unique<Channel>(link, std::move(options));
}

}  // namespace detail::stdio_takeover

std::unique_ptr<Channel> stdio_channel(std::error_code& ec, ChannelOptions options) {
    return detail::stdio_takeover::open(nullptr, ec, std::move(options));
}

std::unique_ptr<Channel> stdio_channel(ChannelOptions options) {
    std::error_code ec;
    auto channel = stdio_channel(ec, std::move(options));
    if (!channel) throw Error(ec, "stdio_channel");
    return channel;
}

std::unique_ptr<Channel> stdio_channel(asio::io_context& io, std::error_code& ec, ChannelOptions options) {
    return detail::stdio_takeover::open(&io, ec, std::move(options));
}

}  // namespace ipcxx
