// msgpack bytes to a msgpack::object in a zone, without the allocations msgpack::unpack makes on
// every call (its parse stacks): the hot path of reading a received payload.
#pragma once

#include <cstddef>
#include <string_view>

#include <msgpack.hpp>

namespace ipcxx::detail {

// Builds `out` from exactly one msgpack value. Strings, binaries and exts point into `bytes`,
// which must outlive `out`. Returns false (and builds nothing usable) for input that is not
// exactly one value, or that nests deeper than `max_depth`; the caller then uses msgpack::unpack.
bool unpack_in_zone(std::string_view bytes, msgpack::zone& zone, msgpack::object& out, std::size_t max_depth = 64);

}  // namespace ipcxx::detail
