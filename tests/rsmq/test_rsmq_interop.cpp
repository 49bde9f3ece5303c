// ipcxx::Rsmq against the real rsmq 0.12.4 (peer.js) on one redis-server of the test's own: every
// operation both ways, delays and visibility timeouts, attributes, ids, the shared script cache, the
// same UTF-16 length limit and the same error for every bad input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/js_number.hpp"
#include "ipcxx/error.hpp"
#include "ipcxx/rsmq.hpp"
#include "redis/redis_test_support.hpp"
#include "rsmq/rsmq_batch_support.hpp"
#include "rsmq/rsmq_rules.hpp"
#include "rsmq/rsmq_scripts.hpp"
#include "support/child_process.hpp"
#include "support/redis_server.hpp"

namespace test_rsmq_interop {

using namespace std::chrono_literals;
using ipcxx::errc;
using ipcxx::Rsmq;
using ipcxx::RsmqError;
using ipcxx::RsmqMessage;
using test::PeerLine;

// A JSON string literal (the tests' own texts: no control characters).
std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// rsmq in node, and an Rsmq, on the same fresh server.
struct Both {
    explicit Both(ipcxx::RsmqOptions options = {}, std::string node_flags = "")
        : rsmq(test::redis_options(server.unix_url()), options),
          node({IPCXX_NODE_EXECUTABLE, std::string(IPCXX_RSMQ_DIR) + "/peer.js", server.socket_path(), options.ns,
                node_flags}) {}

    // One rsmq call in node: its answer line.
    PeerLine ask(const std::string& op, const std::string& args = "{}") {
        REQUIRE(node.send("{\"op\":\"" + op + "\",\"args\":" + args + "}"));
        auto line = node.wait_line([](const PeerLine& l) { return l.is("ok") || l.is("error"); }, 10s);
        INFO(node.describe());
        REQUIRE(line);
        return *line;
    }
    // node's receiveMessage, polled by node (as rsmq's users do) until a message comes, within 8 s.
    PeerLine node_receive_until_message(const std::string& qname, long long vt) {
        auto line = ask("receiveMessagePolling",
                        "{\"qname\":\"" + qname + "\",\"vt\":" + std::to_string(vt) + ",\"within\":8000}");
        REQUIRE_FALSE(line.str("id").empty());
        return line;
    }

