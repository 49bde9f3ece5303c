// Internal view of Payload's storage.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "ipcxx/payload.hpp"

namespace ipcxx::detail {

struct PayloadData {
    explicit PayloadData(std::string_view b) : bytes(b) {}
    std::string bytes;
    mutable std::once_flag unpacked;
    mutable msgpack::object_handle handle;
};

struct PayloadAccess {
    // For bytes the library produced itself (already one well-formed msgpack value).
    static Payload trusted(std::string_view msgpack_bytes) {
        return Payload(std::make_shared<const PayloadData>(msgpack_bytes));
    }
};

}  // namespace ipcxx::detail
