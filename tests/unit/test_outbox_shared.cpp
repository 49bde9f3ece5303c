// Large tails queued by reference (Outbox::push with a tail owner) and the pack buffer they come from.
#include "connection/outbox.hpp"
#include "connection/shared_pack.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <limits>
#include <memory>
#include <tuple>
#include <string>
#include <vector>

#include "ipcxx/payload.hpp"
#include "ipcxx/shared_bytes.hpp"
#include "support/watchdog.hpp"

using ipcxx::detail::Outbox;
using Push = Outbox::Push;

namespace {

constexpr std::size_t big = Outbox::share_threshold;

std::shared_ptr<const std::string> tail_of(char fill, std::size_t size = big) {
    return std::make_shared<const std::string>(size, fill);
}

Push push_shared(Outbox& outbox, const std::string& head, const std::shared_ptr<const std::string>& tail) {
    return outbox.push(head, *tail, nullptr, false, tail);
}

// The batch as the socket would receive it, and how many of its pieces were shared.
std::string gather(const Outbox::Batch& batch, std::size_t* shared_pieces = nullptr) {
    std::string all;
    batch.for_each_piece([&](std::string_view piece) { all += piece; });
    if (shared_pieces) *shared_pieces = batch.shared->size();
    CHECK(all.size() == batch.size);
    return all;
}

}  // namespace

TEST_CASE("outbox shared: a large tail is queued by reference, a small one copied", "[outbox]") {
    Outbox outbox(0, Outbox::OnFailure::requeue);
    const auto large = tail_of('L');
    const auto small = tail_of('s', big - 1);
    push_shared(outbox, "h1", large);
    push_shared(outbox, "h2", small);
    outbox.push("plain");
    CHECK(outbox.pending_bytes() == 2 + big + 2 + (big - 1) + 5);

    REQUIRE(outbox.link_up());
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));
    REQUIRE(batch.shared->size() == 1);
    CHECK(batch.shared->front().bytes.data() == large->data());  // not a copy
    CHECK(gather(batch) == "h1" + *large + "h2" + *small + "plain");
    CHECK(batch.messages == 3);

    push_shared(outbox, "h3", tail_of('x'));  // pending while the batch is in flight
    CHECK(large.use_count() == 2);             // held while the write may read it
    CHECK(outbox.complete(batch.size, false).delivered == 3);
    CHECK(large.use_count() == 1);  // released once written
}

TEST_CASE("outbox shared: a failed write requeues shared frames whole and in order", "[outbox]") {
    const auto a = tail_of('a');
    const auto b = tail_of('b');
    const std::string c = "ccc";
    const std::string whole = "A:" + *a + "B:" + *b + c;
    // Frame ends: A at 2 + big, B at 4 + 2 big, c at 7 + 2 big.
    const std::vector<std::size_t> ends{2 + big, 4 + 2 * big, 7 + 2 * big};
    for (const std::size_t written : {std::size_t{0}, std::size_t{1}, std::size_t{2}, big + 1, big + 2, big + 3,
                                      2 * big + 4, 2 * big + 6}) {
        CAPTURE(written);
        Outbox outbox(0, Outbox::OnFailure::requeue);
        push_shared(outbox, "A:", a);
        push_shared(outbox, "B:", b);
        outbox.push(c);
        REQUIRE(outbox.link_up());
        Outbox::Batch batch;
        REQUIRE(outbox.take_batch(batch));
        REQUIRE(gather(batch) == whole);
        push_shared(outbox, "N:", tail_of('n'));

        std::size_t delivered = 0;
        while (delivered < ends.size() && ends[delivered] <= written) ++delivered;
        const std::size_t resend_from = delivered == 0 ? 0 : ends[delivered - 1];
        CHECK(outbox.complete(written, true).delivered == delivered);

        REQUIRE(outbox.link_up());
        REQUIRE(outbox.take_batch(batch));
        std::size_t shared = 0;
        CHECK(gather(batch, &shared) == whole.substr(resend_from) + "N:" + std::string(big, 'n'));
        CHECK(shared == (delivered == 0 ? 3u : delivered == 1 ? 2u : 1u));
        CHECK(outbox.complete(batch.size, false).delivered == batch.messages);
        CHECK(outbox.pending_bytes() == 0);
    }
}

