// The worker pool's state machine, driven step by step: dispatch to the least busy worker, crashes
// with requests in flight, crash loops, deadlines, resizing and shutdown. Every test checks that no
// request ends twice.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <vector>

#include "ipcxx/error.hpp"
#include "pool/pool_fsm.hpp"

namespace pool_fsm_test {

using namespace std::chrono_literals;
using ipcxx::errc;
using ipcxx::detail::PoolAction;
using ipcxx::detail::PoolActions;
using ipcxx::detail::PoolFsm;
using ipcxx::detail::PoolRequestId;
using ipcxx::detail::PoolSettings;
using ipcxx::detail::PoolShutdown;
using ipcxx::detail::PoolWorkerId;
using Kind = PoolAction::Kind;

// Performs nothing; records what the machine asked for.
struct Recorder {
    explicit Recorder(PoolSettings settings) : fsm(settings, 42) {}

    PoolActions run(PoolActions actions) {
        for (const PoolAction& a : actions) {
            switch (a.kind) {
            case Kind::spawn: spawned.push_back(a.worker); break;
            case Kind::send: sent.push_back(a); break;
            case Kind::arm_restart: restarts.push_back(a); break;
            case Kind::complete:
                // Exactly once: a second end of the same request fails the test here.
                REQUIRE(ended.count(a.request) == 0);
                ended[a.request] = a.error;
                break;
            case Kind::stop: stopped_workers.push_back(a.worker); break;
            case Kind::kill: killed_workers.push_back(a.worker); break;
            case Kind::stopped:
                REQUIRE_FALSE(stopped);
                stopped = true;
                break;
            case Kind::cancel: cancels.push_back(a); break;
            case Kind::arm_grace: graces.push_back(a); break;
            }
        }
        return actions;
    }

    // Starts the pool and reports every worker started.
    void start_all() {
        run(fsm.start());
        for (PoolWorkerId w : std::vector<PoolWorkerId>(spawned)) run(fsm.on_worker_started(w));
    }

    PoolWorkerId sent_to(PoolRequestId request) const {
        for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
            if (it->request == request) return it->worker;
        }
        return 0;
    }

    // `old` was killed as stuck: its exit starts a new worker at once (no backoff), which then
    // takes `waiting`.
    void check_replaced_at_once(PoolWorkerId old, PoolRequestId waiting) {
        run(fsm.on_worker_exited(old));
        CHECK(restarts.empty());
        REQUIRE(spawned.size() == 2);
        run(fsm.on_worker_started(spawned[1]));
        CHECK(sent_to(waiting) == spawned[1]);
    }

    std::size_t sends_of(PoolRequestId request) const {
        std::size_t n = 0;
        for (const PoolAction& a : sent) n += a.request == request ? 1 : 0;
        return n;
    }

    PoolFsm fsm;
    std::vector<PoolWorkerId> spawned;
    std::vector<PoolAction> sent;
    std::vector<PoolAction> restarts;
    std::map<PoolRequestId, std::error_code> ended;
    std::vector<PoolWorkerId> stopped_workers;
    std::vector<PoolWorkerId> killed_workers;
    std::vector<PoolAction> cancels;
    std::vector<PoolAction> graces;
    bool stopped = false;
};

PoolSettings settings(std::size_t size) {
    PoolSettings s;
    s.size = size;
    s.restart_min = 100ms;
    s.restart_max = 1000ms;
    s.restart_jitter = 0.0;
    return s;
}

std::error_code error(errc e) { return ipcxx::make_error_code(e); }

}  // namespace pool_fsm_test

using namespace pool_fsm_test;

TEST_CASE("pool: start spawns size workers; requests wait until a worker is up", "[pool]") {
    Recorder p(settings(2));
    p.run(p.fsm.start());
    REQUIRE(p.spawned.size() == 2);
    p.run(p.fsm.submit(1));
    CHECK(p.sent.empty());
    CHECK(p.fsm.counts().queued == 1);
    p.run(p.fsm.on_worker_started(p.spawned[1]));
    REQUIRE(p.sent.size() == 1);
    CHECK(p.sent[0].worker == p.spawned[1]);
    CHECK(p.sent[0].attempt == 1);
    p.run(p.fsm.on_reply(p.spawned[1], 1));
    CHECK(p.ended.at(1) == std::error_code());
}

