#include "connection/outbox.hpp"

#include <catch2/catch.hpp>

#include <string>

using ipcxx::detail::Outbox;
using Push = Outbox::Push;

namespace outbox_evicting_test {

std::string take_all(Outbox& outbox) {
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));
    return *batch.bytes;
}

}  // namespace outbox_evicting_test

TEST_CASE("outbox: push_evicting discards the oldest whole frames to make room", "[outbox][fanout]") {
    Outbox outbox(10, Outbox::OnFailure::drop);
    std::size_t evicted = 99;
    CHECK(outbox.push_evicting("aaaa", evicted) == Push::queued);
    CHECK(evicted == 0);
    CHECK(outbox.push_evicting("bbbb", evicted) == Push::queued);
    CHECK(evicted == 0);
    CHECK(outbox.push_evicting("cccc", evicted) == Push::queued);
    CHECK(evicted == 1);
    CHECK(outbox.pending_messages() == 2);
    CHECK(outbox.push_evicting("dddddddd", evicted) == Push::queued);
    CHECK(evicted == 2);
    REQUIRE(outbox.link_up());
    CHECK(outbox_evicting_test::take_all(outbox) == "dddddddd");
}

TEST_CASE("outbox: push_evicting never touches the batch being written", "[outbox][fanout]") {
    Outbox outbox(10, Outbox::OnFailure::drop);
    std::size_t evicted = 0;
    outbox.link_up();
    CHECK(outbox.push_evicting("aaaaaa", evicted) == Push::start_write);
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));  // "aaaaaa" in flight
    CHECK(outbox.push_evicting("bbb", evicted) == Push::queued);
    CHECK(outbox.push_evicting("ccc", evicted) == Push::queued);
    CHECK(evicted == 1);  // "bbb" went, the in-flight frame stays
    // Nothing queued could make room for this one: refused, and nothing discarded for it.
    CHECK(outbox.push_evicting("ddddd", evicted) == Push::full);
    CHECK(evicted == 0);
    CHECK(outbox.pending_messages() == 2);
    const auto done = outbox.complete(batch.size, false);
    CHECK(done.delivered == 1);
    CHECK(done.drained);
    CHECK(outbox.written_count() == 1);
    REQUIRE(outbox.take_batch(batch));
    CHECK(*batch.bytes == "ccc");
    outbox.complete(batch.size, false);
    CHECK(outbox.written_count() == 2);  // the discarded frame is not counted as written
}

TEST_CASE("outbox: push_evicting stops at a queued request", "[outbox][fanout]") {
    Outbox outbox(10, Outbox::OnFailure::drop);
    std::size_t evicted = 0;
    CHECK(outbox.push_evicting("aaa", evicted) == Push::queued);
    std::uint64_t sequence = 0;
    CHECK(outbox.push("rrr", &sequence, true) == Push::queued);
    CHECK(sequence == 2);
    CHECK(outbox.push_evicting("bbb", evicted) == Push::queued);
    CHECK(outbox.push_evicting("ccc", evicted) == Push::queued);  // "aaa" goes, the request stays
    CHECK(evicted == 1);
    CHECK(outbox.push_evicting("dddddd", evicted) == Push::full);
    CHECK(evicted == 0);
    // The request keeps its place in the count of frames: one frame ahead of it now.
    CHECK(outbox.close() == 2);  // "bbb" and "ccc"; the request is its requester's to report
}