    test::RedisServer server;
    Rsmq rsmq;
    test::ChildProcess node;
};

template <class T>
T get(std::future<T>& future) {
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    return future.get();
}

template <class T>
T run(std::future<T> future) {
    return get(future);
}

// The errc an rsmq error name stands for.
errc code_of(const std::string& name) {
    if (name == "queueNotFound") return errc::rsmq_queue_not_found;
    if (name == "queueExists") return errc::rsmq_queue_exists;
    if (name == "invalidFormat") return errc::rsmq_invalid_format;
    if (name == "invalidValue") return errc::rsmq_invalid_value;
    if (name == "messageTooLong") return errc::rsmq_message_too_long;
    if (name == "noAttributeSupplied") return errc::rsmq_no_attribute_supplied;
    if (name == "missingParameter") return errc::rsmq_missing_parameter;
    return errc::invalid_argument;
}

// The error an operation reports to its callback form (none: it succeeded). The error's contents are
// checked through the callback forms: a future form's exception is made on the I/O thread, and
// reading it on this thread looks like a race to ThreadSanitizer (libstdc++ counts references to an
// exception in code it does not instrument), so future forms are checked for throwing alone.
template <class Start>
RsmqError failure(Start start) {
    auto promise = std::make_shared<std::promise<RsmqError>>();
    auto future = promise->get_future();
    start([promise](const RsmqError& error, auto&&...) { promise->set_value(error); });
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    return future.get();
}

std::string js_text(double v) {
    std::string out;
    ipcxx::detail::append_js_double(v, out);
    return out;
}

TEST_CASE("rsmq interop: both share Redis's script cache", "[rsmq]") {
    // The receive runs rsmq's script with rsmq's commands; by default it is ipcxx's batch script.
    ipcxx::RsmqOptions exact;
    exact.rsmq_commands = true;
    Both both(exact);
    auto shas = both.ask("shas");
    namespace scripts = ipcxx::detail::rsmq;
    auto sha1 = [](std::string_view text) { return ipcxx::RedisScript(std::string(text)).sha1; };
    CHECK(shas.str("receiveMessage") == sha1(scripts::receive_message_script));
    CHECK(shas.str("popMessage") == sha1(scripts::pop_message_script));
    CHECK(shas.str("changeMessageVisibility") == sha1(scripts::change_message_visibility_script));
    // rsmq loaded them; our receive runs the cached script by EVALSHA (no EVAL of our own text).
    both.ask("createQueue", R"({"qname":"q"})");
    ipcxx::RedisClient client(test::redis_options(both.server.unix_url()));
    auto exists = test::redis_run(client, {"SCRIPT", "EXISTS", shas.str("receiveMessage"), shas.str("popMessage"),
                                           shas.str("changeMessageVisibility")});
    REQUIRE(exists.ended);
    REQUIRE(exists.reply.elements.size() == 3);
    for (const auto& e : exists.reply.elements) CHECK(e.integer == 1);
    REQUIRE(test::redis_run(client, {"CONFIG", "RESETSTAT"}).ended);
    CHECK_FALSE(run(both.rsmq.receive_message("q")));
    auto stats = test::redis_run(client, {"INFO", "commandstats"});
    CHECK(stats.reply.text.find("cmdstat_evalsha:calls=1") != std::string::npos);
    CHECK(stats.reply.text.find("cmdstat_eval:") == std::string::npos);
}

TEST_CASE("rsmq interop: queues made by one side are seen by the other", "[rsmq]") {
    Both both;
    run(both.rsmq.create_queue({"made_in_cpp", 45, 2, 2048}));
    auto attrs = both.ask("getQueueAttributes", R"({"qname":"made_in_cpp"})");
    CHECK(attrs.num("vt") == 45);
    CHECK(attrs.num("delay") == 2);
    CHECK(attrs.num("maxsize") == 2048);
    CHECK(attrs.num("totalsent") == 0);
    CHECK(attrs.num("created") > 1600000000);

    CHECK(both.ask("createQueue", R"({"qname":"made_in_node","vt":7,"maxsize":-1})").num("value") == 1);
    auto ours = run(both.rsmq.get_queue_attributes("made_in_node"));
    CHECK(ours.vt == 7);
    CHECK(ours.delay == 0);
    CHECK(ours.maxsize == -1);
    CHECK(ours.msgs == 0);

    CHECK(both.ask("listQueues").str("value") == "made_in_cpp,made_in_node");
    auto names = run(both.rsmq.list_queues());
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"made_in_cpp", "made_in_node"});

    // Existing either way: queueExists on both sides.
    CHECK(both.ask("createQueue", R"({"qname":"made_in_cpp"})").str("name") == "queueExists");
    auto again = failure([&](auto done) { both.rsmq.create_queue({"made_in_node"}, done); });
    CHECK(again.code == errc::rsmq_queue_exists);
    CHECK(again.message == "Queue exists");
    CHECK_THROWS_AS(both.rsmq.create_queue({"made_in_node"}).get(), ipcxx::Error);  // the future form

    // Attributes set by one side, read by the other.
    auto changed = both.ask("setQueueAttributes", R"({"qname":"made_in_cpp","vt":60,"maxsize":-1})");
    CHECK(changed.num("vt") == 60);
    ipcxx::RsmqAttributeChanges changes;
    changes.delay = 3;
    auto after = run(both.rsmq.set_queue_attributes("made_in_cpp", changes));
    CHECK(after.vt == 60);
    CHECK(after.maxsize == -1);
    CHECK(after.delay == 3);
    CHECK(both.ask("getQueueAttributes", R"({"qname":"made_in_cpp"})").num("delay") == 3);

    // Deleted by one side: gone for the other.
    run(both.rsmq.delete_queue("made_in_node"));
    CHECK(both.ask("getQueueAttributes", R"({"qname":"made_in_node"})").str("name") == "queueNotFound");
    CHECK(both.ask("deleteQueue", R"({"qname":"made_in_cpp"})").num("value") == 1);
    auto gone = failure([&](auto done) { both.rsmq.get_queue_attributes("made_in_cpp", done); });
    CHECK(gone.code == errc::rsmq_queue_not_found);
    CHECK(run(both.rsmq.list_queues()).empty());
}

