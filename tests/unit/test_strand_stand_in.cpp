#include <catch2/catch.hpp>

#include <thread>

#include "runtime/strand_stand_in.hpp"

namespace strand_stand_in_tests {

using ipcxx::detail::StrandStandIn;

TEST_CASE("a strand stand-in marks its owner's strand on this thread only, for its lifetime", "[strand_stand_in]") {
    int first = 0;
    int second = 0;
    CHECK_FALSE(StrandStandIn::on_strand(&first));
    {
        const StrandStandIn outer(&first);
        CHECK(StrandStandIn::on_strand(&first));
        CHECK_FALSE(StrandStandIn::on_strand(&second));
        CHECK_FALSE(StrandStandIn::on_strand(nullptr));
        bool seen_elsewhere = true;
        std::thread([&] { seen_elsewhere = StrandStandIn::on_strand(&first); }).join();
        CHECK_FALSE(seen_elsewhere);
        {
            // Another connection's work run inside this one's: only the innermost is on its strand.
            const StrandStandIn inner(&second);
            CHECK(StrandStandIn::on_strand(&second));
            CHECK_FALSE(StrandStandIn::on_strand(&first));
        }
        CHECK(StrandStandIn::on_strand(&first));
    }
    CHECK_FALSE(StrandStandIn::on_strand(&first));
}

}  // namespace strand_stand_in_tests
