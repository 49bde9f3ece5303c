// The cluster client against clusters of the test's own with TLS (rediss+cluster://) and with
// replicas: TLS to every master, a master killed whose replica takes over, a first seed that is down.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "ipcxx/error.hpp"
#include "ipcxx/redis.hpp"
#include "redis/cluster_tags.hpp"
#include "redis/redis_test_support.hpp"
#include "support/certificates.hpp"
#include "support/fixtures.hpp"
#include "support/redis_cluster.hpp"

namespace redis_cluster_ha_tests {

using namespace std::chrono_literals;

TEST_CASE("rediss+cluster://: TLS to every master, each checked against the CA", "[redis][redis_cluster]") {
    test::TempDir dir;
    test::Certificates certificates(dir.path());
    const auto cert = certificates.server();
    test::RedisClusterOptions tls;
    tls.tls_config = {"tls-cert-file " + cert.certificate, "tls-key-file " + cert.private_key,
                      "tls-ca-cert-file " + certificates.ca_file()};
    test::RedisCluster cluster(tls);
    auto options = test::redis_options(cluster.tls_url_of_first());
    options.tls.ca_file = certificates.ca_file();
    ipcxx::RedisClient client(options);
    // One key on each master: the nodes the slot map names are reached over TLS too.
    for (std::size_t master = 0; master < cluster.size(); ++master) {
        const std::string key = "{" + test::tag_on(cluster, master, "tls") + "}:k";
        const auto set = test::redis_run(client, {"SET", key, std::to_string(master)});
        REQUIRE(set.ended);
        REQUIRE_FALSE(set.ec);
        CHECK(cluster.cli(master, {"GET", key}) == std::to_string(master));
    }

    // A client that does not trust the cluster's CA never reaches it.
    auto untrusted = options;
    untrusted.tls.ca_file = certificates.issue("other", {"other", {}, -3600, 24 * 3600, false}).certificate;
    ipcxx::RedisClient refused(untrusted);
    CHECK(test::redis_run(refused, {"GET", "k"}).ec == ipcxx::errc::tls_unknown_ca);
}

TEST_CASE("a master killed and its replica promoted: commands go on, nothing acknowledged is lost",
          "[redis][redis_cluster]") {
    test::RedisClusterOptions with_replicas;
    with_replicas.replicas = 1;
    test::RedisCluster cluster(with_replicas);
    // The master that dies is the only seed: the map is then read from the nodes learned since.
    REQUIRE(cluster.cli(0, {"ROLE"}).rfind("master", 0) == 0);
    const std::string tag = test::tag_on(cluster, 0, "failover");
    const std::string other = "{" + test::tag_on(cluster, 1, "other") + "}:k";
    const std::size_t replica = cluster.replica_of(0);
    ipcxx::RedisClient client(test::redis_options(cluster.url_of_first()));
    for (int i = 0; i < 50; ++i) {
        const auto set = test::redis_run(client, {"SET", "{" + tag + "}:" + std::to_string(i), std::to_string(i)});
        REQUIRE(set.ended);
        REQUIRE_FALSE(set.ec);
    }
    REQUIRE_FALSE(test::redis_run(client, {"SET", other, "1"}).ec);
    // Acknowledged and on the replica: what a failover keeps (Redis replicates asynchronously).
    REQUIRE(cluster.wait_replicated(replica, 10s));

    cluster.node(0).kill();
    // Sent once the client has seen its master go (one written before that ends with connection_lost,
    // as documented): it waits, and goes to the new master once the map names it.
    REQUIRE(test::eventually([&] { return !client.connected(); }));
    auto waiting = test::redis_outcome(client, {"INCR", "{" + tag + "}:count"});
    // TAKEOVER: the replica promotes itself without waiting for the others to agree.
    CHECK(cluster.cli(replica, {"CLUSTER", "FAILOVER", "TAKEOVER"}) == "OK");
    const auto counted = test::wait_outcome(waiting, 30s);
    REQUIRE(counted.ended);
    CHECK_FALSE(counted.ec);
    CHECK(counted.reply.integer == 1);
    for (int i = 0; i < 50; ++i) {
        const auto get = test::redis_run(client, {"GET", "{" + tag + "}:" + std::to_string(i)});
        REQUIRE(get.ended);
        REQUIRE_FALSE(get.ec);
        CHECK(get.reply.text == std::to_string(i));
    }
    CHECK(test::redis_run(client, {"INCR", other}).reply.integer == 2);
    // The dead master left the client's nodes: every one it keeps is up.
    CHECK(test::eventually([&] { return client.connected(); }));
}

TEST_CASE("the first seed down from the start: the map comes from the next seed, and commands go on",
          "[redis][redis_cluster]") {
    test::RedisCluster cluster;
    const std::string key = "{" + test::tag_on(cluster, 1, "up") + "}:k";
    cluster.node(0).kill();
    ipcxx::RedisClient client(test::redis_options(cluster.url()));
    // Sent before any map is read: it waits at the first seed, then goes by the map read elsewhere.
    const auto set = test::redis_run(client, {"SET", key, "1"}, 20s);
    REQUIRE(set.ended);
    CHECK_FALSE(set.ec);
    CHECK(test::redis_run(client, {"INCR", key}).reply.integer == 2);
    // Keyless commands go to a node that is up.
    CHECK(test::redis_run(client, {"PING"}).reply.text == "PONG");
}

}  // namespace redis_cluster_ha_tests
