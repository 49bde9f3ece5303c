// unpack_in_arena builds the same msgpack::object as msgpack::unpack, for every type and width.
#include <catch2/catch.hpp>

#include <limits>
#include <map>
#include <memory>
#include <tuple>
#include <string>
#include <vector>

#include "codec/msgpack_object.hpp"
#include "support/msgpack_equal.hpp"

namespace {

template <class T>
std::string packed(const T& value) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, value);
    return {buffer.data(), buffer.size()};
}

// Unpacks with a fresh arena and no zone yet, as a connection's first message does.
bool unpack_fresh(std::string_view bytes, msgpack::object& out, std::size_t max_depth = 64) {
    static ipcxx::detail::ObjectArena arena;
    static std::unique_ptr<msgpack::zone> zone;
    zone.reset();
    return ipcxx::detail::unpack_in_arena(bytes, arena, zone, out, max_depth);
}

void check_same(const std::string& bytes) {
    INFO("bytes: " << bytes.size());
    msgpack::object ours;
    REQUIRE(unpack_fresh(bytes, ours));
    const auto theirs = msgpack::unpack(bytes.data(), bytes.size());
    CHECK(test::same_value(ours, theirs.get(), false));  // not operator==: see msgpack_equal.hpp
    CHECK(ours.type == theirs.get().type);

    // The same value again into an arena left full by the last value (it is emptied first) and a
    // zone that may exist already, as a pooled payload's do for every message.
    static ipcxx::detail::ObjectArena arena;
    static std::unique_ptr<msgpack::zone> reused;
    msgpack::object again;
    REQUIRE(ipcxx::detail::unpack_in_arena(bytes, arena, reused, again));
    CHECK(test::same_value(again, theirs.get(), false));
}

}  // namespace

TEST_CASE("unpack_in_arena: scalars of every width", "[msgpack]") {
    check_same(packed(msgpack::type::nil_t()));
    check_same(packed(true));
    check_same(packed(false));
    for (std::uint64_t v : std::initializer_list<std::uint64_t>{0ull, 1ull, 127ull, 128ull, 255ull, 256ull, 65535ull, 65536ull, 4294967295ull,
                            4294967296ull, std::numeric_limits<std::uint64_t>::max()}) {
        check_same(packed(v));
    }
    for (std::int64_t v : std::initializer_list<std::int64_t>{-1ll, -32ll, -33ll, -128ll, -129ll, -32768ll, -32769ll, -2147483648ll, -2147483649ll,
                           std::numeric_limits<std::int64_t>::min()}) {
        check_same(packed(v));
    }
    check_same(packed(1.5f));
    check_same(packed(-2.25));
    check_same(packed(std::string()));
    check_same(packed(std::string(31, 'a')));
    check_same(packed(std::string(32, 'b')));
    check_same(packed(std::string(300, 'c')));
    check_same(packed(std::string(70000, 'd')));
    check_same(packed(std::vector<char>{1, 2, 3}));
    check_same(packed(std::vector<char>(70000, 'x')));
    check_same(packed(msgpack::type::ext(5, "abcd", 4)));
    check_same(packed(msgpack::type::ext(7, "a", 1)));
    check_same(packed(msgpack::type::ext(9, "abcdefghijklmnopq", 17)));
}

TEST_CASE("unpack_in_arena: containers, empty and nested, small and large", "[msgpack]") {
    check_same(packed(std::vector<int>{}));
    check_same(packed(std::vector<int>(15, 1)));
    check_same(packed(std::vector<int>(16, 2)));
    check_same(packed(std::vector<int>(70000, 3)));
    check_same(packed(std::map<std::string, int>{}));
    check_same(packed(std::map<std::string, std::vector<std::string>>{{"a", {"x", "y"}}, {"b", {}}}));
    std::map<int, int> big;
    for (int i = 0; i < 20; ++i) big[i] = -i;
    check_same(packed(big));
}

TEST_CASE("unpack_in_arena refuses what is not exactly one value, or nests too deep", "[msgpack]") {
    msgpack::object out;
    CHECK_FALSE(unpack_fresh("", out));
    CHECK_FALSE(unpack_fresh("\xc1", out));
    CHECK_FALSE(unpack_fresh(std::string("\x92\x01", 2), out));  // truncated array
    CHECK_FALSE(unpack_fresh("\xa5hey", out));                    // truncated string
    CHECK_FALSE(unpack_fresh(std::string("\x01\x02", 2), out));  // two values
    CHECK_FALSE(unpack_fresh(std::string("\xdd\xff\xff\xff\xff", 5), out));  // huge count
    std::string deep(100, '\x91');
    deep += '\x01';
    CHECK_FALSE(unpack_fresh(deep, out, 64));
    CHECK(unpack_fresh(deep, out, 128));
}

TEST_CASE("unpack_in_arena: small values need no zone, larger ones spill into one made on demand", "[msgpack]") {
    ipcxx::detail::ObjectArena arena;
    std::unique_ptr<msgpack::zone> zone;
    msgpack::object out;
    const std::string message = packed(std::make_tuple(7, std::string(64, 'm')));
    REQUIRE(ipcxx::detail::unpack_in_arena(message, arena, zone, out));
    CHECK(arena.used == 2 * sizeof(msgpack::object));
    CHECK_FALSE(zone);
    CHECK(out.via.array.ptr[0].as<int>() == 7);

    const std::string large = packed(std::vector<int>(1000, 4));
    REQUIRE(ipcxx::detail::unpack_in_arena(large, arena, zone, out));
    REQUIRE(zone);
    CHECK(out.as<std::vector<int>>() == std::vector<int>(1000, 4));

    REQUIRE(ipcxx::detail::unpack_in_arena(message, arena, zone, out));
    CHECK(arena.used == 2 * sizeof(msgpack::object));  // emptied for the new value
    CHECK(out.via.array.ptr[1].as<std::string>() == std::string(64, 'm'));
}

TEST_CASE("unpack_in_arena: flat arrays of integers of every width and strings, whole and cut short", "[msgpack]") {
    const std::uint64_t widths[] = {0, 127, 128, 255, 256, 65535, 65536, 4294967295ull, 4294967296ull,
                                    std::numeric_limits<std::uint64_t>::max()};
    for (std::uint64_t seq : widths) {
        for (const std::string& text : {std::string(), std::string(31, 's'), std::string(32, 't'), std::string(255, 'u')}) {
            INFO("seq " << seq << ", text of " << text.size());
            const std::string bytes = packed(std::make_tuple(seq, text, seq));
            check_same(bytes);
            msgpack::object out;
            for (std::size_t n = 0; n < bytes.size(); ++n) CHECK_FALSE(unpack_fresh(bytes.substr(0, n), out));
            CHECK_FALSE(unpack_fresh(bytes + '\x01', out));
        }
    }
}
