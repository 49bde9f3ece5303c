// spawn_json_lines(): a child whose stdin and stdout are a JSON-lines Channel. Two socketpairs, as
// Node's 'pipe' slots are: the child gets one end of each at fd 0 and fd 1, the channel the others.
#include <memory>

#include <sys/socket.h>
#include <unistd.h>

#include "ipcxx/json_lines.hpp"

namespace ipcxx {
namespace detail::child_json_lines {

std::unique_ptr<Channel> spawn(asio::io_context* io, ChildProcess& child, const std::string& program,
                               const std::vector<std::string>& args, SpawnOptions options, std::error_code& ec,
                               ChannelOptions channel_options) {
    int to_child[2];
    int from_child[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, to_child) < 0) {
        ec = {errno, std::system_category()};
        return nullptr;
    }
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, from_child) < 0) {
        ec = {errno, std::system_category()};
        ::close(to_child[0]);
        ::close(to_child[1]);
        return nullptr;
    }
    if (options.stdio.size() < 2) options.stdio.resize(2, StdioSlot::pipe());
    options.stdio[0] = StdioSlot::from_fd(to_child[1]);
    options.stdio[1] = StdioSlot::from_fd(from_child[1]);
    ec = child.spawn(program, args, options);
    // The child has its duplicates: the channel sees EOF when the child's stdout closes only if
    // these copies are gone.
    ::close(to_child[1]);
    ::close(from_child[1]);
    if (ec) {
        ::close(to_child[0]);
        ::close(from_child[0]);
        return nullptr;
    }
    const ChannelLink link = ChannelLink::descriptors(from_child[0], to_child[0]);
    return io ? std::make_unique<Channel>(*io, link, std::move(channel_options))
              : std::make_unique<Channel>(link, std::move(channel_options));
}

}  // namespace detail::child_json_lines

std::unique_ptr<Channel> spawn_json_lines(ChildProcess& child, const std::string& program,
                                          const std::vector<std::string>& args, SpawnOptions options,
                                          std::error_code& ec, ChannelOptions channel_options) {
    return detail::child_json_lines::spawn(nullptr, child, program, args, std::move(options), ec,
                                           std::move(channel_options));
}

std::unique_ptr<Channel> spawn_json_lines(asio::io_context& io, ChildProcess& child, const std::string& program,
                                          const std::vector<std::string>& args, SpawnOptions options,
                                          std::error_code& ec, ChannelOptions channel_options) {
    return detail::child_json_lines::spawn(&io, child, program, args, std::move(options), ec,
                                           std::move(channel_options));
}

}  // namespace ipcxx
