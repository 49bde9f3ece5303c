// rsmq 0.12.4's rules without Redis: validation, ids, times, lengths, keys, and reading its replies.
#include <catch2/catch.hpp>

#include <string>

#include "ipcxx/error.hpp"
#include "rsmq/rsmq_replies.hpp"
#include "rsmq/rsmq_rules.hpp"
#include "rsmq/rsmq_scripts.hpp"
#include "support/redis_replies.hpp"

namespace test_rsmq_rules {

using namespace ipcxx::detail::rsmq;
using ipcxx::RedisReply;
using ipcxx::errc;
using namespace test::replies;

TEST_CASE("rsmq rules: queue names and message ids as rsmq's regular expressions", "[rsmq]") {
    CHECK_FALSE(check_queue_name("jobs_2-a"));
    CHECK_FALSE(check_queue_name(std::string(160, 'q')));
    auto too_long = check_queue_name(std::string(161, 'q'));
    CHECK(too_long.code == errc::rsmq_invalid_format);
    CHECK(too_long.message == "Invalid qname format");
    for (const char* bad : {"a b", "a:b", "a.b", "\xC3\xA9"}) CHECK(check_queue_name(bad).code == errc::rsmq_invalid_format);
    auto missing = check_queue_name("");
    CHECK(missing.code == errc::rsmq_missing_parameter);
    CHECK(missing.message == "No qname supplied");

    CHECK_FALSE(check_message_id("hoshw3o391exTm3GsPeCMvBDZsbaDYG0"));
    CHECK_FALSE(check_message_id(std::string(32, ':')));
    CHECK(check_message_id(std::string(31, 'a')).code == errc::rsmq_invalid_format);
    CHECK(check_message_id(std::string(33, 'a')).code == errc::rsmq_invalid_format);
    CHECK(check_message_id(std::string(31, 'a') + "_").message == "Invalid id format");
    CHECK(check_message_id("").message == "No id supplied");
}

TEST_CASE("rsmq rules: vt, delay and maxsize ranges", "[rsmq]") {
    CHECK_FALSE(check_seconds("vt", 0));
    CHECK_FALSE(check_seconds("vt", 9999999));
    auto over = check_seconds("delay", 10000000);
    CHECK(over.code == errc::rsmq_invalid_value);
    CHECK(over.message == "delay must be between 0 and 9999999");
    CHECK(check_seconds("vt", -1).code == errc::rsmq_invalid_value);

    CHECK_FALSE(check_maxsize(1024));
    CHECK_FALSE(check_maxsize(65536));
    CHECK_FALSE(check_maxsize(-1));
    CHECK(check_maxsize(1023).message == "maxsize must be between 1024 and 65536");
    CHECK(check_maxsize(65537).code == errc::rsmq_invalid_value);
    CHECK(check_maxsize(0).code == errc::rsmq_invalid_value);
    CHECK(check_maxsize(-2).code == errc::rsmq_invalid_value);
}

TEST_CASE("rsmq rules: message length in UTF-16 code units, as JavaScript counts", "[rsmq]") {
    CHECK(utf16_length("") == 0);
    CHECK(utf16_length("abc") == 3);
    CHECK(utf16_length("\xC3\xA9") == 1);           // é: two bytes, one unit
    CHECK(utf16_length("\xE2\x82\xAC") == 1);       // €: three bytes, one unit
    CHECK(utf16_length("\xF0\x9F\x98\x80") == 2);   // an emoji: a surrogate pair

    std::string e1024;
    for (int i = 0; i < 1024; ++i) e1024 += "\xC3\xA9";
    CHECK_FALSE(check_message(e1024, 1024));        // 2048 bytes, 1024 units: accepted like rsmq
    auto too_long = check_message(e1024 + "\xC3\xA9", 1024);
    CHECK(too_long.code == errc::rsmq_message_too_long);
    CHECK(too_long.message == "Message too long");
    CHECK_FALSE(check_message(e1024 + e1024, -1));  // no limit
    CHECK(check_message("ok\xFF", 1024).code == errc::invalid_argument);
}

TEST_CASE("rsmq rules: ids from the server's TIME, and sent read back from them", "[rsmq]") {
    const ServerTime time{1796459044, 116853};
    CHECK(time_ms(time) == 1796459044116LL);
    CHECK(time_ms({1796459044, 999}) == 1796459044000LL);
    // The values node printed for Number("1796459044" + "116853").toString(36) and parseInt(..., 36).
    const std::string id = make_message_id(time, "exTm3GsPeCMvBDZsbaDYG0");
    CHECK(id == "hoshw3o391exTm3GsPeCMvBDZsbaDYG0");
    CHECK_FALSE(check_message_id(id));
    CHECK(sent_from_id(id) == 1796459044116.853);
    CHECK(sent_from_id("ABCDEFGHIJ") == 1047601316295.595);  // parseInt is case-insensitive
    CHECK(sent_from_id("abc:defghij") == 13.368);             // and stops at the first non-digit
    CHECK(make_message_id({1000000, 1}, "") == "cre66i9t");

    const std::string suffix = random_id_suffix();
    CHECK(suffix.size() == 22);
    CHECK_FALSE(check_message_id(std::string(10, '0') + suffix));
    CHECK(random_id_suffix() != suffix);
}

TEST_CASE("rsmq rules: the key layout under a namespace", "[rsmq]") {
    auto keys = queue_keys("rsmq", "jobs");
    CHECK(keys.messages == "rsmq:jobs");
    CHECK(keys.hash == "rsmq:jobs:Q");
    CHECK(keys.realtime == "rsmq:rt:jobs");
    CHECK(queues_key("app") == "app:QUEUES");
}

TEST_CASE("rsmq rules: rsmq's scripts kept byte for byte", "[rsmq]") {
    // The lengths node printed for rsmq 0.12.4's three scripts.
    CHECK(pop_message_script.size() == 636);
    CHECK(receive_message_script.size() == 630);
    CHECK(change_message_visibility_script.size() == 150);
    CHECK(receive_message_script.find("\n\t\t\tredis.call(\"ZADD\", KEYS[1], KEYS[3], msg[1])\n") != std::string::npos);
    // The SHA1s rsmq's SCRIPT LOAD returns (node's crypto over rsmq's text): the same cached scripts.
    CHECK(ipcxx::RedisScript(std::string(pop_message_script)).sha1 == "70a940e88769e808900bf46f3e0c089bb3601884");
    CHECK(ipcxx::RedisScript(std::string(receive_message_script)).sha1 ==
          "937bb26841b123886255ef3956a57c83e829ab3e");
    CHECK(ipcxx::RedisScript(std::string(change_message_visibility_script)).sha1 ==
          "776ef84d345918f8c59aea092c4833b12d17a83b");
}

TEST_CASE("rsmq replies: the queue lookup", "[rsmq]") {
    QueueState state;
    auto exec = array({array({bulk("30"), bulk("2"), bulk("-1")}), array({bulk("1796459044"), bulk("116853")})});
    REQUIRE_FALSE(parse_queue_state(exec, state));
    CHECK(state.vt == 30);
    CHECK(state.delay == 2);
    CHECK(state.maxsize == -1);
    CHECK(time_ms(state.time) == 1796459044116LL);

    auto missing = array({array({RedisReply{}, RedisReply{}, RedisReply{}}), array({bulk("1"), bulk("2")})});
    auto error = parse_queue_state(missing, state);
    CHECK(error.code == errc::rsmq_queue_not_found);
    CHECK(error.message == "Queue not found");
    CHECK(parse_queue_state(bulk("x"), state).code == errc::redis_protocol_error);
    auto bad_time = array({array({bulk("30"), bulk("2"), bulk("1024")}), array({bulk("1"), bulk("1000000")})});
    CHECK(parse_queue_state(bad_time, state).code == errc::redis_protocol_error);
}

TEST_CASE("rsmq replies: received messages, none, and dead letters", "[rsmq]") {
    std::optional<ipcxx::RsmqMessage> message;
    bool dead = true;
    REQUIRE_FALSE(parse_received(array({}), message, dead));
    CHECK_FALSE(message);
    CHECK_FALSE(dead);

    const std::string id = "hoshw3o391exTm3GsPeCMvBDZsbaDYG0";
    REQUIRE_FALSE(parse_received(array({bulk(id), bulk("body"), integer(2), bulk("1796459045000")}), message, dead));
    REQUIRE(message);
    CHECK(message->id == id);
    CHECK(message->message == "body");
    CHECK(message->rc == 2);
    CHECK(message->fr == 1796459045000LL);
    CHECK(message->sent == 1796459044116.853);
    CHECK_FALSE(dead);

    REQUIRE_FALSE(parse_received(array({bulk(id), bulk("b"), integer(3), bulk("1"), bulk("dead")}), message, dead));
    CHECK(dead);
    CHECK(parse_received(array({bulk(id)}), message, dead).code == errc::redis_protocol_error);
    CHECK(parse_received(integer(0), message, dead).code == errc::redis_protocol_error);
}

TEST_CASE("rsmq replies: attributes, with counters that start missing", "[rsmq]") {
    ipcxx::RsmqQueueAttributes attributes;
    auto exec = array({array({bulk("30"), bulk("0"), bulk("65536"), RedisReply{}, bulk("4"), bulk("100"), bulk("101")}),
                       integer(4), integer(1)});
    REQUIRE_FALSE(parse_attributes(exec, attributes));
    CHECK(attributes.vt == 30);
    CHECK(attributes.maxsize == 65536);
    CHECK(attributes.totalrecv == 0);
    CHECK(attributes.totalsent == 4);
    CHECK(attributes.created == 100);
    CHECK(attributes.modified == 101);
    CHECK(attributes.msgs == 4);
    CHECK(attributes.hiddenmsgs == 1);
    auto gone = array({array({RedisReply{}, RedisReply{}, RedisReply{}, RedisReply{}, RedisReply{}, RedisReply{},
                              RedisReply{}}),
                       integer(0), integer(0)});
    CHECK(parse_attributes(gone, attributes).code == errc::rsmq_queue_not_found);
}

TEST_CASE("rsmq replies: our script's queueNotFound as rsmq's error, other errors kept", "[rsmq]") {
    RedisReply reply;
    reply.kind = RedisReply::Kind::error;
    reply.text = "queueNotFound";
    CHECK(from_redis_error(make_error_code(errc::redis_error_reply), reply).code == errc::rsmq_queue_not_found);
    reply.text = "ERR wrong number of arguments";
    auto other = from_redis_error(make_error_code(errc::redis_error_reply), reply);
    CHECK(other.code == errc::redis_error_reply);
    CHECK(other.message == reply.text);
}

}  // namespace test_rsmq_rules
