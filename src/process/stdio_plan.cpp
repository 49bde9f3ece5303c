#include "process/stdio_plan.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ipcxx::detail {

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

}  // namespace

StdioPlan::~StdioPlan() {
    for (int fd : child_) {
        if (fd >= 0) ::close(fd);
    }
    for (int fd : parent_) {
        if (fd >= 0) ::close(fd);
    }
}

std::error_code StdioPlan::open(const std::vector<StdioSlot>& slots) {
    const int floor = static_cast<int>(slots.size()) < 3 ? 3 : static_cast<int>(slots.size());
    child_.assign(slots.size(), -1);
    parent_.assign(slots.size(), -1);
    // A copy at `floor` or above, close-on-exec; the original stays as it was.
    auto copy_up = [floor](int fd) { return ::fcntl(fd, F_DUPFD_CLOEXEC, floor); };
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const int index = static_cast<int>(i);
        switch (slots[i].kind()) {
            case StdioSlot::Kind::pipe:
            case StdioSlot::Kind::ipc: {
                // A socketpair as Node's: the parent's writes use MSG_NOSIGNAL, so a child that
                // closed its stdin is an EPIPE error, not a SIGPIPE for the whole program.
                int pair[2];
                if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) return last_error();
                parent_[i] = pair[0];
                child_[i] = copy_up(pair[1]);
                const std::error_code error = child_[i] < 0 ? last_error() : std::error_code();
                ::close(pair[1]);
                if (error) return error;
                break;
            }
            case StdioSlot::Kind::inherit:
                child_[i] = copy_up(index);
                if (child_[i] < 0) return last_error();
                break;
            case StdioSlot::Kind::fd:
                child_[i] = copy_up(slots[i].fd());
                if (child_[i] < 0) return last_error();
                break;
            case StdioSlot::Kind::ignore:
                if (index <= 2) {
                    const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
                    if (null_fd < 0) return last_error();
                    child_[i] = copy_up(null_fd);
                    const std::error_code error = child_[i] < 0 ? last_error() : std::error_code();
                    ::close(null_fd);
                    if (error) return error;
                }
                break;
        }
    }
    return {};
}

int StdioPlan::take_parent_end(std::size_t slot) {
    const int fd = parent_[slot];
    parent_[slot] = -1;
    return fd;
}

}  // namespace ipcxx::detail
