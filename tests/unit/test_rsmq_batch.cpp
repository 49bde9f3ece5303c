// ipcxx's rsmq batches without Redis: the batch scripts' arguments, the commands of the batches
// without a script, the reading of their replies (malformed ones refused with a clear error), and
// the lanes that gather waiting operations.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "ipcxx/error.hpp"
#include "rsmq/rsmq_batch.hpp"
#include "rsmq/rsmq_batch_lanes.hpp"
#include "rsmq/rsmq_rules.hpp"
#include "support/redis_replies.hpp"

namespace test_rsmq_batch {

using namespace ipcxx::detail::rsmq;
using ipcxx::RedisReply;
using ipcxx::errc;
using namespace test::replies;

const std::string id_a = "hoshw3o3917exTm3GsPeCMvBDZsbaDYG";
const std::string id_b = "hoshw3o3927exTm3GsPeCMvBDZsbaDYH";

TEST_CASE("rsmq batch: send arguments carry each random part and body, a delay or length only when needed", "[rsmq]") {
    const std::string accented = "\xC3\xA9\xF0\x9F\x98\x80";  // é (one unit) and an emoji (two)
    std::string longest(1023, 'x');
    longest += "\xC3\xA9";                                 // 1024 units: fits every queue
    const std::string longer = longest + "\xF0\x9F\x98\x80";  // 1026 units in 1031 bytes
    std::vector<BatchSend> sends{{"hello", std::nullopt, "r1"}, {accented, 7, "r2"}, {longest, std::nullopt, "r3"},
                                 {longer, std::nullopt, "r4"}, {longer, 0, "r5"}};
    CHECK(batch_send_args("rsmq:rt:q", sends) ==
          std::vector<std::string>{"rsmq:rt:q", "r1", "hello", "r2:7:3", accented, "r3", longest, "r4::1026", longer,
                                   "r5:0:1026", longer});
    CHECK(batch_send_args("", {}) == std::vector<std::string>{""});
}

TEST_CASE("rsmq batch: a send reply gives each message its id from TIME and its position, or messageTooLong", "[rsmq]") {
    const std::string long_body(1025, 'x');
    const std::string random_a = "exTm3GsPeCMvBDZsbaDYGa";
    const std::string random_c = "exTm3GsPeCMvBDZsbaDYGc";
    std::vector<BatchSend> sends{{"a", std::nullopt, random_a}, {long_body, std::nullopt, "unused"},
                                 {"c", 5, random_c}};
    std::vector<SendResult> results;
    QueueState state;
    // TIME 1796459044 s 999999 µs: the third message's microseconds roll over into the next second.
    REQUIRE_FALSE(parse_batch_sent(array({bulk("1796459044"), bulk("999999"), integer(1024), bulk("7")}), sends,
                                   results, state));
    REQUIRE(results.size() == 3);
    CHECK(results[0].id == make_message_id({1796459044, 999999}, random_a));
    CHECK(results[0].id.size() == 32);
    CHECK_FALSE(results[0].error);
    CHECK(results[1].error.code == errc::rsmq_message_too_long);
    CHECK(results[1].error.message == "Message too long");
    CHECK(results[1].id.empty());
    CHECK(results[2].id == make_message_id({1796459045, 1}, random_c));
    CHECK(sent_from_id(results[2].id) == 1796459045000.001);
    // The lookup for the lane's next batch.
    CHECK(state.delay == 7);
    CHECK(state.maxsize == 1024);
    CHECK(micros_of(state.time) == 1796459044999999LL);

    // Without a limit the long one has its id too.
    REQUIRE_FALSE(parse_batch_sent(array({bulk("1796459044"), bulk("5"), integer(-1), bulk("0")}), sends, results, state));
    CHECK(results[1].id == make_message_id({1796459044, 6}, "unused"));

    auto refused = [&](const RedisReply& reply) {
        auto error = parse_batch_sent(reply, sends, results, state);
        CHECK(error.code == errc::redis_protocol_error);
        CHECK(error.message == "unexpected reply to rsmq's batch send script");
        CHECK(results.empty());
    };
    refused(bulk("1796459044"));                                              // not an array
    refused(array({bulk("1796459044"), bulk("5"), integer(1024)}));                  // no delay
    refused(array({bulk("1796459044"), bulk("soon"), integer(1024), bulk("0")}));    // the time not a number
    refused(array({bulk("1796459044"), bulk("1000000"), integer(1024), bulk("0")})); // microseconds out of range
    refused(array({bulk("1796459044"), bulk("5"), integer(100), bulk("0")}));        // not a maxsize rsmq allows
    refused(array({bulk("1796459044"), bulk("5"), bulk("1024"), bulk("0")}));
    refused(array({bulk("1796459044"), bulk("5"), integer(1024), bulk("-1")}));      // not a delay rsmq allows
}

TEST_CASE("rsmq batch: a send without a script writes what fits, ids from the floor, and looks up the next", "[rsmq]") {
    const auto keys = queue_keys("rsmq", "q");
    const std::string long_body(1025, 'x');
    const std::string random_a = "exTm3GsPeCMvBDZsbaDYGa";
    const std::string random_c = "exTm3GsPeCMvBDZsbaDYGc";
    std::vector<BatchSend> sends{{"a", std::nullopt, random_a}, {long_body, std::nullopt, "unused"},
                                 {"c", 5, random_c}};
    const QueueState state{30, 2, 1024, {1796459044, 999999}};
    // The floor is a microsecond past TIME: the ids start there, the third in the next second.
    const auto write = batch_send_write(keys, state, 1796459045000000LL - 1, sends);
    REQUIRE(write.results.size() == 3);
    const std::string id_first = make_message_id({1796459044, 999999}, random_a);
    const std::string id_third = make_message_id({1796459045, 1}, random_c);
    CHECK(write.results[0].id == id_first);
    CHECK(write.results[1].error.code == errc::rsmq_message_too_long);
    CHECK(write.results[1].id.empty());
    CHECK(write.results[2].id == id_third);
    using Args = std::vector<std::string>;
    CHECK(write.commands == std::vector<Args>{{"ZADD", "rsmq:q", "1796459046999", id_first, "1796459050000", id_third},
                                              {"HSET", "rsmq:q:Q", id_first, "a", id_third, "c"},
                                              {"HINCRBY", "rsmq:q:Q", "totalsent", "2"},
                                              {"HMGET", "rsmq:q:Q", "vt", "delay", "maxsize"},
                                              {"TIME"}});
    // Nothing fits: only the lookup.
    const auto none = batch_send_write(keys, state, 0, {{long_body, std::nullopt, "unused"}});
    CHECK(none.commands == std::vector<Args>{{"HMGET", "rsmq:q:Q", "vt", "delay", "maxsize"}, {"TIME"}});

    const auto lookup = array({bulk("30"), bulk("0"), bulk("65536")});
    const auto time = array({bulk("1796459046"), bulk("12")});
    std::optional<QueueState> next;
    REQUIRE_FALSE(parse_batch_written(array({integer(2), integer(2), integer(12), lookup, time}), next));
    REQUIRE(next);
    CHECK(next->delay == 0);
    CHECK(next->maxsize == 65536);
    CHECK(micros_of(next->time) == 1796459046000012LL);
    REQUIRE_FALSE(parse_batch_written(array({lookup, time}), next));
    CHECK(next);
    // The queue gone meanwhile: written, but no lookup for the next batch.
    REQUIRE_FALSE(parse_batch_written(array({integer(2), integer(2), integer(12), array({nil(), nil(), nil()}), time}), next));
    CHECK_FALSE(next);

    auto wrong = error("WRONGTYPE Operation against a key holding the wrong kind of value");
    auto failed = parse_batch_written(array({wrong, integer(2), integer(12), lookup, time}), next);
    CHECK(failed.code == errc::redis_error_reply);
    CHECK(failed.message == wrong.text);
    for (const auto& bad : {array({integer(2), lookup, time}), array({lookup}), integer(1),
                            array({bulk("2"), integer(2), integer(12), lookup, time})}) {
        auto refused = parse_batch_written(bad, next);
        CHECK(refused.code == errc::redis_protocol_error);
        CHECK(refused.message == "unexpected reply to rsmq's batch send");
    }
}

TEST_CASE("rsmq batch: receive arguments and replies", "[rsmq]") {
    CHECK(batch_receive_args(std::nullopt, 16) == std::vector<std::string>{"", "16"});
    CHECK(batch_receive_args(0, 1) == std::vector<std::string>{"0", "1"});

    std::vector<ipcxx::RsmqMessage> messages;
    long long now = 0;
    REQUIRE_FALSE(parse_batch_received(array({integer(1796459045000LL)}), 4, messages, now));
    CHECK(messages.empty());
    CHECK(now == 1796459045000LL);

    // The first received for the first time, the second before (its body deleted under it).
    auto two = array({bulk("first"), bulk(id_a), nil(), bulk(id_b), integer(1796459045001LL), integer(2), bulk("3"),
                      bulk("1796459044000")});
    REQUIRE_FALSE(parse_batch_received(two, 2, messages, now));
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].id == id_a);
    CHECK(messages[0].message == "first");
    CHECK(messages[0].rc == 1);
    CHECK(messages[0].fr == 1796459045001LL);
    CHECK(messages[0].sent == sent_from_id(id_a));
    CHECK(messages[1].id == id_b);
    CHECK(messages[1].message.empty());  // deleted under it: rsmq's null
    CHECK(messages[1].rc == 3);
    CHECK(messages[1].fr == 1796459044000LL);
    CHECK(now == 1796459045001LL);

    auto refused = [&](const RedisReply& reply, std::size_t count) {
        auto error = parse_batch_received(reply, count, messages, now);
        CHECK(error.code == errc::redis_protocol_error);
        CHECK(error.message == "unexpected reply to rsmq's batch receive script");
        CHECK(messages.empty());
    };
    refused(two, 1);                                            // more messages than asked for
    refused(array({}), 1);                                      // no time
    refused(array({bulk("soon")}), 1);                          // the time not a number
    refused(array({bulk("b"), bulk(id_a)}), 1);                 // no time after the messages
    refused(array({bulk("b"), integer(7), integer(1)}), 1);     // id not a string
    refused(array({integer(1), bulk(id_a), bulk("b")}), 1);     // a body where the time is
    refused(array({bulk("b"), bulk(id_a), integer(1), integer(1), integer(2)}), 1);  // a receive before cut short
    refused(array({bulk("b"), bulk(id_a), integer(1), integer(2), integer(2), integer(5)}), 1);  // no such position
    refused(array({bulk("b"), bulk(id_a), integer(1), integer(0), integer(2), integer(5)}), 1);
    refused(array({bulk("b"), bulk(id_a), integer(1), integer(1), integer(2), integer(5), integer(1), integer(3),
                   integer(5)}),
            1);                                                 // the same message twice
    refused(array({bulk("b"), bulk(id_a), integer(1), integer(1), integer(2), nil()}), 1);  // fr missing
    refused(integer(0), 1);
}

