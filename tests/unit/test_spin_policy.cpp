#include "runtime/spin_policy.hpp"

#include <catch2/catch.hpp>

#include <vector>

using ipcxx::detail::SpinPolicy;
using namespace std::chrono_literals;

namespace test_spin_policy {

const SpinPolicy::Clock::time_point t0 = SpinPolicy::Clock::time_point{} + 1000h;

// An I/O thread on a fake clock, as run_io drives the policy: each idle period ends with an event
// `gap` after the thread ran out of work, caught by its spin if the spin was still going then, else
// after a sleep.
class FakeThread {
public:
    explicit FakeThread(std::chrono::microseconds max_spin) : policy_(max_spin) {}

    // Returns whether the thread spun in this idle period.
    bool idle(SpinPolicy::Clock::duration gap) { return idle(gap, gap); }
    // The same with a gap that depends on whether the thread spins.
    bool idle(SpinPolicy::Clock::duration gap_when_spinning, SpinPolicy::Clock::duration gap_when_sleeping) {
        policy_.went_idle(now_);
        const bool spun = policy_.keep_spinning(now_);
        now_ += spun ? gap_when_spinning : gap_when_sleeping;
        policy_.found_work(now_);
        now_ += 3us;  // the handlers
        return spun;
    }

    // How many of `periods` idle periods with this gap spun.
    int spins(int periods, SpinPolicy::Clock::duration gap) {
        int n = 0;
        for (int i = 0; i < periods; ++i) n += idle(gap) ? 1 : 0;
        return n;
    }

    const SpinPolicy& policy() const { return policy_; }

private:
    SpinPolicy policy_;
    SpinPolicy::Clock::time_point now_ = t0;
};

}  // namespace test_spin_policy

using test_spin_policy::FakeThread;
using test_spin_policy::t0;

TEST_CASE("spin policy: a spin lasts at most the budget", "[spin_policy]") {
    SpinPolicy policy(50us);
    policy.went_idle(t0);
    CHECK(policy.keep_spinning(t0));
    CHECK(policy.keep_spinning(t0 + 49us));
    CHECK_FALSE(policy.keep_spinning(t0 + 50us));
}

TEST_CASE("spin policy: gaps under half the budget keep the thread spinning after every burst", "[spin_policy]") {
    FakeThread thread(50us);
    CHECK(thread.spins(1000, 10us) == 1000);
    CHECK(thread.spins(1000, 25us) == 1000);  // half the budget still counts as short
    CHECK(thread.policy().spinning_mode());
}

TEST_CASE("spin policy: gaps longer than the budget stop the spinning after a few", "[spin_policy]") {
    FakeThread thread(50us);
    CHECK(thread.spins(5, 100us) == 5);
    CHECK_FALSE(thread.policy().spinning_mode());
    SECTION("then it tries a spin at intervals that double up to 64 idle periods") {
        // One idle period in 2, 4, 8, ... 64 tries, then one in every 64.
        CHECK(thread.spins(1000, 100us) <= 21);
        CHECK(thread.spins(6400, 1ms) == 100);
    }
}

TEST_CASE("spin policy: gaps between half the budget and the budget cost more than they save", "[spin_policy]") {
    // Paced requests at 10,000/s: a reply or the next request about 40 us after the last event. A
    // spin would catch it, but would burn 40 us of CPU to save a wake-up.
    FakeThread thread(50us);
    thread.spins(5, 40us);
    CHECK_FALSE(thread.policy().spinning_mode());
    CHECK(thread.spins(1000, 40us) <= 21);
}

TEST_CASE("spin policy: a short gap then a long one, again and again, is not worth spinning for", "[spin_policy]") {
    // A server answering paced requests: the request, the completion of its reply soon after, then
    // silence until the next request.
    FakeThread thread(50us);
    int spins = 0;
    for (int i = 0; i < 1000; ++i) spins += (thread.idle(10us) ? 1 : 0) + (thread.idle(1ms) ? 1 : 0);
    CHECK_FALSE(thread.policy().spinning_mode());
    CHECK(spins <= 2000 / 64 + 20);
}

TEST_CASE("spin policy: a stray long gap among short ones does not stop the spinning", "[spin_policy]") {
    FakeThread thread(50us);
    for (int round = 0; round < 100; ++round) {
        REQUIRE(thread.idle(2ms));  // a preempted peer
        REQUIRE(thread.spins(4, 10us) == 4);
    }
    thread.spins(100, 10us);
    SECTION("nor do four in a row") {
        thread.spins(4, 2ms);
        CHECK(thread.policy().spinning_mode());
    }
    SECTION("five in a row do") {
        thread.spins(5, 2ms);
        CHECK_FALSE(thread.policy().spinning_mode());
    }
}

TEST_CASE("spin policy: a sleeping thread spins again once the gaps are short again", "[spin_policy]") {
    FakeThread thread(50us);
    thread.spins(2000, 1ms);  // tries one idle period in 64 by now, every one of them a miss
    REQUIRE_FALSE(thread.policy().spinning_mode());
    // Each try that finds a short gap lowers the miss rate; after 22 of them (every 64th idle
    // period) the thread spins on every idle period again.
    thread.spins(22 * 64, 10us);
    CHECK(thread.policy().spinning_mode());
    CHECK(thread.spins(1000, 10us) == 1000);
    SECTION("and a run of long gaps puts it back to sleeping, the tries soon spaced again") {
        thread.spins(5, 1ms);
        CHECK_FALSE(thread.policy().spinning_mode());
        CHECK(thread.spins(640, 1ms) <= 16);
    }
}

TEST_CASE("spin policy: a sleep that was not a try teaches nothing", "[spin_policy]") {
    // A gap after a sleep includes the thread's own wake-up and is no measure of what a spin would
    // have caught: short ones do not bring the spinning back, nor change the spacing of the tries.
    FakeThread a(50us), b(50us);
    a.spins(100, 1ms);
    b.spins(100, 1ms);
    REQUIRE_FALSE(b.policy().spinning_mode());
    std::vector<bool> spun_a, spun_b;
    for (int i = 0; i < 300; ++i) {
        spun_a.push_back(a.idle(1ms));
        spun_b.push_back(b.idle(1ms, 10us));
    }
    CHECK(spun_a == spun_b);
    CHECK_FALSE(b.policy().spinning_mode());
}