TEST_CASE("pool: requests spread over the least busy workers, ties to the one used longest ago", "[pool]") {
    PoolSettings s = settings(3);
    s.max_in_flight_per_worker = 2;
    Recorder p(s);
    p.start_all();
    for (PoolRequestId r = 1; r <= 3; ++r) p.run(p.fsm.submit(r));
    // One each, before any worker gets a second.
    std::set<PoolWorkerId> first{p.sent_to(1), p.sent_to(2), p.sent_to(3)};
    CHECK(first.size() == 3);
    // Worker of request 2 answers: it is now the least busy.
    const PoolWorkerId freed = p.sent_to(2);
    p.run(p.fsm.on_reply(freed, 2));
    p.run(p.fsm.submit(4));
    CHECK(p.sent_to(4) == freed);
    // All at one in flight: the next goes to the one used longest ago (request 1's worker).
    p.run(p.fsm.submit(5));
    CHECK(p.sent_to(5) == p.sent_to(1));
    CHECK(p.fsm.counts().busy == 3);
    CHECK(p.fsm.counts().in_flight == 4);
}

TEST_CASE("pool: a worker never holds more than max_in_flight_per_worker; the rest queue", "[pool]") {
    Recorder p(settings(2));
    p.start_all();
    for (PoolRequestId r = 1; r <= 4; ++r) p.run(p.fsm.submit(r));
    CHECK(p.sent.size() == 2);
    CHECK(p.fsm.counts().queued == 2);
    const PoolWorkerId w = p.sent_to(1);
    p.run(p.fsm.on_reply(w, 1));
    CHECK(p.sent_to(3) == w);
    CHECK(p.fsm.counts().queued == 1);
}

TEST_CASE("pool: past max_queued a request ends with queue_full", "[pool]") {
    PoolSettings s = settings(1);
    s.max_queued = 2;
    Recorder p(s);
    p.start_all();
    for (PoolRequestId r = 1; r <= 4; ++r) p.run(p.fsm.submit(r));
    CHECK(p.sends_of(1) == 1);
    CHECK(p.fsm.counts().queued == 2);
    CHECK(p.ended.at(4) == error(errc::queue_full));
    CHECK(p.ended.size() == 1);
}

TEST_CASE("pool: a worker dying with requests in flight: re-dispatched, then worker_exited", "[pool]") {
    PoolSettings s = settings(2);
    s.max_attempts = 2;
    Recorder p(s);
    p.start_all();
    p.run(p.fsm.submit(1));
    const PoolWorkerId first = p.sent_to(1);
    const PoolWorkerId other = first == p.spawned[0] ? p.spawned[1] : p.spawned[0];

    p.run(p.fsm.on_worker_exited(first));
    CHECK(p.sent_to(1) == other);  // second attempt on the other worker
    CHECK(p.sent.back().attempt == 2);
    REQUIRE(p.restarts.size() == 1);
    CHECK(p.restarts[0].worker == first);
    CHECK(p.ended.count(1) == 0);

    p.run(p.fsm.on_worker_exited(other));  // attempts used up
    CHECK(p.ended.at(1) == error(errc::worker_exited));
    CHECK(p.sends_of(1) == 2);
    // A late reply from the dead worker changes nothing.
    p.run(p.fsm.on_reply(other, 1));
    CHECK(p.ended.size() == 1);
}

