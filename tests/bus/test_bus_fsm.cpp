// The bus's socket-free parts on canned replies: stream reply parsing, the entry layout, and the
// consumer's decisions (recovery, claims, delivery counts, dead letters, trimmed entries).
#include <catch2/catch.hpp>

#include "bus/bus_entry.hpp"
#include "bus/consumer_fsm.hpp"
#include "bus/stream_reply.hpp"
#include "ipcxx/error.hpp"
#include "ipcxx/payload.hpp"
#include "support/redis_replies.hpp"

namespace bus_fsm_tests {

using ipcxx::RedisReply;
using namespace ipcxx::detail;
using namespace test::replies;

std::string packed(int value) { return std::string(ipcxx::Payload::from(value).msgpack()); }

RedisReply event_entry(const std::string& id, const std::string& event, const std::string& data) {
    return array({bulk(id), array({bulk("kind"), bulk("event"), bulk("event"), bulk(event), bulk("data"), bulk(data)})});
}
RedisReply trimmed_entry(const std::string& id) { return array({bulk(id), nil()}); }
RedisReply one_stream(std::vector<RedisReply> entries) {
    return array({array({bulk("ipcxx:bus:{b}:events"), array(std::move(entries))})});
}
RedisReply pending_line(const std::string& id, const std::string& consumer, long long deliveries) {
    return array({bulk(id), bulk(consumer), integer(10), integer(deliveries)});
}

ConsumerSettings settings() {
    ConsumerSettings s;
    s.key = "ipcxx:bus:{b}:events";
    s.dead_key = "ipcxx:bus:{b}:dead";
    s.group = "g";
    s.consumer = "me";
    s.max_deliveries = 3;
    s.batch = 10;
    return s;
}

TEST_CASE("bus keys share one hash tag", "[bus]") {
    BusKeys keys("orders");
    CHECK(keys.events == "ipcxx:bus:{orders}:events");
    CHECK(keys.dead == "ipcxx:bus:{orders}:dead");
    CHECK(keys.reply("c1") == "ipcxx:bus:{orders}:reply:c1");
    CHECK(keys.channel("tick") == "ipcxx:bus:{orders}:pub:tick");
}

TEST_CASE("stream reads: entries, nil for a BLOCK that ran out, malformed replies named", "[bus]") {
    std::vector<StreamEntry> out;
    std::string detail;
    CHECK_FALSE(parse_stream_read(nil(), out, detail));
    CHECK(out.empty());

    REQUIRE_FALSE(parse_stream_read(one_stream({event_entry("1-1", "job", packed(7)), trimmed_entry("1-2")}), out, detail));
    REQUIRE(out.size() == 2);
    CHECK(out[0].id == "1-1");
    CHECK(*out[0].field("event") == "job");
    CHECK_FALSE(out[0].trimmed);
    CHECK(out[1].trimmed);

    out.clear();
    CHECK(parse_stream_read(bulk("OK"), out, detail) == ipcxx::errc::redis_protocol_error);
    CHECK(parse_stream_read(one_stream({array({bulk("1-1"), array({bulk("odd")})})}), out, detail) ==
          ipcxx::errc::redis_protocol_error);
    CHECK(detail.find("1-1") != std::string::npos);
}

TEST_CASE("XAUTOCLAIM: cursor, claimed entries and the ids whose data is gone", "[bus]") {
    AutoClaimResult result;
    std::string detail;
    REQUIRE_FALSE(parse_autoclaim(array({bulk("0-0"), array({event_entry("1-1", "job", packed(1))}), array({bulk("2-1")})}),
                                  result, detail));
    CHECK(result.cursor == "0-0");
    REQUIRE(result.entries.size() == 1);
    CHECK(result.deleted == std::vector<std::string>{"2-1"});

    // Redis 6.2 answers two elements and shows deleted entries with nil fields.
    AutoClaimResult old_form;
    REQUIRE_FALSE(parse_autoclaim(array({bulk("5-0"), array({trimmed_entry("3-1")})}), old_form, detail));
    CHECK(old_form.entries.empty());
    CHECK(old_form.deleted == std::vector<std::string>{"3-1"});

    AutoClaimResult bad;
    CHECK(parse_autoclaim(array({bulk("0-0")}), bad, detail) == ipcxx::errc::redis_protocol_error);
    CHECK(parse_autoclaim(array({bulk("0-0"), array({}), bulk("x")}), bad, detail) == ipcxx::errc::redis_protocol_error);
}

TEST_CASE("XPENDING lines and stream id times", "[bus]") {
    std::vector<PendingInfo> out;
    std::string detail;
    REQUIRE_FALSE(parse_pending(array({pending_line("1-1", "c1", 4)}), out, detail));
    REQUIRE(out.size() == 1);
    CHECK(out[0].consumer == "c1");
    CHECK(out[0].deliveries == 4);
    CHECK(parse_pending(array({array({bulk("1-1"), bulk("c1"), integer(-1), integer(1)})}), out, detail) ==
          ipcxx::errc::redis_protocol_error);
    CHECK(stream_id_ms("1700000000123-4") == 1700000000123u);
    CHECK(stream_id_ms("junk") == 0);
}

TEST_CASE("entry layout: events and requests round-trip, bad entries are named", "[bus]") {
    std::vector<std::string> args;
    append_request_fields(args, "add", packed(3), 42, "ipcxx:bus:{b}:reply:c", 1500);
    StreamEntry entry;
    entry.id = "9-0";
    for (std::size_t i = 0; i < args.size(); i += 2) entry.fields.emplace_back(args[i], args[i + 1]);
    BusEntry decoded;
    std::string detail;
    REQUIRE_FALSE(decode_bus_entry(entry, decoded, detail));
    CHECK(decoded.kind == BusEntry::Kind::request);
    CHECK(decoded.event == "add");
    CHECK(decoded.data == packed(3));
    CHECK(decoded.rid == 42);
    CHECK(decoded.reply_to == "ipcxx:bus:{b}:reply:c");
    CHECK(decoded.timeout_ms == 1500);

    StreamEntry no_kind;
    no_kind.id = "9-1";
    no_kind.fields = {{"event", "x"}};
    CHECK(decode_bus_entry(no_kind, decoded, detail) == ipcxx::errc::invalid_message);
    CHECK(detail.find("kind") != std::string::npos);
    StreamEntry bad_data;
    bad_data.id = "9-2";
    bad_data.fields = {{"kind", "event"}, {"event", "x"}, {"data", "\xc1"}};
    CHECK(decode_bus_entry(bad_data, decoded, detail) == ipcxx::errc::invalid_message);
    CHECK(detail.find("msgpack") != std::string::npos);
    // A value cut short, and two values where one belongs.
    for (const char* data : {"\x92\x01", "\x01\x02"}) {
        bad_data.fields = {{"kind", "event"}, {"event", "x"}, {"data", data}};
        CHECK(decode_bus_entry(bad_data, decoded, detail) == ipcxx::errc::invalid_message);
    }
}

TEST_CASE("reply entries: a response and an error response", "[bus]") {
    const std::string data = packed(5);
    NativeFrame response;
    response.kind = FrameKind::response;
    response.id = 7;
    response.data = data;
    std::vector<std::string> args;
    append_reply_fields(args, response);
    StreamEntry entry;
    entry.id = "1-0";
    for (std::size_t i = 0; i < args.size(); i += 2) entry.fields.emplace_back(args[i], args[i + 1]);
    ipcxx::RequestId rid = 0;
    ipcxx::Response out;
    std::string detail;
    REQUIRE_FALSE(decode_reply_entry(entry, rid, out, detail));
    CHECK(rid == 7);
    CHECK_FALSE(out.error);
    CHECK(out.data.as<int>() == 5);

    NativeFrame failure;
    failure.kind = FrameKind::error_response;
    failure.id = 8;
    failure.error_code = "no_handler";
    failure.error_message = "no handler for 'x'";
    args.clear();
    append_reply_fields(args, failure);
    entry.fields.clear();
    for (std::size_t i = 0; i < args.size(); i += 2) entry.fields.emplace_back(args[i], args[i + 1]);
    ipcxx::Response failed;
    REQUIRE_FALSE(decode_reply_entry(entry, rid, failed, detail));
    CHECK(failed.error == ipcxx::errc::no_handler);
    CHECK(failed.message == "no handler for 'x'");
}

TEST_CASE("a consumer first re-reads its own pending entries, then reads new ones", "[bus]") {
    ConsumerFsm fsm(settings());
    auto read = fsm.next_read();
    CHECK(read.back() == "0");
    CHECK(std::find(read.begin(), read.end(), "BLOCK") == read.end());

    std::error_code ec;
    std::string detail;
    auto batch = fsm.on_read(one_stream({event_entry("1-1", "job", packed(1)), trimmed_entry("1-2")}), ec, detail);
    REQUIRE_FALSE(ec);
    REQUIRE(batch.ready.size() == 1);
    CHECK(batch.ready[0].action == EntryVerdict::Action::trimmed);
    REQUIRE(batch.to_count.size() == 1);
    CHECK(fsm.next_read().back() == "1-2");  // pages on from the last id seen

    batch = fsm.on_read(one_stream({}), ec, detail);
    CHECK_FALSE(fsm.recovering());
    read = fsm.next_read();
    CHECK(read.back() == ">");
    CHECK(std::find(read.begin(), read.end(), "BLOCK") != read.end());

    batch = fsm.on_read(one_stream({event_entry("2-1", "job", packed(2))}), ec, detail);
    REQUIRE(batch.ready.size() == 1);
    CHECK(batch.ready[0].action == EntryVerdict::Action::deliver);
    CHECK(batch.ready[0].decoded.event == "job");

    fsm.restart();
    CHECK(fsm.next_read().back() == "0");
}

TEST_CASE("delivery counts decide: deliver, dead-letter past max_deliveries, skip what another consumer took", "[bus]") {
    ConsumerFsm fsm(settings());
    std::vector<StreamEntry> entries;
    std::string detail;
    std::error_code ec;
    const char* ids[] = {"1-1", "1-2", "1-10"};
    for (int i = 0; i < 3; ++i) {
        REQUIRE_FALSE(parse_entries(array({event_entry(ids[i], "job", packed(i))}), entries, detail));
    }
    auto query = fsm.pending_query(entries);
    REQUIRE(query.size() == 7);
    CHECK(query[3] == "1-1");
    CHECK(query[4] == "1-10");  // numeric order of the sequence part, not text order
    CHECK(query[6] == "me");

    auto verdicts = fsm.on_pending(entries, array({pending_line("1-1", "me", 3), pending_line("1-2", "me", 4),
                                                   pending_line("1-10", "other", 1)}),
                                   ec, detail);
    REQUIRE_FALSE(ec);
    REQUIRE(verdicts.size() == 2);
    CHECK(verdicts[0].action == EntryVerdict::Action::deliver);
    CHECK(verdicts[0].deliveries == 3);
    CHECK(verdicts[1].action == EntryVerdict::Action::dead_letter);
    CHECK(verdicts[1].reason.find("4 times") != std::string::npos);

    auto dead = fsm.dead_letter(verdicts[1]);
    CHECK(dead[1] == "ipcxx:bus:{b}:dead");
    CHECK(std::find(dead.begin(), dead.end(), "dead-reason") != dead.end());
    CHECK(std::find(dead.begin(), dead.end(), "1-2") != dead.end());
    CHECK(fsm.ack({"1-2", "1-3"}) == std::vector<std::string>{"XACK", "ipcxx:bus:{b}:events", "g", "1-2", "1-3"});
}

TEST_CASE("a new entry that is not a bus entry is dead-lettered at once, with the reason", "[bus]") {
    ConsumerFsm fsm(settings());
    std::error_code ec;
    std::string detail;
    fsm.on_read(one_stream({}), ec, detail);
    auto batch = fsm.on_read(one_stream({array({bulk("3-1"), array({bulk("foo"), bulk("bar")})})}), ec, detail);
    REQUIRE(batch.ready.size() == 1);
    CHECK(batch.ready[0].action == EntryVerdict::Action::dead_letter);
    CHECK(batch.ready[0].reason.find("not a bus entry") != std::string::npos);
}

TEST_CASE("claims: the cursor carries on, deleted ids are reported trimmed, claimed entries are counted first", "[bus]") {
    ConsumerFsm fsm(settings());
    CHECK(fsm.next_claim()[5] == "0-0");
    std::error_code ec;
    std::string detail;
    auto batch = fsm.on_claim(array({bulk("7-3"), array({event_entry("5-1", "job", packed(1))}), array({bulk("4-4")})}), ec,
                              detail);
    REQUIRE_FALSE(ec);
    CHECK(fsm.claim_cursor() == "7-3");
    CHECK(fsm.next_claim()[5] == "7-3");
    REQUIRE(batch.ready.size() == 1);
    CHECK(batch.ready[0].action == EntryVerdict::Action::trimmed);
    CHECK(batch.ready[0].entry.id == "4-4");
    REQUIRE(batch.to_count.size() == 1);

    fsm.on_claim(bulk("nonsense"), ec, detail);
    CHECK(ec == ipcxx::errc::redis_protocol_error);
    CHECK(fsm.claim_cursor() == "7-3");  // a bad reply leaves the cursor where it was
}

TEST_CASE("group creation: BUSYGROUP is success, NOGROUP means re-create", "[bus]") {
    ConsumerFsm fsm(settings());
    CHECK(fsm.create_group() ==
          std::vector<std::string>{"XGROUP", "CREATE", "ipcxx:bus:{b}:events", "g", "0", "MKSTREAM"});
    CHECK(ConsumerFsm::group_exists("BUSYGROUP Consumer Group name already exists"));
    CHECK_FALSE(ConsumerFsm::group_exists("ERR other"));
    CHECK(ConsumerFsm::group_missing("NOGROUP No such key 'k' or consumer group 'g'"));
}

}  // namespace bus_fsm_tests
