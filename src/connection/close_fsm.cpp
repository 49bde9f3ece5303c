// The close's state machine.
#include "connection/close_fsm.hpp"

namespace ipcxx::detail {

CloseFsm::Action CloseFsm::close(std::error_code reason) noexcept {
    if (state_ != State::open) return Action::none;
    state_ = State::closing;
    reason_ = reason;
    return Action::close_stream;
}

CloseFsm::Action CloseFsm::settle(bool read_in_flight, bool write_in_flight) noexcept {
    if (state_ == State::open || state_ == State::finished) return Action::none;
    if (read_in_flight || write_in_flight) {
        state_ = State::waiting;
        return Action::none;
    }
    state_ = State::finished;
    return Action::notify_closed;
}

}  // namespace ipcxx::detail
