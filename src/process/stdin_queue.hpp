// The bytes accepted for a child's stdin and not yet written: bounded, filled from any thread,
// emptied by the writer on the I/O thread.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

namespace ipcxx::detail {

class StdinQueue {
public:
    // Holds at most `max_bytes`; nothing is accepted before open().
    void open(std::size_t max_bytes);

    // Accepts all of `bytes` or none: errc::queue_full past the bound (a `drain` is then owed),
    // errc::not_connected once ended or failed.
    std::error_code push(std::string_view bytes);
    // What is waiting to be written, taken out (empty when nothing waits).
    std::string take();
    // `n` bytes were written. True when a drain is owed and nothing is left.
    bool written(std::size_t n);
    // No more pushes; the stream closes once what was accepted is written.
    void end();
    bool ended() const;
    // The stream failed or closed: no more pushes. Returns the bytes accepted and not written.
    std::size_t fail();

private:
    mutable std::mutex mutex_;
    std::size_t max_bytes_ = 0;
    bool open_ = false;
    std::string waiting_;
    std::size_t bytes_ = 0;  // waiting plus being written
    bool drain_owed_ = false;
    bool ended_ = false;
    bool failed_ = false;
};

}  // namespace ipcxx::detail