TEST_CASE("outbox shared: a batch stops after batch_shared_bytes, the rest follows in order", "[outbox]") {
    Outbox outbox(0, Outbox::OnFailure::requeue);
    const std::size_t size = Outbox::batch_shared_bytes / 2 + 1;  // two of them pass the bound
    std::string expected;
    for (char fill : {'p', 'q', 'r'}) {
        const auto tail = tail_of(fill, size);
        push_shared(outbox, std::string(1, fill), tail);
        outbox.push("small");
        expected += std::string(1, fill) + *tail + "small";
    }
    REQUIRE(outbox.link_up());
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));
    std::string written = gather(batch);
    CHECK(batch.messages == 3);  // p small q: the bound is passed with q
    CHECK(outbox.complete(batch.size, false).delivered == 3);
    REQUIRE(outbox.take_batch(batch));
    written += gather(batch);
    CHECK(batch.messages == 3);
    CHECK(outbox.complete(batch.size, false).delivered == 3);
    CHECK(written == expected);
    CHECK_FALSE(outbox.take_batch(batch));
}

TEST_CASE("outbox shared: rewrite_pending sees whole frames; close keeps the in-flight pieces", "[outbox]") {
    Outbox outbox(0, Outbox::OnFailure::requeue);
    const auto tail = tail_of('t');
    push_shared(outbox, "<", tail);
    outbox.push("short");
    std::vector<std::string> seen;
    outbox.rewrite_pending([&](std::string_view frame, std::string& out) {
        seen.emplace_back(frame);
        out = "[" + std::string(frame.substr(0, 2)) + "]";
        return true;
    });
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == "<" + *tail);
    CHECK(seen[1] == "short");

    push_shared(outbox, "!", tail);
    REQUIRE(outbox.link_up());
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));
    CHECK(gather(batch) == "[<t][sh]!" + *tail);
    CHECK(outbox.close() == 3);
    // The write still in flight reads the shared piece: it stays until complete().
    CHECK(tail.use_count() == 2);
    CHECK(outbox.complete(batch.size, false).delivered == 0);
    CHECK(tail.use_count() == 1);
}

TEST_CASE("outbox shared: owners are released outside the outbox's lock", "[outbox]") {
    // An owner's last release may run a caller's deleter that calls back in (here: asks how much is
    // pending, as a producer refilling its pool would); under the lock that would deadlock.
    Outbox outbox(0, Outbox::OnFailure::drop);
    std::vector<std::size_t> seen_pending;
    const auto owner_calling_back = [&](char fill) {
        auto bytes = std::make_shared<std::string>(big, fill);
        std::shared_ptr<const void> owner(bytes.get(), [&, bytes](const void*) {
            seen_pending.push_back(outbox.pending_messages());
        });
        return std::make_pair(std::string_view(*bytes), owner);
    };
    const auto push_calling_back = [&](char fill) {
        auto [tail, owner] = owner_calling_back(fill);
        return outbox.push("h", tail, nullptr, false, std::move(owner));
    };
    test::Watchdog watchdog(std::chrono::seconds(10), "an owner released while the outbox is locked");

    REQUIRE(push_calling_back('a') == Push::queued);
    REQUIRE(outbox.link_up());
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));
    REQUIRE(push_calling_back('b') == Push::queued);
    outbox.complete(batch.size, false);  // written: a's owner goes
    CHECK(seen_pending == std::vector<std::size_t>{1});

    CHECK(outbox.rewrite_pending([](std::string_view frame, std::string& out) {
        out.assign(frame);
        return true;
    }) == 0);  // b now copied: its owner goes
    CHECK(seen_pending == std::vector<std::size_t>{1, 1});

    REQUIRE(push_calling_back('c') == Push::queued);
    CHECK(outbox.discard_pending() == 2);
    CHECK(seen_pending == std::vector<std::size_t>{1, 1, 0});

    REQUIRE(push_calling_back('d') == Push::queued);  // the writer still runs: it takes it next
    REQUIRE(outbox.take_batch(batch));
    REQUIRE(push_calling_back('e') == Push::queued);
    CHECK(outbox.complete(1, true).undelivered == 2);  // failed in drop mode: d and e go
    CHECK(seen_pending == std::vector<std::size_t>{1, 1, 0, 0, 0});

    REQUIRE(push_calling_back('f') == Push::queued);
    CHECK(outbox.close() == 1);
    CHECK(seen_pending == std::vector<std::size_t>{1, 1, 0, 0, 0, 0});
}

