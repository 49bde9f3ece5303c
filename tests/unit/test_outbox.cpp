#include "connection/outbox.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

using ipcxx::detail::Outbox;
using Push = Outbox::Push;

namespace {

std::string take_all(Outbox& outbox) {
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));
    REQUIRE(batch.bytes != nullptr);
    REQUIRE(batch.shared->empty());
    return *batch.bytes;
}

}  // namespace

TEST_CASE("outbox: frames wait for the link, then one writer drains them", "[outbox]") {
    Outbox outbox(0, Outbox::OnFailure::requeue);
    CHECK(outbox.push("aaa") == Push::queued);  // the link starts down
    CHECK(outbox.push("bbbb") == Push::queued);
    CHECK(outbox.pending_messages() == 2);
    CHECK(outbox.pending_bytes() == 7);

    REQUIRE(outbox.link_up());
    CHECK_FALSE(outbox.link_up());  // the writer is already started
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));
    CHECK(*batch.bytes == "aaabbbb");
    CHECK(batch.messages == 2);

    // Pushed while a write is in flight: queued, the running writer picks it up.
    CHECK(outbox.push("cc") == Push::queued);
    CHECK(outbox.pending_messages() == 3);
    CHECK(outbox.pending_bytes() == 9);

    auto done = outbox.complete(7, false);
    CHECK(done.delivered == 2);
    CHECK(done.undelivered == 0);
    CHECK_FALSE(done.drained);
    CHECK(take_all(outbox) == "cc");
    CHECK(outbox.push("d") == Push::queued);  // still the same writer until take_batch says idle
    CHECK(outbox.complete(2, false).delivered == 1);
    CHECK(take_all(outbox) == "d");
    CHECK(outbox.complete(1, false).delivered == 1);
    CHECK_FALSE(outbox.take_batch(batch));

    CHECK(outbox.pending_messages() == 0);
    CHECK(outbox.push("e") == Push::start_write);
    CHECK(outbox.push("f") == Push::queued);
    CHECK(take_all(outbox) == "ef");
}

TEST_CASE("outbox: take_batch without a link or without frames stops the writer", "[outbox]") {
    Outbox outbox(0, Outbox::OnFailure::requeue);
    Outbox::Batch batch;
    CHECK_FALSE(outbox.take_batch(batch));  // down
    CHECK_FALSE(outbox.link_up());          // up, nothing pending
    CHECK_FALSE(outbox.take_batch(batch));
    CHECK(outbox.push("x") == Push::start_write);
    outbox.link_down();  // before the writer ran: it will find the link down
    CHECK_FALSE(outbox.take_batch(batch));
    CHECK(outbox.pending_messages() == 1);
    CHECK(outbox.link_up());
    CHECK(take_all(outbox) == "x");
}

TEST_CASE("outbox: a failed write requeues the unwritten frames ahead of newer ones",
          "[outbox]") {
    const std::array<std::string, 3> frames{"AAA", "BBBB", "CC"};
    const std::string batch_bytes = "AAABBBBCC";
    // Frame i ends at ends[i]: written counts as delivered only once its last byte is out.
    const std::array<std::size_t, 3> ends{3, 7, 9};

    for (std::size_t written = 0; written <= batch_bytes.size(); ++written) {
        CAPTURE(written);
        Outbox outbox(0, Outbox::OnFailure::requeue);
        for (const auto& frame : frames) {
            outbox.push(frame);
        }
        REQUIRE(outbox.link_up());
        REQUIRE(take_all(outbox) == batch_bytes);
        CHECK(outbox.push("new") == Push::queued);

        std::size_t delivered = 0;
        while (delivered < ends.size() && ends[delivered] <= written) {
            ++delivered;
        }
        const std::size_t resend_from = delivered == 0 ? 0 : ends[delivered - 1];

        const auto done = outbox.complete(written, true);
        CHECK(done.delivered == delivered);
        CHECK(done.undelivered == 0);
        CHECK(outbox.pending_messages() == frames.size() - delivered + 1);
        CHECK(outbox.pending_bytes() == batch_bytes.size() - resend_from + 3);

        // The link is down after the failure; frames pushed now still come after the requeued ones.
        Outbox::Batch batch;
        CHECK_FALSE(outbox.take_batch(batch));
        CHECK(outbox.push("newer") == Push::queued);
        REQUIRE(outbox.link_up());
        REQUIRE(outbox.take_batch(batch));
        CHECK(*batch.bytes == batch_bytes.substr(resend_from) + "new" + "newer");
        CHECK(batch.messages == frames.size() - delivered + 2);
        CHECK(outbox.complete(batch.bytes->size(), false).delivered == batch.messages);
    }
}

