// The write loop of a Connection as a socket-free state machine (in the manner of Boost.Redis's
// writer_fsm): the connection reports what happened, the machine answers what to do next.
//
// Two parts, each an explicit enum: the phase of the write side as a whole, and the write in flight.
//
//   phase: held -> open -> draining -> shut          (held: the outbox waits, e.g. for the welcome)
//          held/open/draining -> failed_held/failed/failed_draining
//                    (a write failed: no more writes; reading goes on until the peer's close, which
//                    ends the link)
//          any -> closed
//   write: idle -> preface (protocol frames ahead of the outbox) | batch (what the outbox held) -> idle
#pragma once

#include <system_error>

namespace ipcxx::detail {

class WriterFsm {
public:
    enum class Phase { held, open, draining, shut, failed_held, failed, failed_draining, closed };
    enum class Write { idle, preface, batch };
    enum class Action {
        none,
        write_preface,   // write the protocol frames waiting
        take_batch,      // take a batch from the outbox; then batch_taken() or outbox_empty()
        shutdown_send,   // drained: shut the write side down, the peer reads to the end and closes
        write_more,      // the write is accounted for: ask next() again
        fail,            // the write failed: stop writing, shut the write side down, keep reading
        finish,          // the write the close waited for is done: see whether the close can finish
    };
    // What close_gracefully does.
    enum class Drain { ignore, close_now, drain };

    // The next step of the write loop. `preface_waiting`: protocol frames are queued.
    Action next(bool preface_waiting) noexcept {
        if (write_ != Write::idle || (phase_ != Phase::open && phase_ != Phase::draining && phase_ != Phase::held)) {
            return Action::none;
        }
        if (preface_waiting) {
            write_ = Write::preface;
            return Action::write_preface;
        }
        return phase_ == Phase::held ? outbox_empty() : Action::take_batch;
    }
    void batch_taken() noexcept { write_ = Write::batch; }
    // take_batch found nothing to write.
    Action outbox_empty() noexcept {
        if (phase_ != Phase::draining) return Action::none;
        // Everything accepted is written.
        phase_ = Phase::shut;
        return Action::shutdown_send;
    }
    // The write in flight completed: returns what it wrote. The caller accounts for its bytes, then
    // asks after_write().
    Write complete() noexcept {
        const Write done = write_;
        write_ = Write::idle;
        return done;
    }
    Action after_write(std::error_code ec) noexcept {
        if (phase_ == Phase::closed) return Action::finish;
        if (!ec) return Action::write_more;
        fail(ec);
        return Action::fail;
    }
    // Lets the outbox write. True when it was held (the caller then opens the outbox).
    bool open_outbox() noexcept;
    Drain drain(bool immediate) noexcept;
    void close() noexcept { phase_ = Phase::closed; }

    Phase phase() const noexcept { return phase_; }
    Write write() const noexcept { return write_; }
    bool write_in_flight() const noexcept { return write_ != Write::idle; }
    bool batch_in_flight() const noexcept { return write_ == Write::batch; }
    bool failed() const noexcept {
        return phase_ == Phase::failed || phase_ == Phase::failed_held || phase_ == Phase::failed_draining;
    }
    // The failed write's error; empty unless it failed.
    std::error_code error() const noexcept { return error_; }

private:
    void fail(std::error_code ec) noexcept;

    Phase phase_ = Phase::held;
    Write write_ = Write::idle;
    std::error_code error_;
};

}  // namespace ipcxx::detail