TEST_CASE("rsmq interop: messages sent by one side are received by the other", "[rsmq]") {
    Both both;
    run(both.rsmq.create_queue({"q"}));
    const std::string text = "caf\xC3\xA9 \xF0\x9F\x98\x80 \"quoted\"";
    const std::string id = run(both.rsmq.send_message("q", text));
    auto got = both.ask("receiveMessage", R"({"qname":"q"})");
    CHECK(got.str("id") == id);
    CHECK(got.str("message") == text);
    CHECK(got.num("rc") == 1);
    CHECK(got.num("fr") > 0);
    CHECK(got.str("sentText") == js_text(ipcxx::detail::rsmq::sent_from_id(id)));
    CHECK(both.ask("deleteMessage", "{\"qname\":\"q\",\"id\":" + json_string(id) + "}").num("value") == 1);
    CHECK(both.ask("deleteMessage", "{\"qname\":\"q\",\"id\":" + json_string(id) + "}").num("value") == 0);

    const std::string node_id = both.ask("sendMessage", R"({"qname":"q","message":"from node"})").str("value");
    auto message = run(both.rsmq.receive_message("q"));
    REQUIRE(message);
    CHECK(message->id == node_id);
    CHECK(message->message == "from node");
    CHECK(message->rc == 1);
    CHECK(js_text(message->sent) == js_text(ipcxx::detail::rsmq::sent_from_id(node_id)));
    CHECK(message->sent < static_cast<double>(message->fr + 1));  // fr is whole milliseconds
    CHECK(run(both.rsmq.delete_message("q", node_id)));
    CHECK_FALSE(run(both.rsmq.delete_message("q", node_id)));

    // pop, both ways: gone after it.
    both.ask("sendMessage", R"({"qname":"q","message":"pop me"})");
    auto popped = run(both.rsmq.pop_message("q"));
    REQUIRE(popped);
    CHECK(popped->message == "pop me");
    CHECK(run(both.rsmq.get_queue_attributes("q")).msgs == 0);
    run(both.rsmq.send_message("q", "pop me too"));
    CHECK(both.ask("popMessage", R"({"qname":"q"})").str("message") == "pop me too");
    CHECK(both.ask("popMessage", R"({"qname":"q"})").str("id").empty());
    CHECK_FALSE(run(both.rsmq.pop_message("q")));

    auto attrs = run(both.rsmq.get_queue_attributes("q"));
    CHECK(attrs.totalsent == 4);
    CHECK(attrs.totalrecv == 4);
}

TEST_CASE("rsmq interop: delays and visibility timeouts hold on both sides", "[rsmq]") {
    Both both;
    run(both.rsmq.create_queue({"q", 1}));
    // Sent with a delay by us: node sees nothing at first, then the message.
    const std::string delayed = run(both.rsmq.send_message("q", "later", 1));
    CHECK(both.ask("receiveMessage", R"({"qname":"q"})").str("id").empty());
    CHECK(run(both.rsmq.get_queue_attributes("q")).hiddenmsgs == 1);
    auto first = both.node_receive_until_message("q", 1);
    CHECK(first.str("id") == delayed);
    CHECK(first.num("rc") == 1);
    // Received by node with vt 1: hidden from us, then ours with rc 2 and node's first receive.
    CHECK_FALSE(run(both.rsmq.receive_message("q")));
    ipcxx::RsmqWaitOptions wait;
    wait.timeout = 10s;
    wait.vt = 0;
    auto again = run(both.rsmq.receive_message_wait("q", wait));
    REQUIRE(again);
    CHECK(again->id == delayed);
    CHECK(again->rc == 2);
    CHECK(again->fr == first.num("fr"));
    CHECK(run(both.rsmq.delete_message("q", delayed)));

    // Sent with a delay by node: our waiting receive is woken by the timer at its score.
    const std::string from_node = both.ask("sendMessage", R"({"qname":"q","message":"n","delay":1})").str("value");
    wait.idle_check = 30s;  // only the message's score can end this wait in time
    const auto start = std::chrono::steady_clock::now();
    auto woken = run(both.rsmq.receive_message_wait("q", wait));
    REQUIRE(woken);
    CHECK(woken->id == from_node);
    CHECK(std::chrono::steady_clock::now() - start < 5s);

    // changeMessageVisibility both ways.
    CHECK(run(both.rsmq.change_message_visibility("q", from_node, 3600)));
    CHECK(both.ask("receiveMessage", R"({"qname":"q"})").str("id").empty());
    CHECK(both.ask("changeMessageVisibility", "{\"qname\":\"q\",\"id\":" + json_string(from_node) + ",\"vt\":0}")
              .num("value") == 1);
    auto visible = run(both.rsmq.receive_message("q", 3600));
    REQUIRE(visible);
    CHECK(visible->id == from_node);
    const std::string absent = std::string(32, 'x');
    CHECK(both.ask("changeMessageVisibility", "{\"qname\":\"q\",\"id\":" + json_string(absent) + ",\"vt\":1}")
              .num("value") == 0);
    CHECK_FALSE(run(both.rsmq.change_message_visibility("q", std::string(32, 'x'), 1)));
}