TEST_CASE("outbox: drop mode reports unwritten and queued frames undelivered", "[outbox]") {
    const std::string batch_bytes = "AAABBBBCC";
    const std::array<std::size_t, 3> ends{3, 7, 9};

    for (std::size_t written = 0; written <= batch_bytes.size(); ++written) {
        CAPTURE(written);
        Outbox outbox(0, Outbox::OnFailure::drop);
        outbox.push("AAA");
        outbox.push("BBBB");
        outbox.push("CC");
        REQUIRE(outbox.link_up());
        REQUIRE(take_all(outbox) == batch_bytes);
        outbox.push("new");
        outbox.push("newer");

        std::size_t delivered = 0;
        while (delivered < ends.size() && ends[delivered] <= written) {
            ++delivered;
        }
        const auto done = outbox.complete(written, true);
        CHECK(done.delivered == delivered);
        CHECK(done.undelivered == 3 - delivered + 2);
        CHECK(outbox.pending_messages() == 0);
        CHECK(outbox.pending_bytes() == 0);
    }
}

TEST_CASE("outbox: max_bytes refuses whole frames and reports the drain once", "[outbox]") {
    SECTION("queued and in-flight bytes both count") {
        Outbox outbox(10, Outbox::OnFailure::requeue);
        CHECK(outbox.push("123456") == Push::queued);
        CHECK(outbox.push("12345") == Push::full);
        CHECK(outbox.pending_messages() == 1);
        CHECK(outbox.push("1234") == Push::queued);  // exactly max_bytes is allowed
        CHECK(outbox.pending_bytes() == 10);
        REQUIRE(outbox.link_up());
        REQUIRE(take_all(outbox) == "1234561234");
        CHECK(outbox.push("1") == Push::full);  // in flight is not yet written

        const auto done = outbox.complete(10, false);
        CHECK(done.delivered == 2);
        CHECK(done.drained);
        CHECK(outbox.push("1") == Push::queued);
        CHECK(take_all(outbox) == "1");
        CHECK_FALSE(outbox.complete(1, false).drained);  // reported once per refusal
    }
    SECTION("no refusal, no drain") {
        Outbox outbox(10, Outbox::OnFailure::requeue);
        outbox.push("123456");
        REQUIRE(outbox.link_up());
        take_all(outbox);
        CHECK_FALSE(outbox.complete(6, false).drained);
    }
    SECTION("a failure that frees nothing does not drain; the later success does") {
        Outbox outbox(10, Outbox::OnFailure::requeue);
        outbox.push("123456");
        CHECK(outbox.push("12345") == Push::full);
        REQUIRE(outbox.link_up());
        take_all(outbox);
        CHECK_FALSE(outbox.complete(5, true).drained);  // the frame is requeued whole
        CHECK(outbox.pending_bytes() == 6);
        REQUIRE(outbox.link_up());
        take_all(outbox);
        CHECK(outbox.complete(6, false).drained);
    }
    SECTION("a drop-mode failure frees everything") {
        Outbox outbox(10, Outbox::OnFailure::drop);
        outbox.push("123456");
        REQUIRE(outbox.link_up());
        take_all(outbox);
        outbox.push("1234");
        CHECK(outbox.push("1") == Push::full);
        const auto done = outbox.complete(0, true);
        CHECK(done.undelivered == 2);
        CHECK(done.drained);
    }
    SECTION("0 means unlimited") {
        Outbox outbox(0, Outbox::OnFailure::requeue);
        CHECK(outbox.max_bytes() == 0);
        const std::string big(1 << 20, 'x');
        for (int i = 0; i < 8; ++i) {
            REQUIRE(outbox.push(big) == Push::queued);
        }
        CHECK(outbox.pending_bytes() == 8u << 20);
    }
}