TEST_CASE("rsmq batch: deletes are three commands, found when the queue held the id", "[rsmq]") {
    using Args = std::vector<std::string>;
    CHECK(batch_delete_commands(queue_keys("rsmq", "q"), {id_a, id_b, id_a}) ==
          std::vector<Args>{{"ZMSCORE", "rsmq:q", id_a, id_b, id_a},
                            {"ZREM", "rsmq:q", id_a, id_b, id_a},
                            {"HDEL", "rsmq:q:Q", id_a, id_a + ":rc", id_a + ":fr", id_b, id_b + ":rc", id_b + ":fr",
                             id_a, id_a + ":rc", id_a + ":fr"}});

    const std::string id_c = "hoshw3o3937exTm3GsPeCMvBDZsbaDYI";
    const std::vector<std::string_view> ids{id_b, id_a, id_c, id_a, id_b};
    std::vector<bool> found;
    // Found; found; not in the queue; the same ids again, found by their first delete only.
    REQUIRE_FALSE(parse_batch_deleted(
        array({array({bulk("1765000000000"), bulk("1765000000001"), nil(), bulk("1765000000001"),
                      bulk("1765000000000")}),
               integer(2), integer(4)}),
        ids, found));
    CHECK(found == std::vector<bool>{true, true, false, false, false});

    const std::vector<std::string_view> one{id_a};
    for (const auto& bad : {array({array({bulk("1")}), integer(1)}),
                            array({array({bulk("1"), bulk("2")}), integer(1), integer(1)}),
                            array({array({integer(1)}), integer(1), integer(1)}),
                            array({bulk("1"), integer(1), integer(1)}),
                            array({array({bulk("1")}), bulk("1"), integer(1)}),
                            array({array({bulk("1")}), integer(1), nil()}), integer(1)}) {
        auto refused = parse_batch_deleted(bad, one, found);
        CHECK(refused.code == errc::redis_protocol_error);
        CHECK(refused.message == "unexpected reply to rsmq's batch delete");
        CHECK(found.empty());
    }
    auto failed = parse_batch_deleted(array({array({bulk("1")}), error("WRONGTYPE x"), integer(1)}), one, found);
    CHECK(failed.code == errc::redis_error_reply);
    CHECK(found.empty());
}

