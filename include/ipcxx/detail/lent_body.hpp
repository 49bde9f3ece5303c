// emit of a value whose large body the caller keeps (a std::string or std::string_view, alone or
// last in a tuple or pair, passed by const reference): the body is lent to the emit rather than
// copied. The emit waits, briefly, while the I/O thread writes it straight from the caller's memory,
// and copies what is still unwritten before it returns, so the caller may change or free the body
// as soon as emit returns, as with any emit (docs/api.md, `SharedBytes`).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <msgpack.hpp>

#include "ipcxx/detail/moved_body.hpp"
#include "ipcxx/detail/pack_buffer.hpp"

namespace ipcxx::detail {

// A body lent for one emit: packs as a msgpack str.
struct LentBody {
    std::string_view bytes;
};

template <class T>
constexpr bool is_text_body_v =
    std::is_same_v<std::decay_t<T>, std::string> || std::is_same_v<std::decay_t<T>, std::string_view>;

// Values whose body an emit may borrow: a text body, or a tuple or pair ending in one.
template <class T>
struct lends_body : std::bool_constant<is_text_body_v<T>> {};
template <class... Ts>
struct lends_body<std::tuple<Ts...>>
    : std::bool_constant<(sizeof...(Ts) > 0) && is_text_body_v<std::tuple_element_t<sizeof...(Ts) - 1, std::tuple<Ts...>>>> {};
template <class A, class B>
struct lends_body<std::pair<A, B>> : std::bool_constant<is_text_body_v<B>> {};
template <class T>
constexpr bool lends_body_v = lends_body<T>::value;

inline std::string_view lent_bytes(std::string_view value) { return value; }
template <class... Ts>
std::string_view lent_bytes(const std::tuple<Ts...>& value) {
    return std::get<sizeof...(Ts) - 1>(value);
}
template <class A, class B>
std::string_view lent_bytes(const std::pair<A, B>& value) { return value.second; }

// Calls send(value to pack) with a large body lent (queued by reference for the emit's duration),
// a small one as it is (copying it costs less than lending it).
template <class T, class Send>
std::error_code emit_lending_body(const T& value, Send&& send) {
    const std::string_view body = lent_bytes(value);
    if (body.size() < shared_body_threshold) return send(value);
    return send(with_body(value, LentBody{body}));
}

}  // namespace ipcxx::detail

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

template <>
struct pack<ipcxx::detail::LentBody> {
    template <class Stream>
    packer<Stream>& operator()(packer<Stream>& o, const ipcxx::detail::LentBody& v) const {
        if (v.bytes.size() > std::numeric_limits<std::uint32_t>::max()) throw msgpack::container_size_overflow("string body over 4 GiB - 1");
        const auto size = static_cast<std::uint32_t>(v.bytes.size());
        o.pack_str(size);
        if constexpr (std::is_same_v<Stream, ipcxx::detail::PackBuffer>) {
            static_cast<ipcxx::detail::SharingPacker&>(o).lend_body(v.bytes);
        } else {
            o.pack_str_body(v.bytes.data(), size);
        }
        return o;
    }
};

}  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS)
}  // namespace msgpack
