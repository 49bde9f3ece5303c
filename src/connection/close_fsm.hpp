// The close of a Connection as a socket-free state machine: the stream is closed once, and the
// owner hears of it (on_closed) exactly once, only when neither the read nor the write loop has an
// operation in flight, so that the outbox's accounting is final by then.
//
//   open -> closing (stream closed; the owner not told yet) -> waiting (an operation in flight)
//        -> finished
#pragma once

#include <system_error>

namespace ipcxx::detail {

class CloseFsm {
public:
    enum class State { open, closing, waiting, finished };
    enum class Action {
        none,
        close_stream,   // cancel the timers, close the stream, let the outbox know the link is down
        notify_closed,  // tell the owner, with reason()
    };

    // Closes with `reason`; only the first close counts.
    Action close(std::error_code reason) noexcept;
    // The close may finish: after close_stream, and whenever an operation completes while closing.
    Action settle(bool read_in_flight, bool write_in_flight) noexcept;

    State state() const noexcept { return state_; }
    bool closing() const noexcept { return state_ != State::open; }
    std::error_code reason() const noexcept { return reason_; }

private:
    State state_ = State::open;
    std::error_code reason_;
};

}  // namespace ipcxx::detail
