// The read loop's state machine: the transitions that are off the per-read path.
#include "connection/reader_fsm.hpp"

#include <asio/error.hpp>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

void ReaderFsm::stop() noexcept {
    state_ = read_in_flight() ? State::stopping : State::stopped;
}

std::error_code ReaderFsm::failure_reason(std::error_code ec, std::error_code write_error) noexcept {
    // After a failed write, the peer's close is expected: the write's error is what went wrong.
    if (write_error) return write_error;
    return ec == asio::error::eof ? make_error_code(errc::connection_lost) : ec;
}

}  // namespace ipcxx::detail
