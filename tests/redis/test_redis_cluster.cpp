// The cluster client against a three-master cluster of the test's own (support/redis_cluster.hpp):
// keys in every master's slots, a slot migrated under traffic (ASK while half done, MOVED after),
// the redirect limit, and a master killed.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "ipcxx/bus.hpp"
#include "ipcxx/error.hpp"
#include "ipcxx/redis.hpp"
#include "ipcxx/rsmq.hpp"
#include "redis/cluster_slots.hpp"
#include "redis/cluster_tags.hpp"
#include "redis/redis_test_support.hpp"
#include "support/fixtures.hpp"
#include "support/redis_cluster.hpp"

namespace redis_cluster_tests {

using namespace std::chrono_literals;
using ipcxx::detail::cluster_key_slot;

using test::tag_on;

// Counts the ends of commands, each once, and waits for them with a deadline.
class Ends {
public:
    ipcxx::RedisClient::ReplyHandler handler(int index) {
        return [this, index](std::error_code ec, ipcxx::RedisReply reply) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!ended_.insert(index).second) ++twice_;
            if (ec) errors_.push_back(ec.message() + ": " + reply.text);
            changed_.notify_all();
        };
    }
    bool wait_for(std::size_t count, std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return ended_.size() >= count; });
    }
    std::size_t count() {
        std::lock_guard<std::mutex> lock(mutex_);
        return ended_.size();
    }
    int twice() {
        std::lock_guard<std::mutex> lock(mutex_);
        return twice_;
    }
    std::vector<std::string> errors() {
        std::lock_guard<std::mutex> lock(mutex_);
        return errors_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::set<int> ended_;
    int twice_ = 0;
    std::vector<std::string> errors_;
};

TEST_CASE("a cluster client reaches keys in every master's slots", "[redis][redis_cluster]") {
    test::RedisCluster cluster;
    ipcxx::RedisClient client(test::redis_options(cluster.url_of_first()));
    for (int i = 0; i < 300; ++i) {
        const auto set = test::redis_run(client, {"SET", "key" + std::to_string(i), std::to_string(i)});
        REQUIRE(set.ended);
        REQUIRE_FALSE(set.ec);
    }
    for (std::size_t node = 0; node < cluster.size(); ++node) {
        CHECK(std::stoi(cluster.cli(node, {"DBSIZE"})) > 50);
    }
    for (int i = 0; i < 300; ++i) {
        const auto get = test::redis_run(client, {"GET", "key" + std::to_string(i)});
        REQUIRE_FALSE(get.ec);
        CHECK(get.reply.text == std::to_string(i));
    }
    // A script goes to its first key's master.
    const ipcxx::RedisScript script("return redis.call('GET', KEYS[1])");
    std::promise<test::RedisOutcome> done;
    client.eval(script, {"key7"}, {}, [&](std::error_code ec, ipcxx::RedisReply reply) { done.set_value({ec, reply, true}); });
    auto future = done.get_future();
    const auto eval = test::wait_outcome(future);
    REQUIRE(eval.ended);
    CHECK_FALSE(eval.ec);
    CHECK(eval.reply.text == "7");
    CHECK(test::redis_run(client, {"PING"}).reply.text == "PONG");
}