TEST_CASE("rsmq interop: messageTooLong at the same UTF-16 boundary", "[rsmq]") {
    Both both;
    run(both.rsmq.create_queue({"q", 30, 0, 1024}));
    std::string e1024;
    for (int i = 0; i < 1024; ++i) e1024 += "\xC3\xA9";
    const std::string e1025 = e1024 + "\xC3\xA9";
    CHECK(both.ask("sendMessage", "{\"qname\":\"q\",\"message\":" + json_string(e1024) + "}").is("ok"));
    CHECK(both.ask("sendMessage", "{\"qname\":\"q\",\"message\":" + json_string(e1025) + "}").str("name") ==
          "messageTooLong");
    CHECK_FALSE(failure([&](auto done) { both.rsmq.send_message("q", e1024, std::nullopt, done); }));
    auto refused = failure([&](auto done) { both.rsmq.send_message("q", e1025, std::nullopt, done); });
    CHECK(refused.code == errc::rsmq_message_too_long);
    // Both 2048-byte bodies arrive whole on the other side.
    CHECK(both.ask("receiveMessage", R"({"qname":"q"})").str("message") == e1024);
    auto ours = run(both.rsmq.receive_message("q"));
    REQUIRE(ours);
    CHECK(ours->message == e1024);
}

TEST_CASE("rsmq interop: every bad input gets rsmq's error on both sides", "[rsmq]") {
    Both both;
    run(both.rsmq.create_queue({"q"}));
    const std::string id = run(both.rsmq.send_message("q", "x"));
    struct Case {
        std::string op, args;
        std::function<RsmqError(Rsmq&)> ours;
    };
    auto big = std::string(161, 'a');
    std::vector<Case> cases = {
        {"createQueue", R"({"qname":"bad name"})",
         [](Rsmq& r) { return failure([&](auto done) { r.create_queue({"bad name"}, done); }); }},
        {"createQueue", "{\"qname\":\"" + big + "\"}",
         [&](Rsmq& r) { return failure([&](auto done) { r.create_queue({big}, done); }); }},
        {"createQueue", R"({"qname":"v","vt":10000000})",
         [](Rsmq& r) { return failure([&](auto done) { r.create_queue({"v", 10000000}, done); }); }},
        {"createQueue", R"({"qname":"v","delay":-1})",
         [](Rsmq& r) { return failure([&](auto done) { r.create_queue({"v", 30, -1}, done); }); }},
        {"createQueue", R"({"qname":"v","maxsize":1023})",
         [](Rsmq& r) { return failure([&](auto done) { r.create_queue({"v", 30, 0, 1023}, done); }); }},
        {"createQueue", R"({"qname":"v","maxsize":65537})",
         [](Rsmq& r) { return failure([&](auto done) { r.create_queue({"v", 30, 0, 65537}, done); }); }},
        {"createQueue", R"({"qname":""})",
         [](Rsmq& r) { return failure([&](auto done) { r.create_queue({""}, done); }); }},
        {"sendMessage", R"({"qname":"missing","message":"x"})",
         [](Rsmq& r) { return failure([&](auto done) { r.send_message("missing", "x", std::nullopt, done); }); }},
        {"sendMessage", R"({"qname":"q","message":"x","delay":10000000})",
         [](Rsmq& r) { return failure([&](auto done) { r.send_message("q", "x", 10000000, done); }); }},
        {"receiveMessage", R"({"qname":"missing"})",
         [](Rsmq& r) { return failure([&](auto done) { r.receive_message("missing", std::nullopt, done); }); }},
        {"receiveMessage", R"({"qname":"q","vt":-1})",
         [](Rsmq& r) { return failure([&](auto done) { r.receive_message("q", -1, done); }); }},
        {"receiveMessage", R"({"qname":"missing","vt":-1})",
         [](Rsmq& r) { return failure([&](auto done) { r.receive_message("missing", -1, done); }); }},
        {"popMessage", R"({"qname":"missing"})",
         [](Rsmq& r) { return failure([&](auto done) { r.pop_message("missing", done); }); }},
        {"popMessage", R"({"qname":"a:b"})",
         [](Rsmq& r) { return failure([&](auto done) { r.pop_message("a:b", done); }); }},
        {"deleteMessage", R"({"qname":"q","id":"short"})",
         [](Rsmq& r) { return failure([&](auto done) { r.delete_message("q", "short", done); }); }},
        {"deleteMessage", R"({"qname":"q"})",
         [](Rsmq& r) { return failure([&](auto done) { r.delete_message("q", "", done); }); }},
        {"changeMessageVisibility", "{\"qname\":\"q\",\"id\":" + json_string(id) + ",\"vt\":10000000}",
         [&](Rsmq& r) { return failure([&](auto done) { r.change_message_visibility("q", id, 10000000, done); }); }},
        {"changeMessageVisibility", "{\"qname\":\"missing\",\"id\":" + json_string(id) + ",\"vt\":1}",
         [&](Rsmq& r) { return failure([&](auto done) { r.change_message_visibility("missing", id, 1, done); }); }},
        {"setQueueAttributes", R"({"qname":"q"})",
         [](Rsmq& r) { return failure([&](auto done) { r.set_queue_attributes("q", {}, done); }); }},
        {"setQueueAttributes", R"({"qname":"q","maxsize":5})",
         [](Rsmq& r) {
             return failure([&](auto done) { r.set_queue_attributes("q", {std::nullopt, std::nullopt, 5}, done); });
         }},
        {"setQueueAttributes", R"({"qname":"missing","vt":5})",
         [](Rsmq& r) {
             return failure(
                 [&](auto done) { r.set_queue_attributes("missing", {5, std::nullopt, std::nullopt}, done); });
         }},
        {"getQueueAttributes", R"({"qname":"missing"})",
         [](Rsmq& r) { return failure([&](auto done) { r.get_queue_attributes("missing", done); }); }},
        {"deleteQueue", R"({"qname":"missing"})",
         [](Rsmq& r) { return failure([&](auto done) { r.delete_queue("missing", done); }); }},
    };
    for (const auto& c : cases) {
        INFO(c.op << " " << c.args);
        auto theirs = both.ask(c.op, c.args);
        REQUIRE(theirs.is("error"));
        auto ours = c.ours(both.rsmq);
        REQUIRE(ours);
        CHECK(ours.code == code_of(theirs.str("name")));
        CHECK(ours.message == theirs.str("message"));
    }
}