TEST_CASE("shared pack: emit takes over this thread's pack buffer only for a large whole pack", "[outbox]") {
    const std::string text(big, 'z');
    const std::string_view packed = ipcxx::detail::pack_thread_local(text);
    const std::string copy(packed);
    CHECK_FALSE(ipcxx::detail::adopt_packed(packed.substr(1)));  // not the whole buffer
    const auto owner = ipcxx::detail::adopt_packed(packed);
    REQUIRE(owner);
    CHECK(packed == copy);  // still valid: the owner holds the same memory
    const std::string_view next = ipcxx::detail::pack_thread_local(text);
    CHECK(next.data() != packed.data());  // this thread packs elsewhere now
    CHECK(packed == copy);

    const std::string_view small = ipcxx::detail::pack_thread_local(std::string(16, 'y'));
    CHECK_FALSE(ipcxx::detail::adopt_packed(small));
    const std::string elsewhere(copy);
    CHECK_FALSE(ipcxx::detail::adopt_packed(elsewhere));  // not this thread's buffer
}

TEST_CASE("shared bytes: packed as bin or str, by reference only when last and packed for emit", "[outbox]") {
    auto text = std::make_shared<const std::string>(big, 't');
    const ipcxx::SharedBytes body(text, ipcxx::SharedBytes::Kind::text);
    const std::string copied(ipcxx::detail::pack_thread_local(std::make_tuple(7, *text)));

    // Everywhere else the value is packed whole, as if it were a std::string.
    CHECK(ipcxx::detail::pack_thread_local(std::make_tuple(7, body)) == copied);
    msgpack::sbuffer elsewhere;
    msgpack::pack(elsewhere, std::make_tuple(7, body));
    CHECK(std::string_view(elsewhere.data(), elsewhere.size()) == copied);

    // For emit, the body stays by reference when nothing follows it.
    const auto packed = ipcxx::detail::pack_for_emit(std::make_tuple(7, body));
    REQUIRE(packed.tail);
    CHECK(packed.tail->bytes.data() == text->data());
    CHECK(packed.tail->owner.get() == text.get());
    CHECK(ipcxx::detail::joined(packed.head, *packed.tail) == copied);
    CHECK(ipcxx::detail::thread_pack_buffer().tail.empty());  // handed over once, not left behind

    const auto followed = ipcxx::detail::pack_for_emit(std::make_tuple(body, 7));
    CHECK_FALSE(followed.tail);
    CHECK(followed.head.size() > big);  // copied, then 7

    const ipcxx::SharedBytes small(std::string(100, 's'));
    CHECK_FALSE(ipcxx::detail::pack_for_emit(std::make_tuple(1, small)).tail);
    const ipcxx::SharedBytes binary(std::string(big, 'b'));
    const auto unpacked = msgpack::unpack(elsewhere.data(), elsewhere.size());
    CHECK(unpacked.get().via.array.ptr[1].type == msgpack::type::STR);
    msgpack::sbuffer as_bin;
    msgpack::pack(as_bin, binary);
    CHECK(msgpack::unpack(as_bin.data(), as_bin.size()).get().type == msgpack::type::BIN);
}

TEST_CASE("shared bytes: a body over msgpack's 4 GiB limit throws and leaves no owner behind", "[outbox]") {
    auto owner = std::make_shared<const std::string>("x");
    // Never read: the size is refused before any byte is.
    const std::size_t over = std::size_t{std::numeric_limits<std::uint32_t>::max()} + 1;
    const ipcxx::SharedBytes huge(owner, std::string_view(owner->data(), over));
    CHECK_THROWS_AS(ipcxx::detail::pack_for_emit(std::make_tuple(1, huge)), msgpack::container_size_overflow);
    CHECK(owner.use_count() == 2);  // `huge` and this test: the pack buffer holds none
    CHECK_FALSE(ipcxx::detail::pack_for_emit(std::make_tuple(1, 2)).tail);

    const ipcxx::SharedBytes none(std::shared_ptr<const std::string>{});
    CHECK(none.bytes().empty());
}
