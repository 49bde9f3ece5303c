// The read loop of a Connection as a socket-free state machine (in the manner of Boost.Redis's
// reader_fsm): the connection reports what happened, the machine answers what to do next.
//
//   idle -> reading -> handling -> dispatching [-> write owed] -> handling -> reading ...
//                  \-> stopping (closed with the read in flight) -> stopped
//
// Replies that handlers produce while a batch is dispatched are not written one by one: the first
// producer's write is owed to the batch's end, where one write takes them all; in a long batch the
// owed write goes early, after `frames_before_early_write` frames, so that the peer works on the
// first replies while this side handles the rest.
#pragma once

#include <cstddef>
#include <system_error>

namespace ipcxx::detail {

class ReaderFsm {
public:
    enum class State {
        idle,          // not started, or a read failed and the connection is closing
        reading,       // a read is in flight
        handling,      // a completed read is being handled outside a batch (raw bytes, after a batch)
        dispatching,   // the frames of a batch go to the owner one by one
        write_owed,    // dispatching, and a producer's write waits for the batch's end
        stopping,      // closed while the read is in flight: its completion is only waited for
        stopped,       // closed: no more reads
    };
    enum class Action {
        none,
        read,          // start a read
        handle,        // the read brought bytes: hand them on
        close,         // the read failed: close with reason()
        finish,        // the read the close waited for is done: see whether the close can finish
        write,         // write what the outbox holds
    };
    static constexpr std::size_t frames_before_early_write = 32;

    // Another read, unless closed.
    Action read() noexcept {
        if (state_ == State::stopped || state_ == State::stopping) return Action::none;
        state_ = State::reading;
        return Action::read;
    }
    // The read completed. `write_error`: the write side failed earlier (the reason the link ends
    // with once the peer's close is read).
    Action on_read(std::error_code ec, std::error_code write_error) noexcept {
        if (state_ == State::stopping || state_ == State::stopped) {
            state_ = State::stopped;
            return Action::finish;
        }
        if (ec) {
            state_ = State::idle;
            reason_ = failure_reason(ec, write_error);
            return Action::close;
        }
        state_ = State::handling;
        return Action::handle;
    }
    void begin_batch() noexcept {
        if (state_ != State::handling) return;
        state_ = State::dispatching;
        handled_ = 0;
    }
    // A producer on the strand wants a write: true when the batch's end takes it over.
    bool defer_write() noexcept {
        if (state_ == State::dispatching) state_ = State::write_owed;
        return state_ == State::write_owed;
    }
    // One frame of the batch went to the owner.
    Action frame_handled() noexcept {
        if (++handled_ != frames_before_early_write || state_ != State::write_owed) return Action::none;
        state_ = State::dispatching;
        return Action::write;
    }
    Action end_batch() noexcept {
        const bool owed = state_ == State::write_owed;
        if (state_ == State::dispatching || owed) state_ = State::handling;
        return owed ? Action::write : Action::none;
    }
    // The connection closes: no read follows.
    void stop() noexcept;

    State state() const noexcept { return state_; }
    bool stopped() const noexcept { return state_ == State::stopping || state_ == State::stopped; }
    bool read_in_flight() const noexcept { return state_ == State::reading || state_ == State::stopping; }
    // A read is in flight or being handled: a read follows unless the connection closes.
    bool busy() const noexcept { return state_ != State::idle && state_ != State::stopped; }
    std::error_code reason() const noexcept { return reason_; }

private:
    static std::error_code failure_reason(std::error_code ec, std::error_code write_error) noexcept;

    State state_ = State::idle;
    std::size_t handled_ = 0;
    std::error_code reason_;
};

}  // namespace ipcxx::detail
