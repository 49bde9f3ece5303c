#include "codec/msgpack_object.hpp"

#include <cstdint>
#include <cstring>

namespace ipcxx::detail {
namespace {

class Builder {
public:
    Builder(std::string_view bytes, ObjectArena& arena, std::unique_ptr<msgpack::zone>& lazy_zone)
        : p_(bytes.data()), end_(bytes.data() + bytes.size()), zone_(lazy_zone.get()), arena_(&arena),
          lazy_zone_(&lazy_zone) {}

    bool value(msgpack::object& o, std::size_t depth) {
        if (p_ == end_) return false;
        const auto tag = static_cast<unsigned char>(*p_++);
        if (tag <= 0x7f) return positive(o, tag);
        if (tag >= 0xe0) return negative(o, static_cast<std::int8_t>(tag));
        if ((tag & 0xf0) == 0x80) return map(o, tag & 0x0f, depth);
        if ((tag & 0xf0) == 0x90) return array(o, tag & 0x0f, depth);
        if ((tag & 0xe0) == 0xa0) return str(o, tag & 0x1f);
        std::uint64_t n = 0;
        switch (tag) {
            case 0xc0: o.type = msgpack::type::NIL; return true;
            case 0xc2: o.type = msgpack::type::BOOLEAN; o.via.boolean = false; return true;
            case 0xc3: o.type = msgpack::type::BOOLEAN; o.via.boolean = true; return true;
            case 0xc4: return be<1>(n) && bin(o, n);
            case 0xc5: return be<2>(n) && bin(o, n);
            case 0xc6: return be<4>(n) && bin(o, n);
            case 0xc7: return be<1>(n) && ext(o, n);
            case 0xc8: return be<2>(n) && ext(o, n);
            case 0xc9: return be<4>(n) && ext(o, n);
            case 0xca: {
                if (!be<4>(n)) return false;
                const auto bits = static_cast<std::uint32_t>(n);
                float f;
                std::memcpy(&f, &bits, sizeof f);
                o.type = msgpack::type::FLOAT32;
                o.via.f64 = f;
                return true;
            }
            case 0xcb: {
                if (!be<8>(n)) return false;
                double d;
                std::memcpy(&d, &n, sizeof d);
                o.type = msgpack::type::FLOAT64;
                o.via.f64 = d;
                return true;
            }
            case 0xcc: return be<1>(n) && positive(o, n);
            case 0xcd: return be<2>(n) && positive(o, n);
            case 0xce: return be<4>(n) && positive(o, n);
            case 0xcf: return be<8>(n) && positive(o, n);
            case 0xd0: return be<1>(n) && negative(o, static_cast<std::int8_t>(n));
            case 0xd1: return be<2>(n) && negative(o, static_cast<std::int16_t>(n));
            case 0xd2: return be<4>(n) && negative(o, static_cast<std::int32_t>(n));
            case 0xd3: return be<8>(n) && negative(o, static_cast<std::int64_t>(n));
            case 0xd4: return ext(o, 1);
            case 0xd5: return ext(o, 2);
            case 0xd6: return ext(o, 4);
            case 0xd7: return ext(o, 8);
            case 0xd8: return ext(o, 16);
            case 0xd9: return be<1>(n) && str(o, n);
            case 0xda: return be<2>(n) && str(o, n);
            case 0xdb: return be<4>(n) && str(o, n);
            case 0xdc: return be<2>(n) && array(o, n, depth);
            case 0xdd: return be<4>(n) && array(o, n, depth);
            case 0xde: return be<2>(n) && map(o, n, depth);
            case 0xdf: return be<4>(n) && map(o, n, depth);
            default: return false;  // 0xc1, never used
        }
    }

    bool done() const { return p_ == end_; }

private:
    template <std::size_t width>
    bool be(std::uint64_t& n) {
        if (static_cast<std::size_t>(end_ - p_) < width) return false;
        n = 0;
        for (std::size_t i = 0; i < width; ++i) n = (n << 8) | static_cast<unsigned char>(p_[i]);
        p_ += width;
        return true;
    }
    void* allocate(std::size_t size) {
        if (size <= ObjectArena::capacity - arena_->used) {
            void* at = arena_->bytes + arena_->used;
            arena_->used += size;
            return at;
        }
        if (!zone_) {
            *lazy_zone_ = std::make_unique<msgpack::zone>();
            zone_ = lazy_zone_->get();
        }
        return zone_->allocate_align(size, alignof(msgpack::object_kv));
    }
    bool take(std::uint64_t n, const char*& at) {
        if (static_cast<std::uint64_t>(end_ - p_) < n) return false;
        at = p_;
        p_ += n;
        return true;
    }
    static bool positive(msgpack::object& o, std::uint64_t v) {
        o.type = msgpack::type::POSITIVE_INTEGER;
        o.via.u64 = v;
        return true;
    }
    static bool negative(msgpack::object& o, std::int64_t v) {
        // msgpack-c's own rule: a non-negative value is a positive integer whatever its format.
        if (v >= 0) return positive(o, static_cast<std::uint64_t>(v));
        o.type = msgpack::type::NEGATIVE_INTEGER;
        o.via.i64 = v;
        return true;
    }
    bool str(msgpack::object& o, std::uint64_t n) {
        o.type = msgpack::type::STR;
        o.via.str.size = static_cast<std::uint32_t>(n);
        return take(n, o.via.str.ptr);
    }
    bool bin(msgpack::object& o, std::uint64_t n) {
        o.type = msgpack::type::BIN;
        o.via.bin.size = static_cast<std::uint32_t>(n);
        return take(n, o.via.bin.ptr);
    }
    bool ext(msgpack::object& o, std::uint64_t n) {
        // via.ext.ptr points at the type byte, as msgpack-c lays it out.
        o.type = msgpack::type::EXT;
        o.via.ext.size = static_cast<std::uint32_t>(n);
        return take(n + 1, o.via.ext.ptr);
    }
    bool array(msgpack::object& o, std::uint64_t n, std::size_t depth) {
        if (depth == 0 || n > static_cast<std::uint64_t>(end_ - p_)) return false;  // each element takes a byte
        o.type = msgpack::type::ARRAY;
        o.via.array.size = static_cast<std::uint32_t>(n);
        o.via.array.ptr = n ? static_cast<msgpack::object*>(allocate(sizeof(msgpack::object) * n)) : nullptr;
        for (std::uint64_t i = 0; i < n; ++i) {
            if (!value(o.via.array.ptr[i], depth - 1)) return false;
        }
        return true;
    }
    bool map(msgpack::object& o, std::uint64_t n, std::size_t depth) {
        if (depth == 0 || 2 * n > static_cast<std::uint64_t>(end_ - p_)) return false;
        o.type = msgpack::type::MAP;
        o.via.map.size = static_cast<std::uint32_t>(n);
        o.via.map.ptr = n ? static_cast<msgpack::object_kv*>(allocate(sizeof(msgpack::object_kv) * n)) : nullptr;
        for (std::uint64_t i = 0; i < n; ++i) {
            if (!value(o.via.map.ptr[i].key, depth - 1) || !value(o.via.map.ptr[i].val, depth - 1)) return false;
        }
        return true;
    }