TEST_CASE("rsmq interop: realtime notifications both ways, and a waiting receive woken by them", "[rsmq]") {
    ipcxx::RsmqOptions options;
    options.realtime = true;
    Both both(options, "realtime");
    run(both.rsmq.create_queue({"q"}));
    REQUIRE(both.ask("subscribe", R"({"qname":"q"})").is("ok"));
    run(both.rsmq.send_message("q", "one"));
    auto note = both.node.wait_line(test::ev_is("notification"), 10s);
    REQUIRE(note);
    CHECK(note->num("count") == 1);
    CHECK(note->str("channel") == "rsmq:rt:q");
    run(both.rsmq.delete_message("q", run(both.rsmq.receive_message("q"))->id));

    // A long idle_check: only node's notification can wake this receive in time.
    auto received = std::make_shared<std::promise<std::optional<RsmqMessage>>>();
    auto result = received->get_future();
    ipcxx::RsmqWaitOptions wait;
    wait.timeout = 60s;
    wait.idle_check = 60s;
    both.rsmq.receive_message_wait("q", wait, [received](const RsmqError& error, std::optional<RsmqMessage> m) {
        if (error) m.reset();
        received->set_value(std::move(m));
    });
    // Sent until the waiting receive has subscribed and is woken (each send publishes).
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (result.wait_for(200ms) != std::future_status::ready && std::chrono::steady_clock::now() < deadline) {
        both.ask("sendMessage", R"({"qname":"q","message":"wake"})");
    }
    REQUIRE(result.wait_for(0s) == std::future_status::ready);
    auto message = result.get();
    REQUIRE(message);
    CHECK(message->message == "wake");
}

