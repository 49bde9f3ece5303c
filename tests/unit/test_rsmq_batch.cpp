// ipcxx's rsmq batches without Redis: the batch scripts' arguments, the reading of their replies
// (malformed ones refused with a clear error), and the lanes that gather waiting operations.
#include <catch2/catch.hpp>

#include <string>
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
    // TIME 1796459044 s 999999 µs: the third message's microseconds roll over into the next second.
    REQUIRE_FALSE(parse_batch_sent(array({bulk("1796459044"), bulk("999999"), integer(1024)}), sends, results));
    REQUIRE(results.size() == 3);
    CHECK(results[0].id == make_message_id({1796459044, 999999}, random_a));
    CHECK(results[0].id.size() == 32);
    CHECK_FALSE(results[0].error);
    CHECK(results[1].error.code == errc::rsmq_message_too_long);
    CHECK(results[1].error.message == "Message too long");
    CHECK(results[1].id.empty());
    CHECK(results[2].id == make_message_id({1796459045, 1}, random_c));
    CHECK(sent_from_id(results[2].id) == 1796459045000.001);

    // Without a limit the long one has its id too.
    REQUIRE_FALSE(parse_batch_sent(array({bulk("1796459044"), bulk("5"), integer(-1)}), sends, results));
    CHECK(results[1].id == make_message_id({1796459044, 6}, "unused"));

    auto refused = [&](const RedisReply& reply) {
        auto error = parse_batch_sent(reply, sends, results);
        CHECK(error.code == errc::redis_protocol_error);
        CHECK(error.message == "unexpected reply to rsmq's batch send script");
        CHECK(results.empty());
    };
    refused(bulk("1796459044"));                                              // not an array
    refused(array({bulk("1796459044"), bulk("5")}));                          // no maxsize
    refused(array({bulk("1796459044"), bulk("soon"), integer(1024)}));        // the time not a number
    refused(array({bulk("1796459044"), bulk("1000000"), integer(1024)}));     // microseconds out of range
    refused(array({bulk("1796459044"), bulk("5"), integer(100)}));            // not a maxsize rsmq allows
    refused(array({bulk("1796459044"), bulk("5"), bulk("1024")}));
}

TEST_CASE("rsmq batch: receive arguments and replies", "[rsmq]") {
    CHECK(batch_receive_args(std::nullopt, 16) == std::vector<std::string>{"", "16"});
    CHECK(batch_receive_args(0, 1) == std::vector<std::string>{"0", "1"});

    std::vector<ipcxx::RsmqMessage> messages;
    long long now = 0;
    REQUIRE_FALSE(parse_batch_received(array({integer(1796459045000LL)}), 4, messages, now));
    CHECK(messages.empty());
    CHECK(now == 1796459045000LL);

    auto two = array({integer(1796459045001LL), bulk(id_a), bulk("first"), integer(1), integer(1796459045001LL),
                      bulk(id_b), nil(), integer(3), bulk("1796459044000")});
    REQUIRE_FALSE(parse_batch_received(two, 2, messages, now));
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].id == id_a);
    CHECK(messages[0].message == "first");
    CHECK(messages[0].rc == 1);
    CHECK(messages[0].fr == 1796459045001LL);
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
    refused(array({integer(1), bulk(id_a), bulk("b"), integer(1)}), 1);  // a message cut short
    refused(array({integer(1), integer(7), bulk("b"), integer(1), integer(1)}), 1);  // id not a string
    refused(integer(0), 1);
}

TEST_CASE("rsmq batch: delete replies, and each id sent once", "[rsmq]") {
    std::vector<bool> found;
    REQUIRE_FALSE(parse_batch_deleted(array({integer(1), integer(0), integer(1)}), 3, found));
    CHECK(found == std::vector<bool>{true, false, true});
    REQUIRE_FALSE(parse_batch_deleted(integer(3), 3, found));  // the count: every one found
    CHECK(found == std::vector<bool>{true, true, true});
    for (const auto& bad : {array({integer(1)}), array({integer(1), integer(2)}), array({integer(1), bulk("1")}),
                            integer(1), integer(3), integer(-2)}) {
        auto error = parse_batch_deleted(bad, 2, found);
        CHECK(error.code == errc::redis_protocol_error);
        CHECK(error.message == "unexpected reply to rsmq's batch delete script");
        CHECK(found.empty());
    }

    const auto distinct = distinct_ids({id_a, id_b, id_a, id_a, id_b});
    CHECK(distinct.ids == std::vector<std::string>{id_a, id_b});
    CHECK(distinct.first == std::vector<std::optional<std::size_t>>{0, 1, std::nullopt, std::nullopt, std::nullopt});
    CHECK(distinct_ids({}).ids.empty());
}

TEST_CASE("rsmq batch: a lane starts a call when idle and gathers what waits meanwhile", "[rsmq]") {
    BatchLanes<int> lanes(3);
    CHECK(lanes.add("q", 1));         // idle: the caller starts a call
    CHECK_FALSE(lanes.add("q", 2));   // joins it before it starts
    CHECK(lanes.next("q") == std::vector<int>{1, 2});
    CHECK_FALSE(lanes.add("q", 3));   // a call in flight: waits
    CHECK(lanes.add("other", 9));     // lanes are independent
    for (int i = 4; i <= 6; ++i) CHECK_FALSE(lanes.add("q", i));
    CHECK(lanes.next("q") == std::vector<int>{3, 4, 5});  // at most max_batch, oldest first
    CHECK(lanes.next("q") == std::vector<int>{6});
    CHECK(lanes.next("q").empty());   // nothing waited: idle again
    CHECK(lanes.add("q", 7));
    CHECK(lanes.next("other") == std::vector<int>{9});
    CHECK(lanes.next("other").empty());
    CHECK(lanes.next("never").empty());
}

}  // namespace test_rsmq_batch
