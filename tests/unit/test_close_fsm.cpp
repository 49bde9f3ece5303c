// The close's state machine, alone and with the reader's and writer's as Connection drives them:
// no socket, no io_context.
#include "connection/close_fsm.hpp"

#include <catch2/catch.hpp>

#include <asio/error.hpp>

#include "connection/reader_fsm.hpp"
#include "connection/writer_fsm.hpp"
#include "ipcxx/error.hpp"

// A namespace of its own: in a unity build, these names must not meet those of other test files.
namespace close_fsm_test {

using ipcxx::detail::CloseFsm;
using ipcxx::detail::ReaderFsm;
using ipcxx::detail::WriterFsm;
using Action = CloseFsm::Action;
using State = CloseFsm::State;

namespace {

// The three machines of one connection, and what Connection does with their answers.
struct Link {
    ReaderFsm reader;
    WriterFsm writer;
    CloseFsm close;
    int notified = 0;

    explicit Link(bool reading = true) {
        if (reading) REQUIRE(reader.read() == ReaderFsm::Action::read);
        REQUIRE(writer.open_outbox());
    }
    void settle() {
        if (close.settle(reader.read_in_flight(), writer.write_in_flight()) == Action::notify_closed) ++notified;
    }
    // Connection::close_on_strand.
    void close_with(std::error_code reason) {
        if (close.close(reason) != Action::close_stream) return;
        reader.stop();
        writer.close();
        settle();
    }
    // Connection::close_on_strand from a handler of this connection's own batch (stop() or
    // Socket::disconnect() inside a handler): the settle is posted, run later by settle().
    void close_from_handler(std::error_code reason) {
        if (close.close(reason) != Action::close_stream) return;
        reader.stop();
        writer.close();
    }
    // Connection::on_read.
    void read_completes(std::error_code ec) {
        switch (reader.on_read(ec, writer.error())) {
        case ReaderFsm::Action::finish: return settle();
        case ReaderFsm::Action::close: return close_with(reader.reason());
        default: break;
        }
        reader.begin_batch();
        reader.end_batch();
        reader.read();
    }
    // Connection::finish_write; true when writing goes on.
    bool write_completes(std::error_code ec) {
        writer.complete();
        switch (writer.after_write(ec)) {
        case WriterFsm::Action::write_more: return true;
        case WriterFsm::Action::finish: settle(); return false;
        default:
            if (!reader.busy()) close_with(ec);
            return false;
        }
    }
    void start_batch_write() {
        REQUIRE(writer.next(false) == WriterFsm::Action::take_batch);
        writer.batch_taken();
    }
};

}  // namespace

TEST_CASE("close fsm: with nothing in flight, the owner hears of the close once", "[close_fsm]") {
    CloseFsm fsm;
    CHECK_FALSE(fsm.closing());
    CHECK(fsm.settle(false, false) == Action::none);
    REQUIRE(fsm.close(ipcxx::errc::heartbeat_timeout) == Action::close_stream);
    CHECK(fsm.state() == State::closing);
    CHECK(fsm.closing());
    // A second close changes nothing, not even the reason.
    CHECK(fsm.close({}) == Action::none);
    CHECK(fsm.settle(false, false) == Action::notify_closed);
    CHECK(fsm.state() == State::finished);
    CHECK(fsm.reason() == ipcxx::errc::heartbeat_timeout);
    CHECK(fsm.settle(false, false) == Action::none);
}

TEST_CASE("close fsm: the close waits for the operations in flight", "[close_fsm]") {
    CloseFsm fsm;
    REQUIRE(fsm.close({}) == Action::close_stream);
    CHECK(fsm.settle(true, true) == Action::none);
    CHECK(fsm.state() == State::waiting);
    CHECK(fsm.settle(false, true) == Action::none);
    CHECK(fsm.settle(true, false) == Action::none);
    CHECK(fsm.settle(false, false) == Action::notify_closed);
    CHECK(fsm.settle(false, false) == Action::none);
}

TEST_CASE("close fsm: closed while a read and a write are in flight, finished after both, once", "[close_fsm]") {
    SECTION("the read completes first") {
        Link link;
        link.start_batch_write();
        link.close_with({});
        CHECK(link.close.state() == State::waiting);
        link.read_completes(asio::error::operation_aborted);
        CHECK(link.notified == 0);
        CHECK_FALSE(link.write_completes({}));
        CHECK(link.notified == 1);
    }
    SECTION("the write completes first") {
        Link link;
        link.start_batch_write();
        link.close_with({});
        CHECK_FALSE(link.write_completes(asio::error::operation_aborted));
        CHECK(link.notified == 0);
        CHECK_FALSE(link.writer.failed());
        link.read_completes(asio::error::operation_aborted);
        CHECK(link.notified == 1);
    }
    SECTION("only a read in flight") {
        Link link;
        link.close_with({});
        CHECK(link.notified == 0);
        link.read_completes(asio::error::operation_aborted);
        CHECK(link.notified == 1);
    }
    // However often the close is asked again, and whoever asks.
    Link link;
    link.close_with({});
    link.read_completes(asio::error::operation_aborted);
    link.close_with(ipcxx::errc::heartbeat_timeout);
    link.settle();
    CHECK(link.notified == 1);
    CHECK(link.close.reason() == std::error_code{});
}

TEST_CASE("close fsm: a write fails while a read batch is handled: read to the peer's close, then close with the write's error",
          "[close_fsm]") {
    Link link;
    REQUIRE(link.reader.on_read({}, {}) == ReaderFsm::Action::handle);
    link.reader.begin_batch();
    // A handler's reply: owed to the batch's end, which writes it; the write fails.
    CHECK(link.reader.defer_write());
    CHECK(link.reader.end_batch() == ReaderFsm::Action::write);
    link.start_batch_write();
    CHECK_FALSE(link.write_completes(asio::error::broken_pipe));
    // Not closed: the reader is busy and reads on.
    CHECK_FALSE(link.close.closing());
    REQUIRE(link.reader.read() == ReaderFsm::Action::read);
    CHECK(link.writer.next(false) == WriterFsm::Action::none);
    // What the peer sent before its close still arrives.
    link.read_completes({});
    CHECK_FALSE(link.close.closing());
    link.read_completes(asio::error::eof);
    CHECK(link.close.closing());
    CHECK(link.notified == 1);
    CHECK(link.close.reason() == asio::error::broken_pipe);
}

TEST_CASE("close fsm: a write that fails with the reader idle closes at once", "[close_fsm]") {
    Link link(false);
    link.start_batch_write();
    CHECK_FALSE(link.write_completes(asio::error::broken_pipe));
    CHECK(link.notified == 1);
    CHECK(link.close.reason() == asio::error::broken_pipe);
}

TEST_CASE("close fsm: closed from a handler of its own batch, the owner hears of it once, after the batch",
          "[close_fsm]") {
    Link link;
    REQUIRE(link.reader.on_read({}, {}) == ReaderFsm::Action::handle);
    link.reader.begin_batch();
    SECTION("nothing else in flight: the posted settle finishes") {
        link.close_from_handler({});
        CHECK(link.notified == 0);  // never inside the handler's call
        CHECK(link.reader.end_batch() == ReaderFsm::Action::none);
        CHECK(link.reader.read() == ReaderFsm::Action::none);  // the batch's end starts no read
        CHECK(link.notified == 0);
        link.settle();
        CHECK(link.notified == 1);
    }
    SECTION("a reply owed to the batch's end is not written") {
        CHECK(link.reader.defer_write());
        link.close_from_handler({});
        CHECK(link.reader.end_batch() == ReaderFsm::Action::none);
        CHECK(link.writer.next(false) == WriterFsm::Action::none);
        link.settle();
        CHECK(link.notified == 1);
    }
    SECTION("a write in flight: its completion finishes, after the posted settle") {
        link.start_batch_write();
        link.close_from_handler({});
        link.reader.end_batch();
        link.settle();
        CHECK(link.notified == 0);
        CHECK(link.close.state() == State::waiting);
        CHECK_FALSE(link.write_completes(asio::error::operation_aborted));
        CHECK(link.notified == 1);
    }
    SECTION("a write in flight: its completion finishes before the posted settle, which adds nothing") {
        link.start_batch_write();
        link.close_from_handler({});
        link.reader.end_batch();
        CHECK_FALSE(link.write_completes({}));
        CHECK(link.notified == 1);
        link.settle();
        CHECK(link.notified == 1);
    }
    // A second close (stop() after Socket::disconnect(), the peer's end) changes nothing.
    link.close_with(ipcxx::errc::connection_lost);
    link.settle();
    CHECK(link.notified == 1);
    CHECK(link.close.reason() == std::error_code{});
}

TEST_CASE("close fsm: closed from elsewhere while its next read was posted, not waited for", "[close_fsm]") {
    // The read loop posted a read without waiting for readiness (the last read filled the buffer):
    // the close comes first, and that read then completes without an error and without reading.
    Link link;
    link.close_with({});
    CHECK(link.close.state() == State::waiting);
    link.read_completes({});
    CHECK(link.notified == 1);
}

TEST_CASE("close fsm: graceful close: drain, shut the write side down, wait for the peer's close", "[close_fsm]") {
    SECTION("the peer closes") {
        Link link;
        link.start_batch_write();
        REQUIRE(link.writer.drain(false) == WriterFsm::Drain::drain);
        CHECK(link.write_completes({}));
        REQUIRE(link.writer.next(false) == WriterFsm::Action::take_batch);
        REQUIRE(link.writer.outbox_empty() == WriterFsm::Action::shutdown_send);
        CHECK_FALSE(link.close.closing());
        link.read_completes(asio::error::eof);
        CHECK(link.notified == 1);
        CHECK(link.close.reason() == ipcxx::errc::connection_lost);
    }
    SECTION("the timeout comes first") {
        Link link;
        link.start_batch_write();
        REQUIRE(link.writer.drain(false) == WriterFsm::Drain::drain);
        // The close timer fires (Connection closes with no error) while the batch is in flight.
        link.close_with({});
        CHECK(link.notified == 0);
        CHECK_FALSE(link.write_completes(asio::error::operation_aborted));
        link.read_completes(asio::error::operation_aborted);
        CHECK(link.notified == 1);
        CHECK(link.close.reason() == std::error_code{});
    }
}

}  // namespace close_fsm_test