TEST_CASE("outbox: close discards queued and in-flight frames once", "[outbox]") {
    for (const auto mode : {Outbox::OnFailure::requeue, Outbox::OnFailure::drop}) {
        Outbox outbox(0, mode);
        outbox.push("aa");
        outbox.push("bb");
        REQUIRE(outbox.link_up());
        Outbox::Batch batch;
        REQUIRE(outbox.take_batch(batch));
        outbox.push("cc");

        CHECK(outbox.close() == 3);
        CHECK(outbox.push("dd") == Push::closed);
        CHECK(outbox.pending_messages() == 0);
        CHECK(outbox.pending_bytes() == 0);
        // The writer's buffer is untouched until its write completes.
        CHECK(*batch.bytes == "aabb");

        // close() already reported those messages: the late completion counts none of them.
        const auto done = outbox.complete(1, true);
        CHECK(done.delivered == 0);
        CHECK(done.undelivered == 0);
        CHECK_FALSE(outbox.link_up());
        CHECK_FALSE(outbox.take_batch(batch));
        CHECK(outbox.close() == 0);
    }
}

TEST_CASE("outbox: reopen after close starts afresh, with sequences after the discarded frames", "[outbox]") {
    Outbox outbox(10, Outbox::OnFailure::requeue);
    std::uint64_t seq = 0;
    outbox.push("aa", &seq);
    REQUIRE(outbox.link_up());
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));
    outbox.complete(2, false);  // "aa" written
    outbox.push("bbb", &seq, true);  // a request, never written
    outbox.push("cccc");
    CHECK(outbox.push("dddd") == Push::full);
    CHECK(outbox.close() == 1);
    CHECK(outbox.written_count() == 1);

    outbox.reopen();
    CHECK(outbox.pending_messages() == 0);
    CHECK(outbox.pending_bytes() == 0);
    REQUIRE(outbox.push("ee", &seq) == Push::queued);  // the link is down until the next connection
    CHECK(seq == 4);
    // Nothing of the last run counts as written after it: the discarded frames neither.
    CHECK(outbox.written_count() == 3);
    REQUIRE(outbox.link_up());
    REQUIRE(outbox.take_batch(batch));
    CHECK(*batch.bytes == "ee");
    const auto done = outbox.complete(2, false);
    CHECK(done.delivered == 1);
    CHECK_FALSE(done.drained);  // the refusal belonged to the closed run
    CHECK(outbox.written_count() == 4);
    CHECK(outbox.close() == 0);

    Outbox open(0, Outbox::OnFailure::requeue);
    open.push("xx", &seq);
    open.reopen();  // an open outbox keeps what it holds
    CHECK(open.pending_messages() == 1);
    CHECK(open.written_count() == 0);
}

TEST_CASE("outbox: discard_pending leaves the in-flight batch alone", "[outbox]") {
    Outbox outbox(0, Outbox::OnFailure::requeue);
    outbox.push("aa");
    REQUIRE(outbox.link_up());
    REQUIRE(take_all(outbox) == "aa");
    outbox.push("bb");
    outbox.push("cc");
    CHECK(outbox.discard_pending() == 2);
    CHECK(outbox.pending_messages() == 1);
    CHECK(outbox.complete(2, false).delivered == 1);
    Outbox::Batch batch;
    CHECK_FALSE(outbox.take_batch(batch));
    CHECK(outbox.push("dd") == Push::start_write);  // still open
}

