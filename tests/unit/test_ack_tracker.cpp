// Which written frames a dead TCP link took with it: those whose bytes the peer never acknowledged.
#include "connection/ack_tracker.hpp"
#include "connection/outbox.hpp"

#include <catch2/catch.hpp>

using ipcxx::detail::AckTracker;
using ipcxx::detail::Outbox;

TEST_CASE("ack tracker: frames not acknowledged whole are the unacknowledged tail", "[outbox]") {
    AckTracker acks;
    acks.written(10, false);  // bytes 0..10
    acks.written(5, false);   // ..15
    acks.written(5, true);    // ..20, a request
    acks.written(5, false);   // ..25
    CHECK(acks.unacknowledged_messages(0) == 0);
    CHECK(acks.unacknowledged_messages(5) == 1);
    CHECK(acks.unacknowledged_messages(6) == 1);   // the request's last byte: requests are reported by themselves
    CHECK(acks.unacknowledged_messages(11) == 2);  // the second frame's last byte
    CHECK(acks.unacknowledged_messages(25) == 3);
    CHECK(acks.unacknowledged_messages(1000) == 3);  // more than was written: everything

    // Protocol frames and partial frames shift the stream without being messages.
    acks.written_other(7);
    CHECK(acks.unacknowledged_messages(7) == 0);
    CHECK(acks.unacknowledged_messages(8) == 1);

    acks.acknowledged(8);  // bytes 0..24 acknowledged: only the last frame is kept
    CHECK(acks.tracked() == 1);
    CHECK(acks.unacknowledged_messages(8) == 1);
    acks.reset();
    CHECK(acks.tracked() == 0);
    CHECK(acks.unacknowledged_messages(100) == 0);
}

TEST_CASE("ack tracker: forgetting acknowledged frames keeps the rest in order", "[outbox]") {
    AckTracker acks;
    for (int i = 0; i < 1000; ++i) acks.written(4, i % 10 == 0);
    acks.acknowledged(400);  // the last 100 frames are unacknowledged
    CHECK(acks.tracked() == 100);
    CHECK(acks.unacknowledged_messages(400) == 90);  // 10 of them are requests
    for (int i = 0; i < 10; ++i) acks.written(4, false);
    CHECK(acks.unacknowledged_messages(440) == 100);
    acks.acknowledged(0);
    CHECK(acks.tracked() == 0);
}

TEST_CASE("outbox: tracked frames come from completed writes, requests and partial frames aside", "[outbox]") {
    Outbox outbox(0, Outbox::OnFailure::requeue);
    std::uint64_t sequence = 0;
    outbox.track_acknowledgements(true);
    outbox.push("aaaa");
    outbox.push("rrrr", &sequence, true);
    outbox.push("bbbb");
    REQUIRE(outbox.link_up());
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));
    CHECK(outbox.complete(12, false).tracked == 3);
    outbox.written_other(3);  // a ping
    outbox.push("cccc");
    REQUIRE(outbox.take_batch(batch));
    const auto done = outbox.complete(2, true);  // half of cccc: requeued, not tracked
    CHECK(done.delivered == 0);
    CHECK(done.tracked == 3);
    CHECK(outbox.pending_messages() == 1);
    // 2 + 3 + 4 + 1 bytes unacknowledged: bbbb and the request's last byte; only bbbb is reported.
    CHECK(outbox.take_unacknowledged(10) == 1);
    CHECK(outbox.take_unacknowledged(100) == 0);  // taken once; tracking stopped

    // The next link starts afresh, tracked or not.
    const bool track = GENERATE(true, false);
    outbox.track_acknowledgements(track);
    REQUIRE(outbox.link_up());
    REQUIRE(outbox.take_batch(batch));
    const std::size_t expected = track ? 1 : 0;
    CHECK(outbox.complete(4, false).tracked == expected);
    CHECK(outbox.acknowledged(4) == expected);
    CHECK(outbox.take_unacknowledged(4) == expected);
}
