#include "runtime/spin_policy.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
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

    // An idle period whose event comes from a peer on the same CPU: it comes `peer_turn` later, while
    // the spinning thread's first yield lets the peer run (or while the thread sleeps).
    bool idle_sharing_cpu(SpinPolicy::Clock::duration peer_turn) {
        policy_.went_idle(now_);
        const bool spun = policy_.keep_spinning(now_);
        if (spun) policy_.yielded(now_, now_ + peer_turn);
        now_ += peer_turn;
        policy_.found_work(now_);
        now_ += 3us;
        return spun;
    }

    // An idle period on a CPU of its own: each yield returns at once (`yield` later) and each poll
    // takes 1 us, until the event `gap` after the thread went idle.
    bool idle_polling(SpinPolicy::Clock::duration gap, SpinPolicy::Clock::duration yield) {
        policy_.went_idle(now_);
        const auto event = now_ + gap;
        bool spun = false;
        while (policy_.keep_spinning(now_)) {
            spun = true;
            policy_.yielded(now_, now_ + yield);
            now_ += yield;
            if (now_ >= event) break;
            now_ += 1us;
        }
        now_ = std::max(now_, event);
        policy_.found_work(now_);
        now_ += 3us;
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

TEST_CASE("spin policy: work that came while a yield let another thread run stops the spinning", "[spin_policy]") {
    // Ping-pong with the peer on the same CPU: each answer comes in during the thread's first
    // yield, which lasts the peer's turn. Spinning saves no wake-up there, and costs a yield and a
    // poll more per message than sleeping in the kernel, which hands the CPU over just as well.
    // Only nearly all of them: it takes over 32 in a row from none.
    FakeThread thread(50us);
    int spins = 0;
    for (int i = 0; i < 32; ++i) spins += thread.idle_sharing_cpu(3us) ? 1 : 0;
    CHECK(spins == 32);
    CHECK(thread.policy().spinning_mode());
    thread.idle_sharing_cpu(3us);
    CHECK_FALSE(thread.policy().spinning_mode());
    spins = 0;
    for (int i = 0; i < 1000; ++i) spins += thread.idle_sharing_cpu(3us) ? 1 : 0;
    CHECK(spins <= 21);  // the tries, one idle period in 2, 4, ... 64
    CHECK_FALSE(thread.policy().spinning_mode());
}

TEST_CASE("spin policy: hand-offs between short gaps do not stop the spinning", "[spin_policy]") {
    // A paced client: its own thread, on the same CPU, emits each request while the I/O thread
    // yields (a hand-off); the reply comes from another CPU a few polls later (a short gap), which
    // a spin catches without a wake-up.
    FakeThread thread(50us);
    int spins = 0;
    for (int i = 0; i < 1000; ++i) {
        spins += thread.idle_sharing_cpu(3us) ? 1 : 0;
        spins += thread.idle_polling(10us, 200ns) ? 1 : 0;
    }
    CHECK(spins == 2000);
    CHECK(thread.policy().spinning_mode());
}

TEST_CASE("spin policy: yields that return at once keep the thread spinning", "[spin_policy]") {
    // The peer on another CPU: the thread's yields find nothing else to run (0.2 us), and the answer
    // comes after a few polls. Gaps this short are what spinning is for.
    FakeThread thread(50us);
    int spins = 0;
    for (int i = 0; i < 1000; ++i) spins += thread.idle_polling(5us, 200ns) ? 1 : 0;
    CHECK(spins == 1000);
    CHECK(thread.policy().spinning_mode());
    SECTION("and so does an answer caught by the first poll after such a yield") {
        for (int i = 0; i < 1000; ++i) spins += thread.idle_polling(100ns, 200ns) ? 1 : 0;
        CHECK(spins == 2000);
        CHECK(thread.policy().spinning_mode());
    }
}

TEST_CASE("spin policy: a sleeping thread spins again once its yields stop handing the CPU over", "[spin_policy]") {
    // The peer moved to another CPU: the tries find short gaps behind yields that returned at once.
    FakeThread thread(50us);
    for (int i = 0; i < 2000; ++i) thread.idle_sharing_cpu(3us);
    REQUIRE_FALSE(thread.policy().spinning_mode());
    for (int i = 0; i < 22 * 64; ++i) thread.idle_polling(5us, 200ns);
    CHECK(thread.policy().spinning_mode());
}

TEST_CASE("spin policy: next_idle_spins says whether the next idle period spins", "[spin_policy]") {
    SpinPolicy::Clock::time_point now = t0;
    SpinPolicy policy(50us);
    // Spinning mode, then sleeping mode with its tries: the forecast matches every idle period.
    std::vector<SpinPolicy::Clock::duration> gaps(20, 10us);
    gaps.insert(gaps.end(), 300, 1ms);
    int tries = 0;
    for (const auto gap : gaps) {
        const bool forecast = policy.next_idle_spins();
        policy.went_idle(now);
        const bool spun = policy.keep_spinning(now);
        REQUIRE(forecast == spun);
        if (!policy.spinning_mode() && spun) ++tries;
        now += gap;
        policy.found_work(now);
        now += 3us;
    }
    CHECK(tries > 0);
}