TEST_CASE("outbox: link down and up while a batch is in flight", "[outbox]") {
    SECTION("the in-flight writer keeps ownership across a bounce") {
        Outbox outbox(0, Outbox::OnFailure::requeue);
        outbox.push("aa");
        REQUIRE(outbox.link_up());
        REQUIRE(take_all(outbox) == "aa");
        outbox.link_down();
        CHECK(outbox.push("bb") == Push::queued);
        CHECK_FALSE(outbox.link_up());  // the in-flight write's completion drives the writer
        CHECK(outbox.push("cc") == Push::queued);
        CHECK(outbox.complete(2, false).delivered == 1);
        CHECK(take_all(outbox) == "bbcc");
    }
    SECTION("down at completion: the writer stops, link_up restarts it") {
        Outbox outbox(0, Outbox::OnFailure::requeue);
        outbox.push("aa");
        REQUIRE(outbox.link_up());
        REQUIRE(take_all(outbox) == "aa");
        outbox.link_down();
        outbox.push("bb");
        CHECK(outbox.complete(2, false).delivered == 1);
        Outbox::Batch batch;
        CHECK_FALSE(outbox.take_batch(batch));
        CHECK(outbox.push("cc") == Push::queued);
        REQUIRE(outbox.link_up());
        CHECK(take_all(outbox) == "bbcc");
    }
    SECTION("a second writer started around a bounce cannot steal the batch") {
        Outbox outbox(0, Outbox::OnFailure::requeue);
        REQUIRE_FALSE(outbox.link_up());
        CHECK(outbox.push("aa") == Push::start_write);  // writer 1 scheduled
        outbox.link_down();
        REQUIRE(outbox.link_up());  // writer 2 scheduled
        REQUIRE(take_all(outbox) == "aa");  // one of them runs
        outbox.push("bb");
        Outbox::Batch batch;
        CHECK_FALSE(outbox.take_batch(batch));  // the other finds a batch in flight
        CHECK(outbox.push("cc") == Push::queued);  // and the writer is still known active
        CHECK(outbox.complete(2, false).delivered == 1);
        CHECK(take_all(outbox) == "bbcc");
    }
}

TEST_CASE("outbox: steady state reuses the two buffers", "[outbox]") {
    Outbox outbox(0, Outbox::OnFailure::requeue);
    const std::string frame(200, 'f');  // beyond any small-string buffer
    REQUIRE_FALSE(outbox.link_up());
    std::set<const char*> buffers;
    for (int round = 0; round < 100; ++round) {
        REQUIRE(outbox.push(frame) == Push::start_write);
        REQUIRE(outbox.push(frame) == Push::queued);
        Outbox::Batch batch;
        REQUIRE(outbox.take_batch(batch));
        if (round >= 2) {
            buffers.insert(batch.bytes->data());
        }
        REQUIRE(outbox.complete(batch.bytes->size(), false).delivered == 2);
        REQUIRE_FALSE(outbox.take_batch(batch));
    }
    CHECK(buffers.size() <= 2);
}

namespace {

constexpr int producer_count = 4;
constexpr std::uint32_t pushes_per_producer = 10000;

// Frame: [total length][producer][seq, 4 bytes little-endian][filler of seq % 7 bytes].
std::string make_frame(int producer, std::uint32_t seq) {
    std::string frame;
    frame.push_back(static_cast<char>(6 + seq % 7));
    frame.push_back(static_cast<char>(producer));
    for (int shift = 0; shift < 32; shift += 8) {
        frame.push_back(static_cast<char>((seq >> shift) & 0xff));
    }
    frame.append(seq % 7, static_cast<char>('a' + producer));
    return frame;
}

// The peer: decodes what reached it on the current link; a partial frame dies with the link.
struct Receiver {
    std::string link_bytes;
    std::array<std::int64_t, producer_count> last_seq{-1, -1, -1, -1};
    std::array<std::size_t, producer_count> received{};
    bool exactly_in_order = true;  // no gap, no duplicate
    bool in_order = true;          // increasing

