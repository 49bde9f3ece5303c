// Internal view of Payload's storage, and the pool that lets a connection reuse it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "codec/msgpack_object.hpp"
#include "ipcxx/payload.hpp"

namespace ipcxx::detail {

// The bytes of a payload: refilled for every message a pooled payload carries, so assigning is a
// plain copy into the capacity already there (std::string's assign takes a slower, general path).
class PayloadBytes {
public:
    PayloadBytes() = default;
    explicit PayloadBytes(std::string_view b) { assign(b); }

    void assign(std::string_view b) {
        if (b.size() > capacity_) {
            capacity_ = std::max(b.size(), 2 * capacity_);
            data_ = std::make_unique<char[]>(capacity_);
        }
        if (!b.empty()) std::memcpy(data_.get(), b.data(), b.size());
        size_ = b.size();
    }
    const char* data() const noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    operator std::string_view() const noexcept { return {data_.get(), size_}; }

private:
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

struct PayloadData {
    PayloadData() = default;
    explicit PayloadData(std::string_view b) : bytes(b) {}

    // Unpacks on first use, once, whichever thread asks first; later calls only read.
    const msgpack::object& object() const;
    // For the pool: new bytes, nothing unpacked. Only while nobody else holds this object.
    void reset(std::string_view b);
    // Unpacks now, before anyone else holds this object; false when `bytes` is not exactly one
    // msgpack value.
    bool unpack_checked();

    PayloadBytes bytes;
    mutable std::atomic<int> state{0};  // 0 packed, 1 unpacking, 2 unpacked
    mutable ObjectArena arena;                    // the containers of a small value
    mutable std::unique_ptr<msgpack::zone> zone;  // those of a larger one; made on first need
    mutable msgpack::object value;
};

struct PayloadAccess {
    // For bytes the library produced itself (already one well-formed msgpack value).
    static Payload trusted(std::string_view msgpack_bytes) {
        return Payload(std::make_shared<const PayloadData>(msgpack_bytes));
    }
    static Payload of(std::shared_ptr<const PayloadData> data) { return Payload(std::move(data)); }
};

// A msgpack bin holding `bytes` (raw_buffer's `data` events).
Payload bytes_payload(std::string_view bytes);

// Payloads for one connection's received messages. A payload no handler kept is reused for the
// next message, so the steady state allocates nothing. Used on the connection's strand only.
class PayloadPool {
public:
    // A payload of `msgpack_bytes`, already unpacked; empty when they are not exactly one msgpack
    // value (received input not yet checked).
    Payload make(std::string_view msgpack_bytes);

private:
    std::shared_ptr<PayloadData> spare_;
};

}  // namespace ipcxx::detail