TEST_CASE("rsmq extension: a message received too often goes to the dead-letter queue", "[rsmq]") {
    Both both;
    run(both.rsmq.create_queue({"jobs", 0}));
    run(both.rsmq.create_queue({"dead"}));
    const std::string id = both.ask("sendMessage", R"({"qname":"jobs","message":"poison"})").str("value");
    ipcxx::RsmqWaitOptions wait;
    wait.timeout = 0s;
    wait.max_receive_count = 2;
    wait.dead_letter_queue = "dead";
    for (long long rc = 1; rc <= 2; ++rc) {
        auto got = run(both.rsmq.receive_message_wait("jobs", wait));
        REQUIRE(got);
        CHECK(got->rc == rc);
    }
    std::optional<RsmqMessage> moved;
    RsmqError error;
    auto done = std::make_shared<std::promise<void>>();
    both.rsmq.receive_message_wait("jobs", wait, [&, done](const RsmqError& e, std::optional<RsmqMessage> m) {
        error = e;
        moved = std::move(m);
        done->set_value();
    });
    REQUIRE(done->get_future().wait_for(10s) == std::future_status::ready);
    CHECK(error.code == errc::dead_lettered);
    CHECK(error.message.find("dead") != std::string::npos);
    REQUIRE(moved);
    CHECK(moved->id == id);
    CHECK(moved->rc == 2);
    CHECK(run(both.rsmq.get_queue_attributes("jobs")).msgs == 0);
    // The dead-letter queue is an rsmq queue: node receives the message there, counted afresh.
    auto dead = both.ask("receiveMessage", R"({"qname":"dead"})");
    CHECK(dead.str("id") == id);
    CHECK(dead.str("message") == "poison");
    CHECK(dead.num("rc") == 1);

    wait.dead_letter_queue = "nowhere";
    run(both.rsmq.send_message("jobs", "again"));
    for (int i = 0; i < 2; ++i) REQUIRE(run(both.rsmq.receive_message_wait("jobs", wait)));
    auto missing = failure([&](auto done) { both.rsmq.receive_message_wait("jobs", wait, done); });
    REQUIRE(missing);
    CHECK(missing.code == errc::rsmq_queue_not_found);
    CHECK(run(both.rsmq.get_queue_attributes("jobs")).msgs == 1);  // left where it was
}

// Node receives and deletes the messages "b0", "b1", ... of queue q, oldest first: `ids`, in order.
void node_receives_in_order(Both& both, const std::vector<std::string>& ids) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto got = both.ask("receiveMessage", R"({"qname":"q"})");
        CHECK(got.str("id") == ids[i]);
        CHECK(got.str("message") == "b" + std::to_string(i));
        CHECK(got.num("rc") == 1);
        CHECK(got.str("sentText") == js_text(ipcxx::detail::rsmq::sent_from_id(ids[i])));
        CHECK(both.ask("deleteMessage", "{\"qname\":\"q\",\"id\":" + json_string(ids[i]) + "}").num("value") == 1);
    }
}

