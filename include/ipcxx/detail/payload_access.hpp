// Forward declarations Payload's inline members need; defined in the library.
#pragma once

#include <msgpack.hpp>

#include "ipcxx/export.hpp"

namespace ipcxx::detail {

struct PayloadData;
struct PayloadAccess;
// Throws ipcxx::Error(conversion_failed) naming the value's type and what msgpack-c said.
[[noreturn]] IPCXX_API void throw_conversion_failed(const msgpack::object& object, const char* what);

}  // namespace ipcxx::detail
