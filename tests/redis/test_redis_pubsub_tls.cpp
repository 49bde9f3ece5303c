// RedisSubscriber (channels, patterns, re-subscribing after a restart) and rediss:// against
// redis-server's TLS port with the tests' own certificates.
#include <catch2/catch.hpp>

#include <mutex>

#include "ipcxx/error.hpp"
#include "ipcxx/redis.hpp"
#include "ipcxx/redis_subscriber.hpp"
#include "redis/redis_test_support.hpp"
#include "support/certificates.hpp"
#include "support/fixtures.hpp"
#include "support/redis_server.hpp"

namespace redis_pubsub_tls_tests {

using namespace std::chrono_literals;

struct Received {
    std::mutex mutex;
    std::vector<std::string> messages;  // "channel|message|pattern"
    std::vector<std::string> subscribed;
    int connects = 0;

    void attach(ipcxx::RedisSubscriber& subscriber) {
        subscriber.on_message([this](const std::string& channel, const std::string& message, const std::string& pattern) {
            std::lock_guard<std::mutex> lock(mutex);
            messages.push_back(channel + "|" + message + "|" + pattern);
        });
        subscriber.on_subscribed([this](const std::string& name, bool pattern, long long) {
            std::lock_guard<std::mutex> lock(mutex);
            subscribed.push_back((pattern ? "p:" : "c:") + name);
        });
        subscriber.on_connect([this] {
            std::lock_guard<std::mutex> lock(mutex);
            ++connects;
        });
    }
    std::size_t count_subscribed() {
        std::lock_guard<std::mutex> lock(mutex);
        return subscribed.size();
    }
    bool has(const std::string& entry) {
        std::lock_guard<std::mutex> lock(mutex);
        return std::find(messages.begin(), messages.end(), entry) != messages.end();
    }
    std::size_t count() {
        std::lock_guard<std::mutex> lock(mutex);
        return messages.size();
    }
};

TEST_CASE("pub/sub: channels and patterns, binary messages, unsubscribe", "[redis]") {
    test::RedisServer server;
    Received received;
    ipcxx::RedisSubscriber subscriber(test::redis_options(server.unix_url()));
    received.attach(subscriber);
    subscriber.subscribe("news");
    subscriber.psubscribe("jobs.*");
    REQUIRE(test::eventually([&] { return received.count_subscribed() == 2; }));
    ipcxx::RedisClient publisher(test::redis_options(server.unix_url()));
    const std::string binary("a\0\r\nb", 5);
    CHECK(test::redis_run(publisher, {"PUBLISH", "news", binary}).reply.integer == 1);
    CHECK(test::redis_run(publisher, {"PUBLISH", "jobs.new", "j1"}).reply.integer == 1);
    CHECK(test::redis_run(publisher, {"PUBLISH", "other", "x"}).reply.integer == 0);
    REQUIRE(test::eventually([&] { return received.count() == 2; }));
    CHECK(received.has("news|" + binary + "|"));
    CHECK(received.has("jobs.new|j1|jobs.*"));
    subscriber.unsubscribe("news");
    subscriber.punsubscribe("jobs.*");
    CHECK(test::eventually([&] {
        return test::redis_run(publisher, {"PUBLISH", "news", "gone"}).reply.integer == 0 &&
               test::redis_run(publisher, {"PUBLISH", "jobs.x", "gone"}).reply.integer == 0;
    }));
}

TEST_CASE("pub/sub: everything is subscribed again after Redis restarts", "[redis]") {
    test::RedisServer server;
    Received received;
    ipcxx::RedisSubscriber subscriber(test::redis_options(server.unix_url()));
    received.attach(subscriber);
    subscriber.subscribe("a");
    subscriber.subscribe("b");
    subscriber.psubscribe("p.*");
    REQUIRE(test::eventually([&] { return received.count_subscribed() == 3; }));
    server.restart();
    REQUIRE(test::eventually([&] { return received.count_subscribed() == 6; }, 15s));
    ipcxx::RedisClient publisher(test::redis_options(server.unix_url()));
    CHECK(test::redis_run(publisher, {"PUBLISH", "a", "1"}).reply.integer == 1);
    CHECK(test::redis_run(publisher, {"PUBLISH", "b", "2"}).reply.integer == 1);
    CHECK(test::redis_run(publisher, {"PUBLISH", "p.q", "3"}).reply.integer == 1);
    REQUIRE(test::eventually([&] { return received.count() == 3; }));
    CHECK(received.has("p.q|3|p.*"));
    std::lock_guard<std::mutex> lock(received.mutex);
    CHECK(received.connects == 2);
}

TEST_CASE("rediss:// through the library's TLS, verified against the test CA", "[redis]") {
    test::TempDir dir;
    test::Certificates certificates(dir.path());
    const auto cert = certificates.server();
    test::RedisServerOptions options;
    options.tls = true;
    options.config = {"tls-cert-file " + cert.certificate, "tls-key-file " + cert.private_key,
                      "tls-ca-cert-file " + certificates.ca_file(), "tls-auth-clients no"};
    test::RedisServer server(options);

    auto trusted = test::redis_options(server.tls_url());
    trusted.tls.ca_file = certificates.ca_file();
    ipcxx::RedisClient client(trusted);
    CHECK(test::redis_run(client, {"SET", "over", "tls"}).reply.text == "OK");
    CHECK(test::redis_run(client, {"GET", "over"}).reply.text == "tls");

    // A client that does not trust the server's CA never connects: the certificate is refused, and
    // retrying cannot change that.
    auto untrusted = test::redis_options(server.tls_url());
    untrusted.tls.ca_file = certificates.issue("other", {"other", {}, -3600, 24 * 3600, false}).certificate;
    ipcxx::RedisClient refused(untrusted);
    CHECK(test::redis_run(refused, {"PING"}).ec == ipcxx::errc::tls_unknown_ca);
    // Nor does a client that checks for another name than the certificate's.
    auto wrong_name = test::redis_options(server.tls_url());
    wrong_name.tls.ca_file = certificates.ca_file();
    wrong_name.tls.server_name = "elsewhere.example";
    ipcxx::RedisClient mismatched(wrong_name);
    CHECK(test::redis_run(mismatched, {"PING"}).ec == ipcxx::errc::tls_host_name_mismatch);
}

}  // namespace redis_pubsub_tls_tests