    std::size_t feed(const char* data, std::size_t size) {
        link_bytes.append(data, size);
        std::size_t frames = 0;
        std::size_t offset = 0;
        while (offset < link_bytes.size()) {
            const auto length = static_cast<unsigned char>(link_bytes[offset]);
            if (link_bytes.size() - offset < length) {
                break;
            }
            const auto producer = static_cast<std::size_t>(link_bytes[offset + 1]);
            std::uint32_t seq = 0;
            for (int byte = 0; byte < 4; ++byte) {
                seq |= std::uint32_t{static_cast<unsigned char>(link_bytes[offset + 2 + byte])}
                       << (8 * byte);
            }
            exactly_in_order = exactly_in_order && seq == last_seq[producer] + 1;
            in_order = in_order && seq > last_seq[producer];
            last_seq[producer] = seq;
            ++received[producer];
            ++frames;
            offset += length;
        }
        link_bytes.erase(0, offset);
        return frames;
    }
    void link_lost() { link_bytes.clear(); }
};

struct Xorshift {
    std::uint64_t state;
    std::uint64_t next() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
    std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }
};

struct StressResult {
    std::size_t accepted = 0;
    std::size_t refused = 0;
    std::size_t delivered = 0;
    std::size_t undelivered = 0;
    std::size_t drained = 0;
    std::size_t failures = 0;
    std::size_t pending_at_end = 0;
    bool one_writer = true;         // start_write never handed out while a writer ran
    bool counts_match = true;       // Completion::delivered == frames the peer decoded
    bool finished = false;          // everything settled before the deadline
    bool unexpected_push = false;   // a push answered neither accepted nor full
    Receiver receiver;
};

// A producer refused `full` tries up to `attempts_when_full` times (0: until accepted), then
// counts the frame refused.
StressResult run_stress(Outbox::OnFailure mode, std::size_t max_bytes,
                        std::size_t attempts_when_full) {
    Outbox outbox(max_bytes, mode);
    StressResult result;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::atomic<int> kicks{0};
    std::atomic<int> producers_running{producer_count};
    std::atomic<std::size_t> accepted{0};
    std::atomic<std::size_t> refused{0};
    std::atomic<bool> unexpected_push{false};

    // Where producers give up, the writer waits until one has (bounded), so that the refusal path
    // is taken however fast the writer would otherwise keep room free.
    const auto hold_until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::thread consumer([&] {
        Xorshift rng{0x9e3779b97f4a7c15ULL};
        bool active = false;
        bool up = false;
        while (std::chrono::steady_clock::now() < deadline) {
            if (attempts_when_full != 0 && refused.load() == 0 && std::chrono::steady_clock::now() < hold_until) {
                std::this_thread::yield();
                continue;
            }
            const bool producers_done = producers_running.load() == 0;
            if (!active) {
                const int kicked = kicks.exchange(0);
                result.one_writer = result.one_writer && kicked <= 1;
                if (kicked == 1) {
                    active = true;
                } else if (!up) {
                    up = true;
                    active = outbox.link_up();
                }
            }
            if (active) {
                Outbox::Batch batch;
                if (!outbox.take_batch(batch)) {
                    active = false;
                    continue;
                }
                const std::string& bytes = *batch.bytes;
                // In requeue mode failures stop once the producers are done, so that the queue
                // can empty; in drop mode a failure empties it.
                const bool may_fail = !producers_done || mode == Outbox::OnFailure::drop;
                const bool fail = may_fail && rng.below(8) == 0;
                const std::size_t written = fail ? rng.below(bytes.size() + 1) : bytes.size();
                std::size_t decoded = 0;
                // Short writes: the bytes reach the peer in random pieces.
                for (std::size_t offset = 0; offset < written;) {
                    const std::size_t piece = std::min(written - offset, 1 + rng.below(64));
                    decoded += result.receiver.feed(bytes.data() + offset, piece);
                    offset += piece;
                }
                const auto done = outbox.complete(written, fail);
                result.counts_match = result.counts_match && done.delivered == decoded;
                result.delivered += done.delivered;
                result.undelivered += done.undelivered;
                result.drained += done.drained ? 1 : 0;
                if (fail) {
                    ++result.failures;
                    result.receiver.link_lost();
                    active = false;
                    up = false;
                }
                continue;
            }
            if (producers_done && up && outbox.pending_messages() == 0) {
                result.finished = true;
                return;
            }
            std::this_thread::yield();
        }
    });

    std::vector<std::thread> producers;
    for (int producer = 0; producer < producer_count; ++producer) {
        producers.emplace_back([&, producer] {
            for (std::uint32_t seq = 0; seq < pushes_per_producer; ++seq) {
                const std::string frame = make_frame(producer, seq);
                for (std::size_t attempt = 1; std::chrono::steady_clock::now() < deadline;
                     ++attempt) {
                    const auto pushed = outbox.push(frame);
                    if (pushed == Push::start_write) {
                        kicks.fetch_add(1);
                    }
                    if (pushed == Push::queued || pushed == Push::start_write) {
                        accepted.fetch_add(1);
                        break;
                    }
                    // Catch2 assertions are not thread-safe: record, check on the main thread.
                    if (pushed != Push::full) {
                        unexpected_push.store(true);
                        break;
                    }
                    if (attempt == attempts_when_full) {
                        refused.fetch_add(1);
                        break;
                    }
                    std::this_thread::yield();
                }
            }
            producers_running.fetch_sub(1);
        });
    }
    for (auto& producer : producers) {
        producer.join();
    }
    consumer.join();
    result.accepted = accepted.load();
    result.refused = refused.load();
    result.pending_at_end = outbox.pending_messages();
    result.unexpected_push = unexpected_push.load();
    return result;
}

}  // namespace

