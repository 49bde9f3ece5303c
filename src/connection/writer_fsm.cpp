// The write loop's state machine: the transitions that are off the per-write path.
#include "connection/writer_fsm.hpp"

namespace ipcxx::detail {

bool WriterFsm::open_outbox() noexcept {
    if (phase_ == Phase::held) {
        phase_ = Phase::open;
        return true;
    }
    if (phase_ == Phase::failed_held) {
        // Opened all the same, so that the outbox accounts for the link as up, as it was before.
        phase_ = Phase::failed;
        return true;
    }
    return false;
}

WriterFsm::Drain WriterFsm::drain(bool immediate) noexcept {
    // Once draining began, it runs its course (or its timer closes), even if a write failed since.
    if (phase_ == Phase::closed || phase_ == Phase::draining || phase_ == Phase::shut ||
        phase_ == Phase::failed_draining) {
        return Drain::ignore;
    }
    // A held outbox (wire = native before the welcome) cannot be flushed; a failed write side
    // cannot write at all.
    if (immediate || phase_ != Phase::open) return Drain::close_now;
    phase_ = Phase::draining;
    return Drain::drain;
}

void WriterFsm::fail(std::error_code ec) noexcept {
    phase_ = phase_ == Phase::held       ? Phase::failed_held
             : phase_ == Phase::draining ? Phase::failed_draining
                                         : Phase::failed;
    error_ = ec;
}

}  // namespace ipcxx::detail
