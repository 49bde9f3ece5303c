// A client's state made on first use (client/made_once.hpp): one object whichever thread asks
// first, the loser of a race destroyed unused, the survivor destroyed with its owner.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "client/made_once.hpp"

using ipcxx::detail::MadeOnce;

namespace made_once_test {

struct Counted {
    explicit Counted(std::atomic<int>& live) : live(live) { ++live; }
    ~Counted() { --live; }
    std::atomic<int>& live;
};

}  // namespace made_once_test

TEST_CASE("made once: racing first uses get one object, the only one left", "[made_once]") {
    using made_once_test::Counted;
    std::atomic<int> live{0};
    {
        MadeOnce<Counted> once;
        CHECK(once.if_made() == nullptr);
        constexpr int threads = 4;
        std::vector<const Counted*> got(threads, nullptr);
        std::vector<std::thread> racers;
        for (int i = 0; i < threads; ++i) {
            racers.emplace_back([&, i] { got[i] = &once.get([&] { return std::make_unique<Counted>(live); }); });
        }
        for (auto& racer : racers) racer.join();
        for (const Counted* object : got) CHECK(object == once.if_made());
        CHECK(once.if_made() != nullptr);
        CHECK(live == 1);
        CHECK(&once.get([&] { return std::make_unique<Counted>(live); }) == once.if_made());
        CHECK(live == 1);
    }
    CHECK(live == 0);
}
