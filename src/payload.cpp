#include "ipcxx/payload.hpp"

#include "codec/json_wire.hpp"
#include "codec/msgpack_object.hpp"
#include "codec/msgpack_raw.hpp"
#include "payload_data.hpp"

#include <thread>

namespace ipcxx {

namespace detail {

[[noreturn]] void throw_conversion_failed(const msgpack::object& object, const char* what) {
    static const char* const type_names[] = {"nil",   "boolean", "positive integer", "negative integer",
                                             "float32", "float64", "string", "binary", "array", "map", "ext"};
    const auto index = static_cast<std::size_t>(object.type);
    const char* type = index < sizeof(type_names) / sizeof(type_names[0]) ? type_names[index] : "unknown";
    throw Error(make_error_code(errc::conversion_failed),
                std::string("payload is a ") + type + " and does not convert to the requested type (" + what + ")");
}

namespace {

// msgpack-c's own parser, for values nested deeper than unpack_in_arena goes. Strings and binaries
// point into `bytes`, which lives as long as the value.
void unpack_deep(std::string_view bytes, std::unique_ptr<msgpack::zone>& zone, msgpack::object& value) {
    if (zone) zone->clear();
    else zone = std::make_unique<msgpack::zone>();
    std::size_t offset = 0;
    value = msgpack::unpack(*zone, bytes.data(), bytes.size(), offset,
                            [](msgpack::type::object_type, std::size_t, void*) { return true; });
}

}  // namespace

const msgpack::object& PayloadData::object() const {
    if (state.load(std::memory_order_acquire) == 2) return value;
    int expected = 0;
    if (state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) {
        if (!unpack_in_arena(bytes, arena, zone, value)) unpack_deep(bytes, zone, value);
        state.store(2, std::memory_order_release);
    } else {
        while (state.load(std::memory_order_acquire) != 2) std::this_thread::yield();
    }
    return value;
}

bool PayloadData::unpack_checked() {
    if (!unpack_in_arena(bytes, arena, zone, value)) return unpack_checked_deep();
    state.store(2, std::memory_order_relaxed);
    return true;
}

bool PayloadData::unpack_checked_deep() {
    std::string_view whole;
    MsgpackCursor cursor(bytes);
    if (cursor.skip_value(whole) != MsgpackCursor::Status::ok || !cursor.at_end()) return false;
    unpack_deep(bytes, zone, value);
    state.store(2, std::memory_order_relaxed);
    return true;
}

void PayloadData::reset(std::string_view b) {
    bytes.assign(b);
    if (state.load(std::memory_order_relaxed) != 0) {
        if (zone) zone->clear();
        state.store(0, std::memory_order_relaxed);
    }
}

void PayloadData::reset(ByteBuffer& buffer, std::string_view msgpack_bytes) {
    bytes.swap(buffer);
    bytes.narrow_to(msgpack_bytes);
    if (state.load(std::memory_order_relaxed) != 0) {
        if (zone) zone->clear();
        state.store(0, std::memory_order_relaxed);
    }
}

bool PayloadPool::spare_is_free() const {
    if (!spare_ || spare_.use_count() != 1) return false;
    // Whoever held it last is done with it: pair with their release of the reference.
    std::atomic_thread_fence(std::memory_order_acquire);
    return true;
}

namespace {

// The payload of `data`, once unpacked; empty when its bytes are not exactly one msgpack value.
Payload unpacked(std::shared_ptr<PayloadData> data) {
    if (!data->unpack_checked()) return Payload();
    return PayloadAccess::of(std::move(data));
}

}  // namespace

std::shared_ptr<PayloadData> PayloadPool::fresh() {
    auto data = std::make_shared<PayloadData>();
    if (warm_) spare_ = data;
    warm_ = true;
    return data;
}

Payload PayloadPool::make(std::string_view msgpack_bytes) {
    if (msgpack_bytes.size() > max_pooled) return unpacked(std::make_shared<PayloadData>(msgpack_bytes));
    if (!spare_is_free()) {
        auto data = fresh();
        data->reset(msgpack_bytes);
        return unpacked(std::move(data));
    }
    // The steady state, once per received message: the spare refilled and unpacked with no call
    // in between. The payload's reference is taken before the refill: its atomic increment reads
    // the last holder's release, which orders the writes below after that holder's reads in a way
    // ThreadSanitizer sees (it does not model spare_is_free's fence).
    std::shared_ptr<PayloadData> data = spare_;
    PayloadData& spare = *data;
    spare.bytes.assign(msgpack_bytes);
    spare.state.store(0, std::memory_order_relaxed);
    if (spare.zone) spare.zone->clear();
    if (unpack_in_arena(spare.bytes, spare.arena, spare.zone, spare.value)) {
        spare.state.store(2, std::memory_order_relaxed);
    } else if (!spare.unpack_checked_deep()) {
        return Payload();
    }
    return PayloadAccess::of(std::move(data));
}

Payload PayloadPool::adopt(ByteBuffer& buffer, std::string_view msgpack_bytes) {
    if (buffer.capacity() > max_pooled) {
        auto own = std::make_shared<PayloadData>();
        own->reset(buffer, msgpack_bytes);
        return unpacked(std::move(own));
    }
    auto data = spare_is_free() ? spare_ : fresh();
    data->reset(buffer, msgpack_bytes);
    return unpacked(std::move(data));
}

Payload bytes_payload(std::string_view bytes) {
    msgpack::sbuffer packed(bytes.size() + 5);
    msgpack::packer<msgpack::sbuffer> packer(packed);
    packer.pack_bin(static_cast<std::uint32_t>(bytes.size()));
    packer.pack_bin_body(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
    return PayloadAccess::trusted(std::string_view(packed.data(), packed.size()));
}

}  // namespace detail

Payload Payload::from_msgpack(std::string_view bytes) {
    auto data = std::make_shared<detail::PayloadData>(bytes);
    try {
        std::size_t offset = 0;
        msgpack::zone scratch;
        msgpack::unpack(scratch, data->bytes.data(), data->bytes.size(), offset);
        if (offset != data->bytes.size()) {
            throw Error(make_error_code(errc::invalid_argument), "more than one msgpack value");
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(make_error_code(errc::invalid_argument), std::string("not a msgpack value: ") + e.what());
    }
    return Payload(std::move(data));
}

Payload Payload::from_json(std::string_view json) {
    std::string bytes;
    std::string what;
    if (auto ec = detail::json_to_msgpack(json, bytes, &what)) throw Error(ec, what);
    return detail::PayloadAccess::trusted(bytes);
}

bool Payload::is_nil() const { return !empty() && object().type == msgpack::type::NIL; }

std::string_view Payload::msgpack() const noexcept {
    return data_ ? std::string_view(data_->bytes) : std::string_view();
}

const msgpack::object& Payload::object() const {
    static const msgpack::object nil;
    if (!data_) return nil;
    return data_->object();
}

std::string Payload::to_json() const {
    std::string out;
    if (empty()) return "{}";
    std::string what;
    if (auto ec = detail::append_json_value(msgpack(), out, &what)) throw Error(ec, what);
    return out;
}

}  // namespace ipcxx