TEST_CASE("outbox: concurrent producers, requeue mode delivers every frame once in order",
          "[outbox][threads]") {
    const auto result = run_stress(Outbox::OnFailure::requeue, 4096, 0);
    REQUIRE(result.finished);
    CHECK_FALSE(result.unexpected_push);
    CHECK(result.one_writer);
    CHECK(result.counts_match);
    CHECK(result.failures > 0);
    CHECK(result.accepted == producer_count * pushes_per_producer);
    CHECK(result.undelivered == 0);
    CHECK(result.delivered + result.undelivered + result.pending_at_end == result.accepted);
    CHECK(result.receiver.exactly_in_order);
    for (const auto received : result.receiver.received) {
        CHECK(received == pushes_per_producer);
    }
    CHECK(result.drained > 0);  // 4096 bytes cannot hold what four producers push
}

TEST_CASE("outbox: concurrent producers, drop mode accounts for every accepted frame",
          "[outbox][threads]") {
    const auto result = run_stress(Outbox::OnFailure::drop, 2048, 3);
    REQUIRE(result.finished);
    CHECK_FALSE(result.unexpected_push);
    CHECK(result.one_writer);
    CHECK(result.counts_match);
    CHECK(result.failures > 0);
    CHECK(result.undelivered > 0);
    CHECK(result.refused > 0);
    CHECK(result.accepted + result.refused == producer_count * pushes_per_producer);
    CHECK(result.delivered + result.undelivered + result.pending_at_end == result.accepted);
    CHECK(result.pending_at_end == 0);
    CHECK(result.receiver.in_order);
    std::size_t received = 0;
    for (const auto count : result.receiver.received) {
        received += count;
    }
    CHECK(received == result.delivered);
}