using Batches = BatchLanes<int>::Batches;

TEST_CASE("rsmq batch: a lane starts a call when idle and gathers what waits meanwhile", "[rsmq]") {
    BatchLanes<int> lanes(3, 1);
    CHECK(lanes.add("q", 1));         // idle: the caller starts a call
    CHECK_FALSE(lanes.add("q", 2));   // a start pending: joins it
    CHECK(lanes.start("q", 1, true) == Batches{{1, 2}});
    CHECK_FALSE(lanes.add("q", 3));   // one in flight at depth 1: waits for it to end
    CHECK(lanes.add("other", 9));     // lanes are independent
    for (int i = 4; i <= 6; ++i) CHECK_FALSE(lanes.add("q", i));
    CHECK(lanes.ended("q", 1, true) == Batches{{3, 4, 5}});  // at most max_batch, oldest first
    CHECK_FALSE(lanes.idle("q"));
    CHECK(lanes.ended("q", 1, true) == Batches{{6}});
    CHECK(lanes.ended("q", 1, true).empty());  // nothing waited: idle again
    CHECK(lanes.idle("q"));
    CHECK(lanes.add("q", 7));
    CHECK(lanes.start("other", 1, true) == Batches{{9}});
    CHECK(lanes.ended("other", 1, true).empty());
    CHECK(lanes.ended("never", 1, true).empty());
    CHECK(lanes.start("never", 2, true).empty());
}

