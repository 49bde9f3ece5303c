#include "line_reader.hpp"

#include <cerrno>

#include <poll.h>
#include <unistd.h>

namespace ipcxx_cli {

LineReader::Result LineReader::next(std::string& line) {
    std::size_t scanned = start_;  // no "\n" before this offset
    for (;;) {
        if (const auto newline = buffer_.find('\n', scanned); newline != std::string::npos) {
            line.assign(buffer_, start_, newline - start_);
            start_ = newline + 1;
            return Result::line;
        }
        if (end_) {
            if (start_ == buffer_.size()) return Result::end;
            line.assign(buffer_, start_, std::string::npos);
            start_ = buffer_.size();
            return Result::line;
        }
        buffer_.erase(0, start_);
        start_ = 0;
        scanned = buffer_.size();

        pollfd fds[2] = {{fd_, POLLIN, 0}, {cancel_fd_, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            end_ = true;
            continue;
        }
        if (fds[1].revents != 0) return Result::cancelled;
        if (fds[0].revents == 0) continue;
        char chunk[64 * 1024];
        const ssize_t n = read(fd_, chunk, sizeof chunk);
        if (n > 0) {
            buffer_.append(chunk, static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            end_ = true;
        }
    }
}

}  // namespace ipcxx_cli
