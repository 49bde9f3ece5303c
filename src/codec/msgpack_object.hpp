// msgpack bytes to a msgpack::object in a zone, without the allocations msgpack::unpack makes on
// every call (its parse stacks): the hot path of reading a received payload.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include <msgpack.hpp>

namespace ipcxx::detail {

// Room for the containers of a small value ([seq, text] needs 3 objects), so that it needs no
// zone: a zone's allocation and clearing cost more than the rest of the unpacking.
struct ObjectArena {
    static constexpr std::size_t capacity = 8 * sizeof(msgpack::object_kv);
    alignas(msgpack::object_kv) unsigned char bytes[capacity];
    std::size_t used = 0;
};

// Builds `out` from exactly one msgpack value, its containers placed in `arena` (emptied first: it
// holds one value) while it has room, then in `zone`, made on first need. Strings, binaries and
// exts point into `bytes`, which must outlive `out`. Returns false (and builds nothing usable) for
// input that is not exactly one value, or that nests deeper than `max_depth`; the caller then uses
// msgpack::unpack.
bool unpack_in_arena(std::string_view bytes, ObjectArena& arena, std::unique_ptr<msgpack::zone>& zone,
                     msgpack::object& out, std::size_t max_depth = 64);

}  // namespace ipcxx::detail
