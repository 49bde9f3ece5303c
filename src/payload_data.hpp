// Internal view of Payload's storage, and the pool that lets a connection reuse it.
#pragma once

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "codec/byte_buffer.hpp"
#include "codec/msgpack_object.hpp"
#include "ipcxx/payload.hpp"

namespace ipcxx::detail {

struct PayloadData {
    PayloadData() = default;
    explicit PayloadData(std::string_view b) : bytes(b) {}

    // Unpacks on first use, once, whichever thread asks first; later calls only read.
    const msgpack::object& object() const;
    // For the pool: new bytes, nothing unpacked. Only while nobody else holds this object.
    void reset(std::string_view b);
    // The same, taking `msgpack_bytes` from `buffer` without a copy (PayloadPool::adopt).
    void reset(ByteBuffer& buffer, std::string_view msgpack_bytes);
    // Unpacks now, before anyone else holds this object; false when `bytes` is not exactly one
    // msgpack value.
    bool unpack_checked();
    // The same for a value unpack_in_arena did not build (nested deeper than it goes, or invalid).
    bool unpack_checked_deep();

    ByteBuffer bytes;  // refilled for every message a pooled payload carries
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
// The spare is kept from a link's second message on (since it began or was last released): a link
// that carried one message and went quiet keeps nothing, and its payload is freed right after its
// handlers, before other connections' objects are placed behind it (docs/memory.md).
// Messages over max_pooled bytes get payloads of their own, freed with the last copy, so that an
// idle connection never keeps the memory of the largest message it ever carried.
class PayloadPool {
public:
    static constexpr std::size_t max_pooled = 4 * 1024 * 1024;

    // A payload of `msgpack_bytes`, already unpacked; empty when they are not exactly one msgpack
    // value (received input not yet checked).
    Payload make(std::string_view msgpack_bytes);
    // The same without a copy: `msgpack_bytes` lies in `buffer`, which the payload takes over;
    // `buffer` gets memory the pool no longer needs (for the next large frame).
    Payload adopt(ByteBuffer& buffer, std::string_view msgpack_bytes);

    std::size_t retained_bytes() const noexcept { return spare_ ? spare_->bytes.capacity() : 0; }
    // Lets the spare go (a link quiet for a while); the second message from now makes one again.
    void release() noexcept {
        spare_.reset();
        warm_ = false;
    }

private:
    bool spare_is_free() const;
    // A new payload for this message, kept as the spare only if a message came before it.
    std::shared_ptr<PayloadData> fresh();
    std::shared_ptr<PayloadData> spare_;
    bool warm_ = false;  // a message came since the start or the last release()
};

}  // namespace ipcxx::detail
