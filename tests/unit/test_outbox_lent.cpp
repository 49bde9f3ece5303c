// Large bodies lent to emit (detail/lent_body.hpp): packed by reference, queued as lent pieces of
// the outbox, and copied (the lender let go) by whichever side finds them unwritten.
#include "connection/lender.hpp"
#include "connection/outbox.hpp"
#include "connection/shared_pack.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "ipcxx/detail/lent_body.hpp"

// Named, not anonymous: in a unity build the other outbox tests' helpers are in scope too.
namespace outbox_lent_test {

using ipcxx::detail::Lender;
using ipcxx::detail::Outbox;

constexpr std::size_t big = Outbox::share_threshold;
constexpr std::chrono::milliseconds now{0};

std::string gather(const Outbox::Batch& batch) {
    std::string all;
    batch.for_each_piece([&](std::string_view piece) { all += piece; });
    return all;
}

// Packs `value` for emit as Client::emit(const T&) does.
template <class T>
ipcxx::detail::PackedForEmit pack_lending(const T& value) {
    ipcxx::detail::PackedForEmit packed;
    ipcxx::detail::emit_lending_body(value, [&](const auto& lent) {
        packed = ipcxx::detail::pack_for_emit(lent);
        return std::error_code();
    });
    return packed;
}

TEST_CASE("lent body: a large text body is packed by reference, with the bytes a copy would have", "[outbox]") {
    const std::string text(big, 't');
    const std::string copied(ipcxx::detail::pack_thread_local(std::make_tuple(7, text)));
    for (const auto& packed : {pack_lending(std::make_tuple(7, std::cref(text))), pack_lending(std::make_tuple(7, std::string_view(text))),
                               pack_lending(std::pair<int, const std::string&>(7, text))}) {
        REQUIRE(packed.tail);
        CHECK(packed.tail->lent);
        CHECK_FALSE(packed.tail->owner);
        CHECK(packed.tail->bytes.data() == text.data());
        CHECK(ipcxx::detail::joined(packed.head, *packed.tail) == copied);
    }
    const auto alone = pack_lending(text);
    REQUIRE(alone.tail);
    CHECK(alone.tail->bytes.data() == text.data());
    CHECK(ipcxx::detail::joined(alone.head, *alone.tail) == ipcxx::detail::pack_thread_local(text));

    // A small body is copied; so is a lent one that anything follows, and one packed elsewhere.
    CHECK_FALSE(pack_lending(std::make_tuple(7, std::string(big - 1, 's'))).tail);
    CHECK_FALSE(ipcxx::detail::pack_for_emit(std::make_tuple(ipcxx::detail::LentBody{text}, 7)).tail);
    CHECK(ipcxx::detail::pack_thread_local(std::make_tuple(7, ipcxx::detail::LentBody{text})) == copied);
    CHECK_FALSE(ipcxx::detail::thread_pack_buffer().tail_lent);  // nothing lent is left behind
}

TEST_CASE("lent body: a queued lent piece is copied by copy_lent, and only the lender's", "[outbox]") {
    const std::string a(big, 'a');
    const std::string b(big, 'b');
    const auto shared = std::make_shared<const std::string>(big, 's');
    Lender lender_a;
    Lender lender_b;
    Outbox outbox(0, Outbox::OnFailure::requeue);
    outbox.push("A:", a, nullptr, false, lender_a.owner(), true);
    outbox.push("S:", *shared, nullptr, false, shared);
    outbox.push("B:", b, nullptr, false, lender_b.owner(), true);
    CHECK_FALSE(lender_a.released(now));

    CHECK(outbox.copy_lent(&lender_a));
    CHECK(lender_a.released(now));
    CHECK_FALSE(lender_b.released(now));
    CHECK_FALSE(outbox.copy_lent(&lender_a));  // nothing of it is lent any more

    REQUIRE(outbox.link_up());
    Outbox::Batch batch;
    REQUIRE(outbox.take_batch(batch));
    CHECK(batch.lent);
    REQUIRE(batch.shared->size() == 3);
    CHECK((*batch.shared)[0].bytes.data() != a.data());  // the copy
    CHECK((*batch.shared)[1].bytes.data() == shared->data());
    CHECK((*batch.shared)[2].bytes.data() == b.data());  // still the lender's
    CHECK(gather(batch) == "A:" + a + "S:" + *shared + "B:" + b);

    // In flight, only the writer copies it: the batch's bytes stay the same.
    CHECK_FALSE(outbox.copy_lent(&lender_b));
    CHECK_FALSE(lender_b.released(now));
    outbox.copy_lent_in_flight();
    CHECK(lender_b.released(now));
    CHECK((*batch.shared)[2].bytes.data() != b.data());
    CHECK((*batch.shared)[1].bytes.data() == shared->data());  // shared pieces stay by reference
    CHECK(gather(batch) == "A:" + a + "S:" + *shared + "B:" + b);
    CHECK(outbox.complete(batch.size, false).delivered == 3);
    CHECK(shared.use_count() == 1);
}

TEST_CASE("lent body: a lent piece is let go once written, or when the write fails and it is requeued", "[outbox]") {
    const std::string body(big, 'x');
    SECTION("written") {
        Lender lender;
        Outbox outbox(0, Outbox::OnFailure::requeue);
        REQUIRE(outbox.push("h", body, nullptr, false, lender.owner(), true) == Outbox::Push::queued);
        REQUIRE(outbox.link_up());
        Outbox::Batch batch;
        REQUIRE(outbox.take_batch(batch));
        CHECK_FALSE(lender.released(now));
        outbox.complete(batch.size, false);
        CHECK(lender.released(now));
    }
    SECTION("requeued after a failed write: queued again, so the lender's own copy_lent finds it") {
        Lender lender;
        Outbox outbox(0, Outbox::OnFailure::requeue);
        outbox.push("h", body, nullptr, false, lender.owner(), true);
        REQUIRE(outbox.link_up());
        Outbox::Batch batch;
        REQUIRE(outbox.take_batch(batch));
        outbox.complete(10, true);
        CHECK_FALSE(lender.released(now));
        CHECK(outbox.copy_lent(&lender));
        CHECK(lender.released(now));
        REQUIRE(outbox.link_up());
        REQUIRE(outbox.take_batch(batch));
        CHECK_FALSE(batch.lent);
        CHECK(gather(batch) == "h" + body);
    }
    SECTION("refused: never held") {
        Lender lender;
        Outbox outbox(big, Outbox::OnFailure::requeue);
        CHECK(outbox.push("h", body, nullptr, false, lender.owner(), true) == Outbox::Push::full);
        CHECK(lender.released(now));
    }
    SECTION("closed with the link down: let go with the queue") {
        Lender lender;
        Outbox outbox(0, Outbox::OnFailure::requeue);
        outbox.push("h", body, nullptr, false, lender.owner(), true);
        CHECK(outbox.close() == 1);
        CHECK(lender.released(now));
    }
}

}  // namespace outbox_lent_test