TEST_CASE("rsmq batch: with nothing of its own in flight a lane splits what waits over two calls", "[rsmq]") {
    BatchLanes<int> lanes(128, 2);
    CHECK(lanes.add("q", 1));
    for (int i = 2; i <= 5; ++i) CHECK_FALSE(lanes.add("q", i));
    CHECK(lanes.start("q", 2, true) == Batches{{1, 2, 3}, {4, 5}});  // halves, oldest first, issued in order
    for (int i = 6; i <= 9; ++i) CHECK_FALSE(lanes.add("q", i));  // two in flight: no room, they wait
    // The first call ends (calls end in the order issued) and its results started more: with the
    // second still in flight, all that waits goes as one call.
    CHECK(lanes.ended("q", 2, true) == Batches{{6, 7, 8, 9}});
    CHECK_FALSE(lanes.add("q", 10));
    CHECK(lanes.ended("q", 2, true) == Batches{{10}});
    CHECK(lanes.ended("q", 2, true).empty());  // one call left in flight, nothing waits
    CHECK(lanes.add("q", 11));           // room for a second call
    CHECK_FALSE(lanes.add("q", 12));     // its start pending: joins it
    CHECK(lanes.start("q", 2, true) == Batches{{11, 12}});  // one in flight already: no split
    CHECK(lanes.ended("q", 2, true).empty());
    CHECK(lanes.ended("q", 2, true).empty());  // nothing in flight, nothing waits: idle again
    CHECK(lanes.idle("q"));
    CHECK(lanes.add("q", 13));
    CHECK(lanes.start("q", 2, true) == Batches{{13}});  // one item: one call
}

TEST_CASE("rsmq batch: a lane keeps a pending start until it runs, even once nothing is in flight", "[rsmq]") {
    BatchLanes<int> lanes(128, 1);
    CHECK(lanes.add("q", 1));
    CHECK(lanes.start("q", 2, true) == Batches{{1}});
    CHECK(lanes.add("q", 2));            // a start pending...
    CHECK(lanes.ended("q", 2, true) == Batches{{2}});  // ...whose item the end took
    CHECK(lanes.ended("q", 2, true).empty());
    CHECK_FALSE(lanes.idle("q"));        // the pending start still counts
    CHECK_FALSE(lanes.add("q", 3));      // and gathers
    CHECK(lanes.start("q", 2, true) == Batches{{3}});
    CHECK(lanes.ended("q", 2, true).empty());
    CHECK(lanes.idle("q"));
}

