// Lines from a file descriptor (stdin), with a wait that another descriptor can cancel, so the
// tool can stop at once while stdin stays open.
#pragma once

#include <cstddef>
#include <string>

namespace ipcxx_cli {

class LineReader {
public:
    LineReader(int fd, int cancel_fd) : fd_(fd), cancel_fd_(cancel_fd) {}

    enum class Result { line, end, cancelled };
    // The next line without its "\n"; a last line without "\n" is a line too. A read error
    // counts as the end of the input.
    Result next(std::string& line);

private:
    const int fd_;
    const int cancel_fd_;
    std::string buffer_;
    std::size_t start_ = 0;  // where the data not yet returned begins in buffer_
    bool end_ = false;
};

}  // namespace ipcxx_cli