TEST_CASE("rsmq interop: messages sent in a batch are read by rsmq, and rsmq's by a batch", "[rsmq]") {
    ipcxx::RsmqOptions options;
    options.realtime = true;
    Both both(options, "realtime");
    run(both.rsmq.create_queue({"q"}));
    REQUIRE(both.ask("subscribe", R"({"qname":"q"})").is("ok"));
    constexpr std::size_t n = 8;
    test::Outcomes<std::string> sent(n);
    test::together(both.rsmq, [&] {
        for (std::size_t i = 0; i < n; ++i) both.rsmq.send_message("q", "b" + std::to_string(i), std::nullopt, sent.slot(i));
    });
    std::vector<std::string> ids;
    for (auto& [error, id] : sent.wait()) {
        REQUIRE_FALSE(error);
        ids.push_back(id);
    }
    // One notification per call, the last with every message counted.
    auto note = both.node.wait_line([](const PeerLine& l) { return l.is("notification") && l.num("count") == static_cast<std::int64_t>(n); }, 10s);
    CHECK(note);
    node_receives_in_order(both, ids);

    std::vector<std::string> node_ids;
    for (std::size_t i = 0; i < n; ++i) {
        node_ids.push_back(both.ask("sendMessage", "{\"qname\":\"q\",\"message\":\"n" + std::to_string(i) + "\"}").str("value"));
    }
    test::Outcomes<std::optional<RsmqMessage>> received(n);
    test::together(both.rsmq, [&] {
        for (std::size_t i = 0; i < n; ++i) both.rsmq.receive_message("q", 20, received.slot(i));
    });
    std::vector<std::string> got;
    for (auto& [error, message] : received.wait()) {
        REQUIRE_FALSE(error);
        REQUIRE(message);
        got.push_back(message->id);
    }
    CHECK(got == node_ids);
    // Hidden for 20 s, as rsmq's receive would: node sees none of them.
    CHECK(both.ask("receiveMessage", R"({"qname":"q"})").str("id").empty());
    test::Outcomes<bool> deleted(n);
    test::together(both.rsmq, [&] {
        for (std::size_t i = 0; i < n; ++i) both.rsmq.delete_message("q", got[i], deleted.slot(i));
    });
    for (auto& [error, found] : deleted.wait()) CHECK((!error && found));
    auto attributes = both.ask("getQueueAttributes", R"({"qname":"q"})");
    CHECK(attributes.num("msgs") == 0);
    CHECK(attributes.num("totalsent") == 2 * static_cast<long long>(n));
    CHECK(attributes.num("totalrecv") == 2 * static_cast<long long>(n));
}

TEST_CASE("rsmq interop: messages a busy lane sends by a transaction are read by rsmq", "[rsmq]") {
    Both both;
    run(both.rsmq.create_queue({"q"}));
    ipcxx::RedisClient stats(test::redis_options(both.server.unix_url()));
    test::reset_stats(stats);
    constexpr std::size_t n = 4;
    test::Outcomes<std::string> sent(2 * n);
    test::together(both.rsmq, [&] {
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t later = n + i;
            both.rsmq.send_message("q", "b" + std::to_string(i), std::nullopt,
                                   [&both, &sent, later, first = sent.slot(i)](const ipcxx::RsmqError& error,
                                                                               std::string id) {
                                       // Its lane is busy until these callbacks end: the next call.
                                       both.rsmq.send_message("q", "b" + std::to_string(later), std::nullopt,
                                                              sent.slot(later));
                                       first(error, std::move(id));
                                   });
        }
    });
    std::vector<std::string> ids;
    for (auto& [error, id] : sent.wait()) {
        REQUIRE_FALSE(error);
        ids.push_back(id);
    }
    // The first batch by the script (EVALSHA, then EVAL on this fresh server), the later ones by transactions.
    CHECK(test::command_calls(stats, "evalsha") == 1);
    CHECK(test::command_calls(stats, "exec") >= 1);
    node_receives_in_order(both, ids);
    auto attributes = both.ask("getQueueAttributes", R"({"qname":"q"})");
    CHECK(attributes.num("msgs") == 0);
    CHECK(attributes.num("totalsent") == 2 * static_cast<long long>(n));
}

}  // namespace test_rsmq_interop