TEST_CASE("pool: a re-dispatched request waits at the front of the queue for the restart", "[pool]") {
    Recorder p(settings(1));
    p.start_all();
    p.run(p.fsm.submit(1));
    p.run(p.fsm.submit(2));
    const PoolWorkerId w = p.spawned[0];
    p.run(p.fsm.on_worker_exited(w));
    CHECK(p.fsm.counts().queued == 2);
    CHECK(p.fsm.counts().restarting == 1);
    REQUIRE(p.restarts.size() == 1);
    CHECK(p.restarts[0].delay == 100ms);

    p.run(p.fsm.on_restart_due(w));
    REQUIRE(p.spawned.size() == 2);
    const PoolWorkerId again = p.spawned[1];
    CHECK(again != w);
    p.run(p.fsm.on_worker_started(again));
    CHECK(p.sent.back().request == 1);  // the re-dispatched one first
    CHECK(p.sent.back().attempt == 2);
    p.run(p.fsm.on_reply(again, 1));
    CHECK(p.sent.back().request == 2);
    CHECK(p.sent.back().attempt == 1);
}

TEST_CASE("pool: a crash loop grows the backoff to its cap and fails queued requests", "[pool]") {
    PoolSettings s = settings(1);
    s.crash_loop_after = 3;
    Recorder p(s);
    p.run(p.fsm.start());
    p.run(p.fsm.submit(1));
    std::vector<std::chrono::milliseconds> delays;
    for (int crash = 0; crash < 6; ++crash) {
        const PoolWorkerId w = p.spawned.back();
        p.run(p.fsm.on_worker_exited(w));  // dies before it is ever ready
        REQUIRE(p.restarts.back().worker == w);
        delays.push_back(p.restarts.back().delay);
        CHECK(p.fsm.failures(w) == static_cast<std::size_t>(crash + 1));
        if (crash == 1) CHECK(p.ended.count(1) == 0);  // still waiting: not yet a loop
        p.run(p.fsm.on_restart_due(w));
    }
    CHECK(delays == std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms});
    // The third failure made it a loop: request 1 failed rather than held.
    CHECK(p.ended.at(1) == error(errc::worker_exited));
    // In a loop, a new request fails at once; once the worker is back up, requests are taken again.
    p.run(p.fsm.on_worker_exited(p.spawned.back()));
    p.run(p.fsm.submit(2));
    CHECK(p.ended.at(2) == error(errc::worker_exited));
    p.run(p.fsm.on_restart_due(p.restarts.back().worker));
    p.run(p.fsm.on_worker_started(p.spawned.back()));
    p.run(p.fsm.submit(3));
    CHECK(p.sent_to(3) == p.spawned.back());
    // A reply resets the backoff.
    p.run(p.fsm.on_reply(p.spawned.back(), 3));
    p.run(p.fsm.on_worker_exited(p.spawned.back()));
    CHECK(p.restarts.back().delay == 100ms);
}

TEST_CASE("pool: restart delays are jittered within the ratio", "[pool]") {
    PoolSettings s = settings(1);
    s.restart_jitter = 0.5;
    Recorder p(s);
    p.start_all();
    p.run(p.fsm.on_worker_exited(p.spawned[0]));
    REQUIRE(p.restarts.size() == 1);
    CHECK(p.restarts[0].delay >= 50ms);
    CHECK(p.restarts[0].delay <= 150ms);
}

TEST_CASE("pool: a queued request past its deadline ends with request_timeout", "[pool]") {
    Recorder p(settings(1));
    p.start_all();
    p.run(p.fsm.submit(1));
    p.run(p.fsm.submit(2));
    p.run(p.fsm.on_deadline(2));
    CHECK(p.ended.at(2) == error(errc::request_timeout));
    p.run(p.fsm.on_reply(p.spawned[0], 1));
    CHECK(p.sends_of(2) == 0);
    CHECK(p.fsm.counts().queued == 0);
    p.run(p.fsm.on_deadline(2));  // again: ignored
    CHECK(p.ended.size() == 2);
}

TEST_CASE("pool: a worker whose requests all timed out is killed and restarted at once", "[pool]") {
    Recorder p(settings(1));
    p.start_all();
    p.run(p.fsm.submit(1));
    p.run(p.fsm.submit(2));
    const PoolWorkerId stuck = p.spawned[0];
    p.run(p.fsm.on_deadline(1));
    CHECK(p.ended.at(1) == error(errc::request_timeout));
    CHECK(p.killed_workers == std::vector<PoolWorkerId>{stuck});
    CHECK(p.sends_of(2) == 0);  // not to the stuck worker

    p.run(p.fsm.on_reply(stuck, 1));  // too late: dropped
    CHECK(p.ended.at(1) == error(errc::request_timeout));
    p.check_replaced_at_once(stuck, 2);  // no backoff: it was killed, not crashed
}