TEST_CASE("a slot migrated under traffic: ASK while half done, MOVED after, nothing lost", "[redis][redis_cluster]") {
    test::RedisCluster cluster;
    const std::string tag = tag_on(cluster, 0, "mig");
    const std::uint16_t slot = cluster_key_slot(tag);
    const std::string list = "{" + tag + "}:list";
    Ends ends;  // before the client: its destructor may still end commands
    ipcxx::RedisClient client(test::redis_options(cluster.url_of_first()));
    REQUIRE_FALSE(test::redis_run(client, {"RPUSH", list, "start"}).ec);

    // The writer: a list push and a new key each time, up to 100 commands outstanding, until the
    // migration is over (at most `limit` rounds).
    constexpr int limit = 200000;
    std::atomic<int> written{0};
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        for (int i = 0; i < limit && !stop; ++i) {
            while (static_cast<int>(ends.count()) + 100 < 2 * i && !stop) ends.wait_for(ends.count() + 1, 100ms);
            client.command({"RPUSH", list, std::to_string(i)}, ends.handler(2 * i));
            client.command({"SET", "{" + tag + "}:k" + std::to_string(i), std::to_string(i)}, ends.handler(2 * i + 1));
            written = i + 1;
        }
    });
    struct Join {
        std::thread& thread;
        std::atomic<bool>& stop;
        ~Join() {
            stop = true;
            if (thread.joinable()) thread.join();
        }
    } join{writer, stop};
    const auto more = [&] { return ends.wait_for(ends.count() + 400, 30s); };

    REQUIRE(more());
    const std::string source = cluster.id(0), target = cluster.id(1);
    REQUIRE(cluster.cli(1, {"CLUSTER", "SETSLOT", std::to_string(slot), "IMPORTING", source}) == "OK");
    REQUIRE(cluster.cli(0, {"CLUSTER", "SETSLOT", std::to_string(slot), "MIGRATING", target}) == "OK");
    // Half done: new keys are made on the target (by ASK), the old ones still served by the source.
    REQUIRE(more());
    CHECK(std::stoi(cluster.cli(1, {"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)})) > 0);
    for (int round = 0; round < 100; ++round) {
        const std::string keys = cluster.cli(0, {"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), "1000"});
        if (keys.empty()) break;
        std::vector<std::string> migrate{"MIGRATE", "127.0.0.1", std::to_string(cluster.node(1).port()), "", "0", "5000", "KEYS"};
        std::stringstream lines(keys);
        for (std::string key; std::getline(lines, key);) migrate.push_back(key);
        REQUIRE(cluster.cli(0, migrate) == "OK");
        REQUIRE(more());
    }
    // The target first, as the migration recipe says: else it would send the slot back to the source.
    for (const std::size_t node : {1, 0, 2}) {
        REQUIRE(cluster.cli(node, {"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", target}) == "OK");
    }
    REQUIRE(more());
    stop = true;
    writer.join();
    const int total = written;
    REQUIRE(ends.wait_for(2 * total, 60s));
    CHECK(ends.count() == 2u * total);
    CHECK(ends.twice() == 0);
    CHECK(ends.errors() == std::vector<std::string>{});

    // Every push is in the list once and every key is there, all served by the target now.
    const auto range = test::redis_run(client, {"LRANGE", list, "0", "-1"});
    REQUIRE_FALSE(range.ec);
    std::multiset<std::string> pushed;
    for (const auto& element : range.reply.elements) pushed.insert(element.text);
    std::multiset<std::string> expected{"start"};
    for (int i = 0; i < total; ++i) expected.insert(std::to_string(i));
    CHECK(pushed == expected);
    CHECK(cluster.owner(slot) == 1);
    CHECK(std::stoi(cluster.cli(1, {"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)})) == total + 1);
}

TEST_CASE("MULTI ... EXEC goes whole to the master of its first key", "[redis][redis_cluster]") {
    test::RedisCluster cluster;
    // A key on a master that is not the seed; MULTI and TIME name no key.
    const std::string key = "{" + tag_on(cluster, 2, "tx") + "}:k";
    ipcxx::RedisClient client(test::redis_options(cluster.url_of_first()));
    // Once the client knows the slot's master (here by the MOVED a plain command gets).
    REQUIRE_FALSE(test::redis_run(client, {"GET", key}).ec);
    for (int round = 0; round < 3; ++round) {
        auto multi = test::redis_outcome(client, {"MULTI"});
        auto time = test::redis_outcome(client, {"TIME"});
        auto set = test::redis_outcome(client, {"SET", key, "v" + std::to_string(round)});
        auto get = test::redis_outcome(client, {"GET", key});
        auto exec = test::redis_outcome(client, {"EXEC"});
        CHECK(test::wait_outcome(multi).reply.text == "OK");
        CHECK(test::wait_outcome(time).reply.text == "QUEUED");
        CHECK(test::wait_outcome(set).reply.text == "QUEUED");
        CHECK(test::wait_outcome(get).reply.text == "QUEUED");
        const auto done = test::wait_outcome(exec);
        REQUIRE_FALSE(done.ec);
        REQUIRE(done.reply.elements.size() == 3);
        CHECK(done.reply.elements[2].text == "v" + std::to_string(round));
    }
    // A transaction of keyless commands goes to the seed.
    auto multi = test::redis_outcome(client, {"MULTI"});
    auto ping = test::redis_outcome(client, {"PING"});
    auto exec = test::redis_outcome(client, {"EXEC"});
    CHECK_FALSE(test::wait_outcome(multi).ec);
    CHECK_FALSE(test::wait_outcome(ping).ec);
    CHECK(test::wait_outcome(exec).reply.elements.size() == 1);
}

TEST_CASE("a command redirected back and forth ends with the redirect limit", "[redis][redis_cluster]") {
    test::RedisCluster cluster;
    const std::string tag = tag_on(cluster, 0, "loop");
    const std::uint16_t slot = cluster_key_slot(tag);
    // The source sends absent keys to the target by ASK; the target, not importing, sends them back by MOVED.
    REQUIRE(cluster.cli(0, {"CLUSTER", "SETSLOT", std::to_string(slot), "MIGRATING", cluster.id(1)}) == "OK");
    auto options = test::redis_options(cluster.url());
    options.cluster_max_redirects = 3;
    ipcxx::RedisClient client(options);
    const auto get = test::redis_run(client, {"GET", "{" + tag + "}:absent"});
    REQUIRE(get.ended);
    CHECK(get.ec == ipcxx::make_error_code(ipcxx::errc::redis_redirect_limit));
    // Other slots are not affected.
    const auto other = tag_on(cluster, 2, "other");
    CHECK_FALSE(test::redis_run(client, {"SET", other, "v"}).ec);
}

TEST_CASE("a master killed: its slots' commands end with an error, the others keep working", "[redis][redis_cluster]") {
    test::RedisCluster cluster;
    const std::string dead_key = "{" + tag_on(cluster, 2, "dead") + "}:k";
    const std::string live_key = "{" + tag_on(cluster, 1, "live") + "}:k";
    auto options = test::redis_options(cluster.url());
    options.max_retries = 3;
    ipcxx::RedisClient client(options);
    REQUIRE_FALSE(test::redis_run(client, {"SET", dead_key, "1"}).ec);
    REQUIRE_FALSE(test::redis_run(client, {"SET", live_key, "1"}).ec);

    cluster.node(2).kill();
    const auto dead = test::redis_run(client, {"GET", dead_key}, 20s);
    REQUIRE(dead.ended);
    CHECK(dead.ec);
    for (int i = 0; i < 20; ++i) {
        const auto live = test::redis_run(client, {"INCR", live_key});
        REQUIRE(live.ended);
        REQUIRE_FALSE(live.ec);
    }
    CHECK(test::redis_run(client, {"GET", live_key}).reply.text == "21");
}

TEST_CASE("a bus on a cluster: emit -> handle, a request, and pub/sub", "[redis][redis_cluster]") {
    test::RedisCluster cluster;
    ipcxx::BusOptions options;
    options.redis = test::redis_options(cluster.url_of_first());
    // A bus whose slot is not on the seed: found through the slot map.
    options.name = tag_on(cluster, 2, "bus");
    options.block = 200ms;
    options.silent = true;
    std::mutex mutex;
    std::set<int> handled;
    std::vector<std::string> heard;
    ipcxx::Bus consumer(options);
    consumer.on("job", [&](const ipcxx::Payload& data) {
        std::lock_guard<std::mutex> lock(mutex);
        handled.insert(data.as<int>());
    });
    consumer.on("tick", [&](const ipcxx::Payload& data) {
        std::lock_guard<std::mutex> lock(mutex);
        heard.push_back(std::to_string(data.as<int>()));
    });
    consumer.handle<int>("double", [](int n) { return n * 2; });
    consumer.subscribe("tick");
    consumer.start();
    auto producer_options = options;
    producer_options.consume = false;
    ipcxx::Bus producer(producer_options);
    for (int i = 0; i < 50; ++i) producer.emit("job", i);
    REQUIRE(test::eventually([&] {
        std::lock_guard<std::mutex> lock(mutex);
        return handled.size() == 50;
    }, 30s));
    CHECK(producer.request("double", 21, 10000ms).get().as<int>() == 42);
    // The bus's stream lives on the master of its slot.
    CHECK(std::stoi(cluster.cli(2, {"EXISTS", "ipcxx:bus:{" + options.name + "}:events"})) == 1);
    REQUIRE(test::eventually([&] {
        producer.publish("tick", 1);
        std::lock_guard<std::mutex> lock(mutex);
        return !heard.empty();
    }, 10s));
}

TEST_CASE("rsmq on a cluster: a hash-tagged ns, send, receive, change visibility, delete", "[redis][redis_cluster]") {
    test::RedisCluster cluster;
    ipcxx::RsmqOptions rsmq_options;
    // Both keys of a queue (and the queue list) in one slot, on a master that is not the seed.
    rsmq_options.ns = "{" + tag_on(cluster, 2, "jobs") + "}";
    ipcxx::Rsmq rsmq(test::redis_options(cluster.url_of_first()), rsmq_options);
    ipcxx::RsmqQueueOptions queue;
    queue.qname = "work";
    rsmq.create_queue(queue).get();
    CHECK(rsmq.list_queues().get() == std::vector<std::string>{"work"});
    const std::string id = rsmq.send_message("work", "hello").get();
    auto received = rsmq.receive_message("work", 60).get();
    REQUIRE(received);
    CHECK(received->id == id);
    CHECK(received->message == "hello");
    CHECK(received->rc == 1);
    // Hidden for 60 s; visible again at once after the change.
    CHECK_FALSE(rsmq.receive_message("work", 60).get());
    CHECK(rsmq.change_message_visibility("work", id, 0).get());
    received = rsmq.receive_message("work", 60).get();
    REQUIRE(received);
    CHECK(received->rc == 2);
    CHECK(rsmq.delete_message("work", id).get());
    CHECK_FALSE(rsmq.change_message_visibility("work", id, 0).get());
    rsmq.send_message("work", "second").get();
    const auto popped = rsmq.pop_message("work").get();
    REQUIRE(popped);
    CHECK(popped->message == "second");
    CHECK(rsmq.get_queue_attributes("work").get().totalsent == 2);
    CHECK(std::stoi(cluster.cli(2, {"EXISTS", rsmq_options.ns + ":work:Q"})) == 1);
}

}  // namespace redis_cluster_tests