    const char* p_;
    const char* end_;
    msgpack::zone* zone_;
    ObjectArena* arena_;
    std::unique_ptr<msgpack::zone>* lazy_zone_;
};

// The shape nearly every message has, a short array of unsigned integers and strings (an event's
// arguments), built in one loop; false for anything else, left to Builder.
bool unpack_flat_array(std::string_view bytes, ObjectArena& arena, msgpack::object& out) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto* const end = p + bytes.size();
    if (bytes.empty() || (*p & 0xf0) != 0x90) return false;
    const std::size_t count = *p++ & 0x0fu;
    static_assert(15 * sizeof(msgpack::object) <= ObjectArena::capacity, "a fixarray fits the arena");
    auto* const items = reinterpret_cast<msgpack::object*>(arena.bytes);
    for (std::size_t i = 0; i < count; ++i) {
        if (p == end) return false;
        const unsigned tag = *p++;
        msgpack::object& item = items[i];
        const auto left = static_cast<std::size_t>(end - p);
        std::size_t length;
        // A switch with a load of each width (the compiler makes one instruction of each), where
        // a loop over the width cost several per byte.
        switch (tag) {
            case 0xcc:
                if (left < 1) return false;
                item.type = msgpack::type::POSITIVE_INTEGER;
                item.via.u64 = p[0];
                p += 1;
                continue;
            case 0xcd:
                if (left < 2) return false;
                item.type = msgpack::type::POSITIVE_INTEGER;
                item.via.u64 = (std::uint64_t{p[0]} << 8) | p[1];
                p += 2;
                continue;
            case 0xce:
                if (left < 4) return false;
                item.type = msgpack::type::POSITIVE_INTEGER;
                item.via.u64 = (std::uint64_t{p[0]} << 24) | (std::uint64_t{p[1]} << 16) | (std::uint64_t{p[2]} << 8) | p[3];
                p += 4;
                continue;
            case 0xcf:
                if (left < 8) return false;
                item.type = msgpack::type::POSITIVE_INTEGER;
                item.via.u64 = (std::uint64_t{p[0]} << 56) | (std::uint64_t{p[1]} << 48) | (std::uint64_t{p[2]} << 40) |
                               (std::uint64_t{p[3]} << 32) | (std::uint64_t{p[4]} << 24) | (std::uint64_t{p[5]} << 16) |
                               (std::uint64_t{p[6]} << 8) | p[7];
                p += 8;
                continue;
            case 0xd9:
                if (left < 1) return false;
                length = *p++;
                break;
            default:
                if (tag <= 0x7f) {
                    item.type = msgpack::type::POSITIVE_INTEGER;
                    item.via.u64 = tag;
                    continue;
                }
                if ((tag & 0xe0) != 0xa0) return false;
                length = tag & 0x1fu;
                break;
        }
        if (static_cast<std::size_t>(end - p) < length) return false;
        item.type = msgpack::type::STR;
        item.via.str.size = static_cast<std::uint32_t>(length);
        item.via.str.ptr = reinterpret_cast<const char*>(p);
        p += length;
    }
    if (p != end) return false;
    arena.used = count * sizeof(msgpack::object);
    out.type = msgpack::type::ARRAY;
    out.via.array.size = static_cast<std::uint32_t>(count);
    out.via.array.ptr = count ? items : nullptr;
    return true;
}

// Everything but a flat array; kept out of unpack_in_arena so that its fast path saves no registers.
__attribute__((noinline)) bool unpack_general(std::string_view bytes, ObjectArena& arena,
                                              std::unique_ptr<msgpack::zone>& zone, msgpack::object& out,
                                              std::size_t max_depth) {
    arena.used = 0;
    Builder builder(bytes, arena, zone);
    return builder.value(out, max_depth) && builder.done();
}

}  // namespace

bool unpack_in_arena(std::string_view bytes, ObjectArena& arena, std::unique_ptr<msgpack::zone>& zone,
                     msgpack::object& out, std::size_t max_depth) {
    return unpack_flat_array(bytes, arena, out) || unpack_general(bytes, arena, zone, out, max_depth);
}

}  // namespace ipcxx::detail
