// The receive buffer of a stream reader: bytes [begin, end) of `buf` are received and not yet
// taken; `scan` is where the search for a delimiter resumes. Shared by the frame and line readers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

namespace ipcxx::detail {

// Makes room for at least `min_size` bytes after `end`. What was taken before `begin` is released
// first (the partial tail moves to the front), and when nothing is held, a buffer grown past
// `keep` bytes is let go, so one huge message does not hold its size for the rest of the stream.
inline void prepare_read_window(std::string& buf, std::size_t& begin, std::size_t& end, std::size_t& scan,
                                std::size_t min_size, std::size_t keep) {
    if (begin == end) {
        begin = end = scan = 0;
        if (buf.size() > keep) std::string().swap(buf);
    } else if (begin > 0) {
        std::memmove(&buf[0], &buf[begin], end - begin);
        end -= begin;
        scan -= begin;
        begin = 0;
    }
    if (buf.size() - end < min_size) buf.resize(std::max(end + min_size, buf.size() * 2));
}

}  // namespace ipcxx::detail
