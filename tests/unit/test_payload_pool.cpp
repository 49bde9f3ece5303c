// A connection's received payloads: reused when no handler kept them, large ones taken over
// from the reader's memory without a copy.
#include <catch2/catch.hpp>

#include <string>

#include "payload_data.hpp"

using ipcxx::detail::ByteBuffer;
using ipcxx::detail::PayloadPool;

namespace {

std::string packed(const std::string& text) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, text);
    return {buffer.data(), buffer.size()};
}

// A frame-like buffer: a few bytes of header, then the msgpack value.
std::string_view fill(ByteBuffer& buffer, const std::string& value) {
    char* memory = buffer.reset_for(value.size() + 3);
    memory[0] = memory[1] = memory[2] = 'h';
    value.copy(memory + 3, value.size());
    return {memory + 3, value.size()};
}

}  // namespace

TEST_CASE("payload pool: a payload nobody kept is reused, a kept one is left alone", "[payload]") {
    PayloadPool pool;
    CHECK(pool.make(packed("warm-up")).as<std::string>() == "warm-up");  // the first is not kept
    const char* first_bytes = nullptr;
    {
        const auto payload = pool.make(packed("one"));
        first_bytes = payload.msgpack().data();
    }
    CHECK(pool.make(packed("two")).msgpack().data() == first_bytes);
    const auto kept = pool.make(packed("three"));
    const auto next = pool.make(packed("four"));
    CHECK(kept.as<std::string>() == "three");
    CHECK(next.as<std::string>() == "four");
    CHECK(pool.make(std::string("\xc1", 1)).empty());  // not msgpack
}

TEST_CASE("payload pool: a spare is kept from the second message on, and again after a release", "[payload]") {
    PayloadPool pool;
    for (int round = 0; round < 2; ++round) {
        CHECK(pool.make(packed("first")).as<std::string>() == "first");
        CHECK(pool.retained_bytes() == 0);  // a link that carried one message keeps nothing
        CHECK(pool.make(packed("second")).as<std::string>() == "second");
        CHECK(pool.retained_bytes() > 0);
        pool.release();
        CHECK(pool.retained_bytes() == 0);
    }
    ByteBuffer reader;
    CHECK(pool.adopt(reader, fill(reader, packed("adopted"))).as<std::string>() == "adopted");
    CHECK(pool.retained_bytes() == 0);
    CHECK(pool.adopt(reader, fill(reader, packed("again"))).as<std::string>() == "again");
    CHECK(pool.retained_bytes() > 0);
}

TEST_CASE("payload pool: adopt takes the frame's memory and hands back memory for the next", "[payload]") {
    PayloadPool pool;
    ByteBuffer reader;
    const std::string big = packed(std::string(100000, 'x'));
    std::string_view value = fill(reader, big);
    const char* frame_memory = reader.memory();
    const char* reused_memory = nullptr;
    {
        const auto payload = pool.adopt(reader, value);
        CHECK(payload.msgpack().data() == value.data());  // no copy
        CHECK(payload.as<std::string>() == std::string(100000, 'x'));
        CHECK(reader.memory() != frame_memory);
        value = fill(reader, packed("next"));
        reused_memory = reader.memory();
        const auto second = pool.adopt(reader, value);  // `payload` is still held: a new one
        CHECK(second.as<std::string>() == "next");
        CHECK(payload.as<std::string>() == std::string(100000, 'x'));
    }
    // Nobody holds the payloads now: the pool's memory goes back to the reader in the swap.
    value = fill(reader, big);
    const char* third_memory = reader.memory();
    const auto third = pool.adopt(reader, value);
    CHECK(third.msgpack().data() == third_memory + 3);
    CHECK(reader.memory() == reused_memory);
    CHECK(pool.adopt(reader, fill(reader, std::string("\xc1", 1))).empty());
}

TEST_CASE("payload pool: a message over max_pooled gets a payload of its own, freed with it", "[payload]") {
    PayloadPool pool;
    const std::string huge = packed(std::string(PayloadPool::max_pooled + 1, 'h'));
    ByteBuffer reader;
    {
        const auto copied = pool.make(huge);
        const auto adopted = pool.adopt(reader, fill(reader, huge));
        CHECK(copied.as<std::string>().size() == PayloadPool::max_pooled + 1);
        CHECK(adopted.msgpack() == huge);
        CHECK(reader.capacity() <= PayloadPool::max_pooled);  // what the reader got back is small
    }
    CHECK(pool.retained_bytes() <= PayloadPool::max_pooled);
    CHECK(pool.make(packed("small")).as<std::string>() == "small");
    CHECK(pool.retained_bytes() <= PayloadPool::max_pooled);
}