TEST_CASE("outbox: sequence numbers and written_count follow push order across requeues", "[outbox]") {
    ipcxx::detail::Outbox box(0, ipcxx::detail::Outbox::OnFailure::requeue);
    std::uint64_t seq = 0;
    REQUIRE(box.push("aa", &seq) == ipcxx::detail::Outbox::Push::queued);
    CHECK(seq == 1);
    box.push("bbb", &seq);
    CHECK(seq == 2);
    REQUIRE(box.link_up());
    ipcxx::detail::Outbox::Batch batch;
    REQUIRE(box.take_batch(batch));
    box.complete(3, true);  // "aa" written, "bbb" cut
    CHECK(box.written_count() == 1);
    box.push("c", &seq);
    CHECK(seq == 3);
    REQUIRE(box.link_up());
    REQUIRE(box.take_batch(batch));
    CHECK(*batch.bytes == "bbbc");
    box.complete(4, false);
    CHECK(box.written_count() == 3);
}

TEST_CASE("outbox: rewrite_pending re-encodes queued frames in order and drops refused ones", "[outbox]") {
    ipcxx::detail::Outbox box(0, ipcxx::detail::Outbox::OnFailure::requeue);
    box.push("one");
    box.push("two");
    box.push("three");
    const std::size_t dropped = box.rewrite_pending([](std::string_view frame, std::string& out) {
        if (frame == "two") return false;
        out = "<" + std::string(frame) + ">";
        return true;
    });
    CHECK(dropped == 1);
    CHECK(box.pending_messages() == 2);
    REQUIRE(box.link_up());
    ipcxx::detail::Outbox::Batch batch;
    REQUIRE(box.take_batch(batch));
    CHECK(*batch.bytes == "<one><three>");
}

TEST_CASE("outbox: requests are never counted undelivered (their requester reports them)", "[outbox]") {
    std::uint64_t sequence = 0;
    SECTION("close with requests queued and in flight") {
        Outbox outbox(0, Outbox::OnFailure::requeue);
        outbox.push("e1");
        outbox.push("r1", &sequence, true);
        REQUIRE(outbox.link_up());
        REQUIRE(take_all(outbox) == "e1r1");
        outbox.push("e2");
        outbox.push("r2", &sequence, true);
        CHECK(outbox.pending_messages() == 4);
        CHECK(outbox.close() == 2);  // e1 and e2
    }
    SECTION("written requests are forgotten; the rest are left to their requester") {
        Outbox outbox(0, Outbox::OnFailure::requeue);
        outbox.push("r1", &sequence, true);
        outbox.push("e1");
        REQUIRE(outbox.link_up());
        REQUIRE(take_all(outbox) == "r1e1");
        CHECK(outbox.complete(4, false).delivered == 2);
        outbox.push("e2");
        outbox.push("r2", &sequence, true);
        outbox.push("e3");
        CHECK(sequence == 4);
        CHECK(outbox.discard_pending() == 2);  // e2 and e3
        outbox.push("r3", &sequence, true);
        CHECK(outbox.close() == 0);
    }
    SECTION("drop mode: a failed write counts the events only") {
        Outbox outbox(0, Outbox::OnFailure::drop);
        outbox.push("e1");
        outbox.push("r1", &sequence, true);
        outbox.push("e2");
        REQUIRE(outbox.link_up());
        REQUIRE(take_all(outbox) == "e1r1e2");
        outbox.push("r2", &sequence, true);
        outbox.push("e3");
        const auto done = outbox.complete(2, true);  // e1 written
        CHECK(done.delivered == 1);
        CHECK(done.undelivered == 2);  // e2 and e3; r1 and r2 fail through their requests
        CHECK(outbox.close() == 0);
    }
    SECTION("requeue mode keeps unwritten requests counted out after a failed write") {
        Outbox outbox(0, Outbox::OnFailure::requeue);
        outbox.push("r1", &sequence, true);
        outbox.push("e1");
        REQUIRE(outbox.link_up());
        REQUIRE(take_all(outbox) == "r1e1");
        const auto done = outbox.complete(3, true);  // r1 written, e1 partly
        CHECK(done.delivered == 1);
        CHECK(done.undelivered == 0);
        outbox.push("r2", &sequence, true);
        CHECK(outbox.close() == 1);  // e1
    }
}
