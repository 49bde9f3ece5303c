// examples/redis-jobs: a producer, consumers in their own processes, one killed with SIGKILL
// mid-job, and rsmq in Node.js sending into the same queue: every job is done, the killed
// consumer's job by another consumer after the visibility timeout.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "support/child_process.hpp"
#include "support/redis_server.hpp"

namespace test_redis_jobs {

using namespace std::chrono_literals;
using test::ChildProcess;
using test::PeerLine;

auto event_is(std::string event) {
    return [event](const PeerLine& l) { return l.str("event") == event; };
}

TEST_CASE("examples: redis-jobs loses no job when a consumer is killed mid-job", "[examples]") {
    test::RedisServer server;
    const std::string url = server.unix_url();
    const std::string dir = IPCXX_EXAMPLE_DIR;

    // vt 1 s: the killed consumer's job is hidden for a second, then taken over.
    ChildProcess producer({IPCXX_PRODUCER, url, "jobs", "12", "1"});
    REQUIRE(producer.wait_count(test::LinePredicate([](const PeerLine& l) { return !l.str("sent").empty(); }), 12,
                                20s) == 12);

    // A consumer that takes a job and is killed before it finishes it.
    ChildProcess doomed({IPCXX_CONSUMER, url, "jobs", "doomed", "600000"});
    auto taken = doomed.wait_line(event_is("start"), 20s);
    INFO(doomed.describe());
    REQUIRE(taken);
    const std::string lost_job = taken->str("job");
    doomed.kill();

    ChildProcess first({IPCXX_CONSUMER, url, "jobs", "first", "20"});
    ChildProcess second({IPCXX_CONSUMER, url, "jobs", "second", "20"});
    ChildProcess node({IPCXX_NODE_EXECUTABLE, dir + "/node-sender.js", server.socket_path(), "jobs", "4"});
    REQUIRE(node.wait_count(test::LinePredicate([](const PeerLine& l) { return !l.str("sent").empty(); }), 4, 20s) ==
            4);

    // 16 jobs: every one done, whoever did it.
    std::map<std::string, PeerLine> done;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (done.size() < 16 && std::chrono::steady_clock::now() < deadline) {
        for (ChildProcess* consumer : {&first, &second}) {
            if (auto line = consumer->wait_line(event_is("done"), 50ms)) done.emplace(line->str("job"), *line);
        }
    }
    INFO(first.describe() << "\n" << second.describe());
    std::set<std::string> expected;
    for (int i = 1; i <= 12; ++i) expected.insert("job-" + std::to_string(i));
    for (int i = 1; i <= 4; ++i) expected.insert("node-job-" + std::to_string(i));
    std::set<std::string> seen;
    for (const auto& [job, line] : done) seen.insert(job);
    CHECK(seen == expected);
    // The killed consumer's job came back and was received a second time.
    REQUIRE(done.count(lost_job) == 1);
    CHECK(done.at(lost_job).num("rc") == 2);
    CHECK(server.command({"ZCARD", "rsmq:jobs"}) == ":0");
}

}  // namespace test_redis_jobs