TEST_CASE("rsmq batch: the depth is the caller's, call by call, and a call carries at most max_batch", "[rsmq]") {
    BatchLanes<int> lanes(2, 1);
    CHECK(lanes.add("q", 1));
    for (int i = 2; i <= 7; ++i) CHECK_FALSE(lanes.add("q", i));
    CHECK(lanes.start("q", 1, true) == Batches{{1, 2}});
    CHECK(lanes.ended("q", 2, true) == Batches{{3, 4}, {5, 6}});
    CHECK(lanes.ended("q", 2, true) == Batches{{7}});
    CHECK(lanes.ended("q", 2, true).empty());
    CHECK(lanes.ended("q", 2, true).empty());
    CHECK(lanes.add("q", 8));
    for (int i = 9; i <= 13; ++i) CHECK_FALSE(lanes.add("q", i));
    CHECK(lanes.start("q", 2, true) == Batches{{8, 9}, {10, 11}});  // an even split would exceed max_batch
    CHECK(lanes.start("q", 5, true).empty());  // never more than max_depth in flight
}

TEST_CASE("rsmq batch: a split leaves no call under min_split", "[rsmq]") {
    BatchLanes<int> lanes(128, 3);
    CHECK(lanes.add("q", 1));
    for (int i = 2; i <= 5; ++i) CHECK_FALSE(lanes.add("q", i));
    CHECK(lanes.start("q", 2, true) == Batches{{1, 2, 3, 4, 5}});  // 5 < 2 x 3: one call
    CHECK(lanes.add("q", 6));  // room for a second call
    for (int i = 7; i <= 11; ++i) CHECK_FALSE(lanes.add("q", i));
    // The first call ended before the second started: nothing in flight, six wait.
    CHECK(lanes.ended("q", 2, true) == Batches{{6, 7, 8}, {9, 10, 11}});  // two calls of 3
    CHECK(lanes.start("q", 2, true).empty());  // the late start finds both in flight
}

TEST_CASE("rsmq batch: a group no larger than half the most seen waiting does not split again", "[rsmq]") {
    BatchLanes<int> lanes(128, 2);
    CHECK(lanes.add("q", 1));
    for (int i = 2; i <= 8; ++i) CHECK_FALSE(lanes.add("q", i));
    CHECK(lanes.start("q", 2, true) == Batches{{1, 2, 3, 4}, {5, 6, 7, 8}});  // the first group: halves
    CHECK(lanes.ended("q", 2, true).empty());  // one left in flight, nothing waits
    CHECK(lanes.add("q", 9));            // the first half's results come back as a group of 4
    for (int i = 10; i <= 12; ++i) CHECK_FALSE(lanes.add("q", i));
    // Nothing in flight, but 4 is half the 8 seen: one call, not two of 2.
    CHECK(lanes.ended("q", 2, true) == Batches{{9, 10, 11, 12}});
    CHECK(lanes.start("q", 2, true).empty());
    CHECK(lanes.ended("q", 2, true).empty());  // idle: what it saw is forgotten
    CHECK(lanes.add("q", 13));
    for (int i = 14; i <= 16; ++i) CHECK_FALSE(lanes.add("q", i));
    CHECK(lanes.start("q", 2, true) == Batches{{13, 14}, {15, 16}});
}

TEST_CASE("rsmq batch: a lane does not split while the caller has other calls in flight", "[rsmq]") {
    BatchLanes<int> lanes(128, 2);
    CHECK(lanes.add("q", 1));
    for (int i = 2; i <= 8; ++i) CHECK_FALSE(lanes.add("q", i));
    CHECK(lanes.start("q", 2, false) == Batches{{1, 2, 3, 4, 5, 6, 7, 8}});  // Redis is busy anyway: one call
    CHECK(lanes.add("q", 9));  // room for a second call
    for (int i = 10; i <= 16; ++i) CHECK_FALSE(lanes.add("q", i));
    CHECK(lanes.ended("q", 2, true) == Batches{{9, 10, 11, 12}, {13, 14, 15, 16}});  // now Redis would idle
}

}  // namespace test_rsmq_batch
