// The write loop's state machine, step by step: no socket, no io_context.
#include "connection/writer_fsm.hpp"

#include <catch2/catch.hpp>

#include <asio/error.hpp>

// A namespace of its own: in a unity build, these names must not meet those of other test files.
namespace writer_fsm_test {

using ipcxx::detail::WriterFsm;
using Action = WriterFsm::Action;
using Drain = WriterFsm::Drain;
using Phase = WriterFsm::Phase;
using Write = WriterFsm::Write;

namespace {

const std::error_code broken_pipe = asio::error::broken_pipe;

WriterFsm open_writer() {
    WriterFsm fsm;
    REQUIRE(fsm.open_outbox());
    REQUIRE(fsm.phase() == Phase::open);
    return fsm;
}

// Takes a batch and writes it, the write still in flight.
void write_batch(WriterFsm& fsm) {
    REQUIRE(fsm.next(false) == Action::take_batch);
    fsm.batch_taken();
    REQUIRE(fsm.batch_in_flight());
}

}  // namespace

TEST_CASE("writer fsm: a held outbox writes only the preface", "[writer_fsm]") {
    WriterFsm fsm;
    CHECK(fsm.phase() == Phase::held);
    CHECK(fsm.next(false) == Action::none);
    REQUIRE(fsm.next(true) == Action::write_preface);
    CHECK(fsm.write() == Write::preface);
    CHECK(fsm.write_in_flight());
    CHECK_FALSE(fsm.batch_in_flight());
    // One write at a time.
    CHECK(fsm.next(true) == Action::none);
    CHECK(fsm.complete() == Write::preface);
    CHECK(fsm.after_write({}) == Action::write_more);
    CHECK(fsm.next(false) == Action::none);
}

TEST_CASE("writer fsm: the preface goes ahead of the outbox, then batch after batch", "[writer_fsm]") {
    auto fsm = open_writer();
    REQUIRE(fsm.next(true) == Action::write_preface);
    CHECK(fsm.complete() == Write::preface);
    CHECK(fsm.after_write({}) == Action::write_more);
    write_batch(fsm);
    CHECK(fsm.next(false) == Action::none);
    CHECK(fsm.complete() == Write::batch);
    CHECK(fsm.after_write({}) == Action::write_more);
    CHECK(fsm.next(false) == Action::take_batch);
    // Nothing to take: idle, not shut.
    CHECK(fsm.outbox_empty() == Action::none);
    CHECK(fsm.phase() == Phase::open);
    CHECK_FALSE(fsm.open_outbox());
}

TEST_CASE("writer fsm: a failed write stops writing, the reading goes on", "[writer_fsm]") {
    auto fsm = open_writer();
    write_batch(fsm);
    CHECK(fsm.complete() == Write::batch);
    CHECK(fsm.after_write(broken_pipe) == Action::fail);
    CHECK(fsm.phase() == Phase::failed);
    CHECK(fsm.failed());
    CHECK(fsm.error() == broken_pipe);
    CHECK(fsm.next(true) == Action::none);
    CHECK(fsm.next(false) == Action::none);
    // A graceful close can no longer write anything: it closes at once.
    CHECK(fsm.drain(false) == Drain::close_now);
}

TEST_CASE("writer fsm: a preface that fails before the outbox opens", "[writer_fsm]") {
    WriterFsm fsm;
    REQUIRE(fsm.next(true) == Action::write_preface);
    fsm.complete();
    CHECK(fsm.after_write(broken_pipe) == Action::fail);
    CHECK(fsm.phase() == Phase::failed_held);
    // The outbox is opened all the same (once), but nothing is written.
    CHECK(fsm.open_outbox());
    CHECK(fsm.phase() == Phase::failed);
    CHECK_FALSE(fsm.open_outbox());
    CHECK(fsm.next(false) == Action::none);
}

TEST_CASE("writer fsm: graceful close drains the outbox, then shuts the write side down", "[writer_fsm]") {
    auto fsm = open_writer();
    write_batch(fsm);
    REQUIRE(fsm.drain(false) == Drain::drain);
    CHECK(fsm.phase() == Phase::draining);
    // Asked again while draining: nothing new.
    CHECK(fsm.drain(false) == Drain::ignore);
    CHECK(fsm.next(false) == Action::none);
    fsm.complete();
    CHECK(fsm.after_write({}) == Action::write_more);
    write_batch(fsm);
    fsm.complete();
    CHECK(fsm.after_write({}) == Action::write_more);
    REQUIRE(fsm.next(false) == Action::take_batch);
    CHECK(fsm.outbox_empty() == Action::shutdown_send);
    CHECK(fsm.phase() == Phase::shut);
    CHECK(fsm.next(true) == Action::none);
    CHECK(fsm.drain(false) == Drain::ignore);
}

TEST_CASE("writer fsm: graceful close with nothing queued shuts down at once", "[writer_fsm]") {
    auto fsm = open_writer();
    REQUIRE(fsm.drain(false) == Drain::drain);
    REQUIRE(fsm.next(false) == Action::take_batch);
    CHECK(fsm.outbox_empty() == Action::shutdown_send);
}

TEST_CASE("writer fsm: graceful close that cannot drain closes at once", "[writer_fsm]") {
    WriterFsm held;
    CHECK(held.drain(false) == Drain::close_now);
    auto no_time = open_writer();
    CHECK(no_time.drain(true) == Drain::close_now);
    CHECK(no_time.phase() == Phase::open);
}

TEST_CASE("writer fsm: a write failing while draining leaves the drain to its timer", "[writer_fsm]") {
    auto fsm = open_writer();
    write_batch(fsm);
    REQUIRE(fsm.drain(false) == Drain::drain);
    fsm.complete();
    CHECK(fsm.after_write(broken_pipe) == Action::fail);
    CHECK(fsm.phase() == Phase::failed_draining);
    CHECK(fsm.failed());
    CHECK(fsm.drain(false) == Drain::ignore);
    CHECK(fsm.next(false) == Action::none);
}

TEST_CASE("writer fsm: closed with a write in flight, its completion is only waited for", "[writer_fsm]") {
    auto fsm = open_writer();
    write_batch(fsm);
    fsm.close();
    CHECK(fsm.batch_in_flight());
    CHECK(fsm.next(true) == Action::none);
    CHECK(fsm.complete() == Write::batch);
    CHECK_FALSE(fsm.write_in_flight());
    // Closing wins over the write's error.
    CHECK(fsm.after_write(broken_pipe) == Action::finish);
    CHECK_FALSE(fsm.failed());
    CHECK(fsm.drain(false) == Drain::ignore);
    CHECK_FALSE(fsm.open_outbox());
}

TEST_CASE("writer fsm: closed with a write in flight that then succeeds, nothing more is written", "[writer_fsm]") {
    auto fsm = open_writer();
    REQUIRE(fsm.next(true) == Action::write_preface);
    fsm.close();
    CHECK(fsm.complete() == Write::preface);
    CHECK(fsm.after_write({}) == Action::finish);
    CHECK(fsm.next(true) == Action::none);
}

}  // namespace writer_fsm_test