TEST_CASE("pool: a timed-out request keeps its worker's place until the late answer", "[pool]") {
    PoolSettings s = settings(1);
    s.max_in_flight_per_worker = 2;
    Recorder p(s);
    p.start_all();
    const PoolWorkerId w = p.spawned[0];
    p.run(p.fsm.submit(1));
    p.run(p.fsm.submit(2));
    p.run(p.fsm.submit(3));
    p.run(p.fsm.on_deadline(1));  // request 2 still runs: not stuck
    CHECK(p.killed_workers.empty());
    CHECK(p.sends_of(3) == 0);
    p.run(p.fsm.on_reply(w, 1));  // the late answer frees the place
    CHECK(p.sent_to(3) == w);
    CHECK(p.ended.at(1) == error(errc::request_timeout));
}

TEST_CASE("pool: shrinking retires idle workers at once and busy ones when idle", "[pool]") {
    Recorder p(settings(3));
    p.start_all();
    p.run(p.fsm.submit(1));
    const PoolWorkerId busy = p.sent_to(1);
    p.run(p.fsm.resize(1));
    // Two must go: the idle ones first.
    CHECK(p.stopped_workers.size() == 2);
    CHECK(std::count(p.stopped_workers.begin(), p.stopped_workers.end(), busy) == 0);
    for (PoolWorkerId w : std::vector<PoolWorkerId>(p.stopped_workers)) p.run(p.fsm.on_worker_exited(w));
    CHECK(p.restarts.empty());
    CHECK(p.fsm.counts().workers == 1);

    p.run(p.fsm.resize(2));
    REQUIRE(p.spawned.size() == 4);
    p.run(p.fsm.on_worker_started(p.spawned[3]));
    p.run(p.fsm.submit(2));
    CHECK(p.sent_to(2) == p.spawned[3]);
    // Shrink to one with both busy: one is retired, finishes, then is stopped.
    p.run(p.fsm.resize(1));
    CHECK(p.stopped_workers.size() == 2);
    p.run(p.fsm.submit(3));  // only the kept worker may take it, once free
    CHECK(p.sends_of(3) == 0);
    const std::size_t stops_before = p.stopped_workers.size();
    p.run(p.fsm.on_reply(busy, 1));
    p.run(p.fsm.on_reply(p.spawned[3], 2));
    CHECK(p.stopped_workers.size() == stops_before + 1);
    const PoolWorkerId retired = p.stopped_workers.back();
    CHECK(p.sent_to(3) != retired);
    CHECK(p.sends_of(3) == 1);
}

TEST_CASE("pool: a retired worker crashing hands its requests on and is not restarted", "[pool]") {
    Recorder p(settings(2));
    p.start_all();
    p.run(p.fsm.submit(1));
    p.run(p.fsm.submit(2));
    p.run(p.fsm.resize(1));  // both busy: one is retired and keeps its request
    CHECK(p.stopped_workers.empty());
    const PoolWorkerId retired = p.spawned[0];  // equally busy: the first
    const PoolWorkerId kept = p.spawned[1];
    const PoolRequestId orphan = p.sent_to(1) == retired ? 1 : 2;
    const PoolRequestId other = orphan == 1 ? 2 : 1;
    p.run(p.fsm.on_worker_exited(retired));
    CHECK(p.restarts.empty());
    CHECK(p.spawned.size() == 2);
    CHECK(p.fsm.counts().queued == 1);
    p.run(p.fsm.on_reply(kept, other));
    CHECK(p.sent_to(orphan) == kept);
    CHECK(p.sent.back().attempt == 2);
}

