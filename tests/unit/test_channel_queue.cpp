// The channel's socket-free parts: the send queue (bound, backpressure flag, drain, Node's
// descriptor ACK/NACK rule) and the classification of received messages.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "channel/message_kind.hpp"
#include "channel/send_queue.hpp"
#include "codec/json_wire.hpp"
#include "ipcxx/error.hpp"

namespace channel_queue_test {

using ipcxx::errc;
using ipcxx::detail::MessageKind;
using ipcxx::detail::SendQueue;

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

// Writes everything next() offers, in one piece each; returns how many entries were finished.
int write_all(SendQueue& queue) {
    int finished = 0;
    for (int i = 0; i < 100; ++i) {
        SendQueue::Entry* entry = queue.next();
        if (!entry) break;
        finished += queue.wrote(entry->bytes.size() - entry->written).finished;
    }
    return finished;
}

TEST_CASE("send queue: the bound, the backpressure flag and drain", "[channel_queue]") {
    SendQueue queue(100, 30);
    auto first = queue.push(std::string(20, 'a'));
    CHECK_FALSE(first.error);
    CHECK(first.keep_sending);
    auto second = queue.push(std::string(20, 'b'));
    CHECK_FALSE(second.error);
    CHECK_FALSE(second.keep_sending);  // 40 bytes queued, above 30
    CHECK(queue.push(std::string(61, 'c')).error == errc::queue_full);
    CHECK(queue.pending_bytes() == 40);

    SendQueue::Entry* entry = queue.next();
    REQUIRE(entry);
    CHECK(entry->bytes == std::string(20, 'a'));
    auto progress = queue.wrote(5);  // a partial write keeps the entry first
    CHECK_FALSE(progress.finished);
    CHECK(queue.next() == entry);
    CHECK(queue.next()->written == 5);
    CHECK(queue.wrote(15).finished);
    CHECK(queue.pending_bytes() == 20);
    progress = queue.wrote(20);
    CHECK(progress.finished);
    CHECK(progress.drained);
    CHECK(queue.idle());
    CHECK(queue.next() == nullptr);
}

TEST_CASE("send queue: nothing is written after a descriptor until the peer answers", "[channel_queue]") {
    SendQueue queue(0, 1000);
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    REQUIRE_FALSE(queue.push("handle\n", fds[0]).error);
    REQUIRE_FALSE(queue.push("after\n").error);
    SendQueue::Entry* entry = queue.next();
    REQUIRE(entry);
    CHECK(entry->fd == fds[0]);
    CHECK(queue.wrote(7).finished);
    CHECK(queue.awaiting_answer());
    CHECK(queue.next() == nullptr);  // "after" waits for the ACK
    CHECK_FALSE(queue.idle());

    // A NACK sends the descriptor again, at most max_retransmissions times.
    for (unsigned i = 0; i < SendQueue::max_retransmissions; ++i) {
        REQUIRE(queue.refused());
        entry = queue.next();
        REQUIRE(entry);
        CHECK(entry->bytes == "handle\n");
        CHECK(queue.wrote(7).finished);
    }
    CHECK(is_open(fds[0]));
    CHECK_FALSE(queue.refused());  // given up: dropped, its descriptor closed
    CHECK_FALSE(is_open(fds[0]));
    REQUIRE(queue.next());
    CHECK(queue.next()->bytes == "after\n");

    // An ACK closes the descriptor and lets the rest go.
    SendQueue other(0, 1000);
    int more[2];
    REQUIRE(::pipe2(more, O_CLOEXEC) == 0);
    REQUIRE_FALSE(other.push("h\n", more[0]).error);
    REQUIRE_FALSE(other.push("x\n").error);
    CHECK(write_all(other) == 1);
    other.acknowledged();
    CHECK_FALSE(is_open(more[0]));
    CHECK(write_all(other) == 1);
    CHECK(other.idle());
    ::close(fds[1]);
    ::close(more[1]);
}

TEST_CASE("send queue: end_input refuses, close counts what was not delivered", "[channel_queue]") {
    SendQueue queue(0, 1000);
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    REQUIRE_FALSE(queue.push("a\n", fds[0]).error);
    REQUIRE_FALSE(queue.push("b\n").error);
    REQUIRE_FALSE(queue.push("c\n").error);
    CHECK(write_all(queue) == 1);  // the descriptor's message, now awaiting its answer
    queue.end_input();
    CHECK(queue.push("d\n").error == errc::not_connected);
    CHECK(queue.close() == 3);  // b, c and the unanswered descriptor
    CHECK_FALSE(is_open(fds[0]));
    CHECK(queue.pending_bytes() == 0);
    ::close(fds[1]);
}

msgpack::object_handle unpack(const std::string& json) {
    std::string packed;
    REQUIRE_FALSE(ipcxx::detail::json_to_msgpack(json, packed));
    return msgpack::unpack(packed.data(), packed.size());
}

TEST_CASE("messages: Node's internal rule and ipcxx's envelope", "[channel_queue]") {
    using ipcxx::detail::classify_message;
    CHECK(classify_message(unpack("{\"cmd\":\"NODE_FOO\"}").get()) == MessageKind::internal);
    CHECK(classify_message(unpack("{\"cmd\":\"NODE_\"}").get()) == MessageKind::user);  // not longer than 5
    CHECK(classify_message(unpack("{\"cmd\":\"node_foo\"}").get()) == MessageKind::user);
    CHECK(classify_message(unpack("{\"cmd\":1}").get()) == MessageKind::user);
    CHECK(classify_message(unpack("[\"NODE_FOO\"]").get()) == MessageKind::user);
    CHECK(classify_message(unpack("\"NODE_FOO\"").get()) == MessageKind::user);
    CHECK(classify_message(unpack("{\"cmd\":\"NODE_HANDLE\",\"msg\":1}").get()) == MessageKind::handle);
    CHECK(classify_message(unpack("{\"cmd\":\"NODE_HANDLE_ACK\"}").get()) == MessageKind::handle_ack);
    CHECK(classify_message(unpack("{\"cmd\":\"NODE_HANDLE_NACK\"}").get()) == MessageKind::handle_nack);

    std::string_view type;
    const msgpack::object* data = nullptr;
    auto event = unpack("{\"data\":[1],\"type\":\"ping\"}");
    REQUIRE(ipcxx::detail::event_envelope(event.get(), type, data));
    CHECK(type == "ping");
    REQUIRE(data);
    CHECK(ipcxx::detail::pack_object(*data) == "\x91\x01");
    auto no_data = unpack("{\"type\":\"t\"}");
    REQUIRE(ipcxx::detail::event_envelope(no_data.get(), type, data));
    CHECK(data == nullptr);
    CHECK_FALSE(ipcxx::detail::event_envelope(unpack("{\"type\":\"\"}").get(), type, data));
    CHECK_FALSE(ipcxx::detail::event_envelope(unpack("{\"type\":1}").get(), type, data));
    CHECK_FALSE(ipcxx::detail::event_envelope(unpack("[1]").get(), type, data));

    std::string json;
    REQUIRE_FALSE(ipcxx::detail::append_json_value(ipcxx::detail::handle_message("\x81\xa1k\x01"), json));
    CHECK(json == "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Native\",\"msg\":{\"k\":1}}");
    json.clear();
    REQUIRE_FALSE(ipcxx::detail::append_json_value(ipcxx::detail::envelope_message("ev", "\x92\x01\xc0"), json));
    CHECK(json == "{\"type\":\"ev\",\"data\":[1,null]}");
}

}  // namespace channel_queue_test
