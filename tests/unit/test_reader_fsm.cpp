// The read loop's state machine, step by step: no socket, no io_context.
#include "connection/reader_fsm.hpp"

#include <catch2/catch.hpp>

#include <asio/error.hpp>

#include "ipcxx/error.hpp"

// A namespace of its own: in a unity build, these names must not meet those of other test files.
namespace reader_fsm_test {

using ipcxx::detail::ReaderFsm;
using Action = ReaderFsm::Action;
using State = ReaderFsm::State;

namespace {

// A reader whose read just brought bytes, now dispatching their frames.
ReaderFsm dispatching_reader() {
    ReaderFsm fsm;
    REQUIRE(fsm.read() == Action::read);
    REQUIRE(fsm.on_read({}, {}) == Action::handle);
    fsm.begin_batch();
    REQUIRE(fsm.state() == State::dispatching);
    return fsm;
}

}  // namespace

TEST_CASE("reader fsm: read, handle the bytes, read again", "[reader_fsm]") {
    ReaderFsm fsm;
    CHECK_FALSE(fsm.busy());
    REQUIRE(fsm.read() == Action::read);
    CHECK(fsm.read_in_flight());
    CHECK(fsm.busy());
    REQUIRE(fsm.on_read({}, {}) == Action::handle);
    CHECK(fsm.state() == State::handling);
    CHECK_FALSE(fsm.read_in_flight());
    CHECK(fsm.busy());
    // Outside a batch (raw bytes), a producer's write is not deferred.
    CHECK_FALSE(fsm.defer_write());
    REQUIRE(fsm.read() == Action::read);
}

TEST_CASE("reader fsm: the replies of a batch are written once, at its end", "[reader_fsm]") {
    auto fsm = dispatching_reader();
    CHECK(fsm.defer_write());
    CHECK(fsm.state() == State::write_owed);
    // Later producers of the same batch find the write already owed.
    CHECK(fsm.defer_write());
    for (int frame = 0; frame < 5; ++frame) CHECK(fsm.frame_handled() == Action::none);
    CHECK(fsm.end_batch() == Action::write);
    CHECK(fsm.state() == State::handling);
    CHECK(fsm.end_batch() == Action::none);
}

TEST_CASE("reader fsm: a batch without replies writes nothing", "[reader_fsm]") {
    auto fsm = dispatching_reader();
    for (int frame = 0; frame < 40; ++frame) CHECK(fsm.frame_handled() == Action::none);
    CHECK(fsm.end_batch() == Action::none);
}

TEST_CASE("reader fsm: in a long batch the owed write goes after 32 frames", "[reader_fsm]") {
    auto fsm = dispatching_reader();
    for (std::size_t frame = 1; frame < ReaderFsm::frames_before_early_write; ++frame) {
        if (frame == 3) CHECK(fsm.defer_write());
        CHECK(fsm.frame_handled() == Action::none);
    }
    CHECK(fsm.frame_handled() == Action::write);
    CHECK(fsm.state() == State::dispatching);
    // Replies after the early write wait for the batch's end again: no second early write.
    CHECK(fsm.defer_write());
    for (int frame = 0; frame < 40; ++frame) CHECK(fsm.frame_handled() == Action::none);
    CHECK(fsm.end_batch() == Action::write);
}

TEST_CASE("reader fsm: a write owed only after the 32nd frame waits for the batch's end", "[reader_fsm]") {
    auto fsm = dispatching_reader();
    for (std::size_t frame = 0; frame < ReaderFsm::frames_before_early_write; ++frame) {
        CHECK(fsm.frame_handled() == Action::none);
    }
    CHECK(fsm.defer_write());
    CHECK(fsm.frame_handled() == Action::none);
    CHECK(fsm.end_batch() == Action::write);
}

TEST_CASE("reader fsm: each batch counts its frames afresh", "[reader_fsm]") {
    auto fsm = dispatching_reader();
    for (int frame = 0; frame < 20; ++frame) CHECK(fsm.frame_handled() == Action::none);
    CHECK(fsm.end_batch() == Action::none);
    REQUIRE(fsm.read() == Action::read);
    REQUIRE(fsm.on_read({}, {}) == Action::handle);
    fsm.begin_batch();
    CHECK(fsm.defer_write());
    for (std::size_t frame = 1; frame < ReaderFsm::frames_before_early_write; ++frame) {
        CHECK(fsm.frame_handled() == Action::none);
    }
    CHECK(fsm.frame_handled() == Action::write);
}

TEST_CASE("reader fsm: the peer's close ends the link as connection_lost, other errors as they are", "[reader_fsm]") {
    ReaderFsm fsm;
    fsm.read();
    CHECK(fsm.on_read(asio::error::eof, {}) == Action::close);
    CHECK(fsm.reason() == ipcxx::errc::connection_lost);
    CHECK_FALSE(fsm.busy());

    ReaderFsm reset;
    reset.read();
    CHECK(reset.on_read(asio::error::connection_reset, {}) == Action::close);
    CHECK(reset.reason() == asio::error::connection_reset);
}

TEST_CASE("reader fsm: after a failed write, the peer's close ends the link with the write's error", "[reader_fsm]") {
    const std::error_code write_error = asio::error::broken_pipe;
    ReaderFsm fsm;
    fsm.read();
    // Reading goes on after the write failed: what the peer sent is still handled.
    REQUIRE(fsm.on_read({}, write_error) == Action::handle);
    REQUIRE(fsm.read() == Action::read);
    CHECK(fsm.on_read(asio::error::eof, write_error) == Action::close);
    CHECK(fsm.reason() == write_error);
}

TEST_CASE("reader fsm: closed while the read is in flight, its completion is only waited for", "[reader_fsm]") {
    ReaderFsm fsm;
    fsm.read();
    fsm.stop();
    CHECK(fsm.state() == State::stopping);
    CHECK(fsm.read_in_flight());
    CHECK(fsm.read() == Action::none);
    CHECK(fsm.on_read(asio::error::operation_aborted, {}) == Action::finish);
    CHECK(fsm.state() == State::stopped);
    CHECK_FALSE(fsm.read_in_flight());
    CHECK_FALSE(fsm.busy());
    CHECK(fsm.read() == Action::none);
}

TEST_CASE("reader fsm: closed during a batch, no write is owed and no read follows", "[reader_fsm]") {
    auto fsm = dispatching_reader();
    CHECK(fsm.defer_write());
    fsm.stop();
    CHECK(fsm.state() == State::stopped);
    CHECK_FALSE(fsm.read_in_flight());
    CHECK_FALSE(fsm.defer_write());
    CHECK(fsm.frame_handled() == Action::none);
    CHECK(fsm.end_batch() == Action::none);
    CHECK(fsm.read() == Action::none);
}

}  // namespace reader_fsm_test