TEST_CASE("pool: resize during a restart drops the waiting worker first", "[pool]") {
    Recorder p(settings(2));
    p.start_all();
    const PoolWorkerId crashed = p.spawned[0];
    p.run(p.fsm.on_worker_exited(crashed));
    CHECK(p.fsm.counts().restarting == 1);
    p.run(p.fsm.resize(1));
    CHECK(p.stopped_workers.empty());
    CHECK(p.fsm.counts().restarting == 0);
    p.run(p.fsm.on_restart_due(crashed));  // its timer fires anyway: nothing happens
    CHECK(p.spawned.size() == 2);
}

TEST_CASE("pool: graceful shutdown finishes queued and in-flight requests, then stops", "[pool]") {
    Recorder p(settings(1));
    p.start_all();
    const PoolWorkerId w = p.spawned[0];
    p.run(p.fsm.submit(1));
    p.run(p.fsm.submit(2));
    p.run(p.fsm.shutdown(PoolShutdown::graceful));
    p.run(p.fsm.submit(3));
    CHECK(p.ended.at(3) == error(errc::pool_shut_down));
    CHECK(p.stopped_workers.empty());
    p.run(p.fsm.on_reply(w, 1));
    CHECK(p.sent_to(2) == w);
    CHECK(p.stopped_workers.empty());
    p.run(p.fsm.on_reply(w, 2));
    CHECK(p.ended.at(1) == std::error_code());
    CHECK(p.ended.at(2) == std::error_code());
    CHECK(p.stopped_workers == std::vector<PoolWorkerId>{w});
    CHECK_FALSE(p.stopped);
    p.run(p.fsm.on_worker_exited(w));
    CHECK(p.stopped);
    CHECK(p.restarts.empty());
}

TEST_CASE("pool: a worker crashing during a graceful shutdown is restarted while work is left", "[pool]") {
    Recorder p(settings(1));
    p.start_all();
    p.run(p.fsm.submit(1));
    p.run(p.fsm.shutdown(PoolShutdown::graceful));
    p.run(p.fsm.on_worker_exited(p.spawned[0]));
    REQUIRE(p.restarts.size() == 1);
    p.run(p.fsm.on_restart_due(p.spawned[0]));
    p.run(p.fsm.on_worker_started(p.spawned[1]));
    CHECK(p.sent_to(1) == p.spawned[1]);
    p.run(p.fsm.on_reply(p.spawned[1], 1));
    CHECK(p.ended.at(1) == std::error_code());
    p.run(p.fsm.on_worker_exited(p.spawned[1]));
    CHECK(p.stopped);
}

TEST_CASE("pool: shutdown now ends queued and in-flight requests with pool_shut_down", "[pool]") {
    Recorder p(settings(2));
    p.start_all();
    for (PoolRequestId r = 1; r <= 4; ++r) p.run(p.fsm.submit(r));
    p.run(p.fsm.on_worker_exited(p.spawned[0]));  // one waiting for its restart
    p.run(p.fsm.shutdown(PoolShutdown::now));
    CHECK(p.ended.size() == 4);
    for (PoolRequestId r = 1; r <= 4; ++r) CHECK(p.ended.at(r) == error(errc::pool_shut_down));
    CHECK(p.killed_workers == std::vector<PoolWorkerId>{p.spawned[1]});
    p.run(p.fsm.on_reply(p.spawned[1], p.sent_to(2)));  // too late: ignored
    p.run(p.fsm.on_restart_due(p.spawned[0]));
    CHECK(p.spawned.size() == 2);
    CHECK_FALSE(p.stopped);
    p.run(p.fsm.on_worker_exited(p.spawned[1]));
    CHECK(p.stopped);
    p.run(p.fsm.resize(3));
    CHECK(p.spawned.size() == 2);
}

TEST_CASE("pool: shutdown now after a graceful one kills the workers being stopped", "[pool]") {
    Recorder p(settings(1));
    p.start_all();
    p.run(p.fsm.shutdown(PoolShutdown::graceful));
    CHECK(p.stopped_workers == std::vector<PoolWorkerId>{p.spawned[0]});
    p.run(p.fsm.shutdown(PoolShutdown::now));
    CHECK(p.killed_workers == std::vector<PoolWorkerId>{p.spawned[0]});
    p.run(p.fsm.shutdown(PoolShutdown::now));
    CHECK(p.killed_workers.size() == 1);
    p.run(p.fsm.on_worker_exited(p.spawned[0]));
    CHECK(p.stopped);
}

TEST_CASE("pool: a shutdown before start or with no workers is over at once", "[pool]") {
    Recorder p(settings(2));
    p.run(p.fsm.shutdown(PoolShutdown::graceful));
    CHECK(p.stopped);
    p.run(p.fsm.start());
    CHECK(p.spawned.empty());
}

TEST_CASE("pool: a timed-out request's place is freed after its grace by replacing the stuck worker", "[pool]") {
    PoolSettings s = settings(1);
    s.max_in_flight_per_worker = 2;
    s.late_answer_grace = 750ms;
    Recorder p(s);
    p.start_all();
    const PoolWorkerId w = p.spawned[0];
    p.run(p.fsm.submit(1));
    p.run(p.fsm.submit(2));
    p.run(p.fsm.submit(3));
    p.run(p.fsm.on_deadline(1));
    REQUIRE(p.graces.size() == 1);
    CHECK(p.graces[0].worker == w);
    CHECK(p.graces[0].request == 1);
    CHECK(p.graces[0].delay == 750ms);
    // The grace passes without an answer: stuck, no new work, killed once request 2 has ended.
    p.run(p.fsm.on_grace_due(w, 1));
    CHECK(p.killed_workers.empty());
    p.run(p.fsm.on_reply(w, 2));
    CHECK(p.ended.at(2) == std::error_code());
    CHECK(p.sends_of(3) == 0);
    CHECK(p.killed_workers == std::vector<PoolWorkerId>{w});
    p.check_replaced_at_once(w, 3);
}

TEST_CASE("pool: a late answer within the grace keeps the worker; a grace due after it changes nothing", "[pool]") {
    PoolSettings s = settings(1);
    s.max_in_flight_per_worker = 2;
    Recorder p(s);
    p.start_all();
    const PoolWorkerId w = p.spawned[0];
    p.run(p.fsm.submit(1));
    p.run(p.fsm.submit(2));
    p.run(p.fsm.on_deadline(1));
    p.run(p.fsm.on_reply(w, 1));
    p.run(p.fsm.on_grace_due(w, 1));
    p.run(p.fsm.submit(3));
    CHECK(p.sent_to(3) == w);
    CHECK(p.killed_workers.empty());
    CHECK(p.fsm.counts().in_flight == 2);
}

TEST_CASE("pool: a cancelled request leaves the queue, or ends at once and its worker is told", "[pool]") {
    Recorder p(settings(1));
    p.start_all();
    const PoolWorkerId w = p.spawned[0];
    p.run(p.fsm.submit(1));
    p.run(p.fsm.submit(2));
    p.run(p.fsm.cancel(2));  // queued
    CHECK(p.ended.at(2) == error(errc::request_cancelled));
    CHECK(p.cancels.empty());
    CHECK(p.fsm.counts().queued == 0);

    p.run(p.fsm.submit(3));
    p.run(p.fsm.cancel(1));  // in flight: ended now, the worker told, its place free at once
    CHECK(p.ended.at(1) == error(errc::request_cancelled));
    REQUIRE(p.cancels.size() == 1);
    CHECK(p.cancels[0].worker == w);
    CHECK(p.cancels[0].request == 1);
    CHECK(p.sent_to(3) == w);
    CHECK(p.killed_workers.empty());

    p.run(p.fsm.on_reply(w, 1));  // the answer the worker sent anyway: ignored
    p.run(p.fsm.cancel(1));       // twice, and after the end: nothing
    p.run(p.fsm.cancel(99));      // unknown
    CHECK(p.cancels.size() == 1);
    CHECK(p.ended.size() == 2);
    p.run(p.fsm.on_reply(w, 3));
    CHECK(p.ended.at(3) == std::error_code());
}
