// emit of a value the caller moved in: a large std::string body (the value itself, or the last
// element of a tuple or pair, where a body can be queued by reference) becomes the owner of its own
// bytes and travels as a SharedBytes text body would, with no copy; the wire is the same as for
// the std::string. A refused emit gives the string back to where it was taken from, so that a
// retry sends the same bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ipcxx/detail/pack_buffer.hpp"
#include "ipcxx/shared_bytes.hpp"

namespace ipcxx::detail {

// Values whose body an rvalue emit may take over: a std::string, or a tuple or pair ending in one.
template <class T>
struct takes_body : std::false_type {};
template <>
struct takes_body<std::string> : std::true_type {};
// A tuple's last element may also be a std::string&& (std::forward_as_tuple(n, std::move(text))):
// the caller's own string is then taken over, and given back if the emit is refused.
template <class... Ts>
struct takes_body<std::tuple<Ts...>>
    : std::bool_constant<(sizeof...(Ts) > 0) &&
                         (std::is_same_v<std::tuple_element_t<sizeof...(Ts) - 1, std::tuple<Ts...>>, std::string> ||
                          std::is_same_v<std::tuple_element_t<sizeof...(Ts) - 1, std::tuple<Ts...>>, std::string&&>)> {};
template <class A>
struct takes_body<std::pair<A, std::string>> : std::true_type {};
// Only for an rvalue of such a value (T deduced by a forwarding reference: not a reference).
template <class T>
constexpr bool takes_body_v = !std::is_reference_v<T> && takes_body<T>::value;

inline std::string& body_of(std::string& value) { return value; }
template <class... Ts>
std::string& body_of(std::tuple<Ts...>& value) {
    return std::get<sizeof...(Ts) - 1>(value);  // for a std::string&& element: the string it names
}
template <class A>
std::string& body_of(std::pair<A, std::string>& value) { return value.second; }

// The value with its body (a string, or a tuple's or pair's last element) replaced by `body`,
// everything else by reference (packs the same).
template <class Body>
const Body& with_body(const std::string&, const Body& body) { return body; }
template <class Body>
const Body& with_body(const std::string_view&, const Body& body) { return body; }
template <class Tuple, class Body, std::size_t... I>
auto with_body_of_tuple(const Tuple& value, const Body& body, std::index_sequence<I...>) {
    return std::tuple<const std::remove_reference_t<std::tuple_element_t<I, Tuple>>&..., const Body&>(
        std::get<I>(value)..., body);
}
template <class Body, class... Ts>
auto with_body(const std::tuple<Ts...>& value, const Body& body) {
    return with_body_of_tuple(value, body, std::make_index_sequence<sizeof...(Ts) - 1>());
}
template <class Body, class A, class B>
auto with_body(const std::pair<A, B>& value, const Body& body) {
    return std::tuple<const A&, const Body&>(value.first, body);
}

// Calls send(value to pack) with the body of `value` taken over when it is large enough to be
// queued by reference (a small one is copied: sharing it would cost more than the copy).
template <class T, class Send>
std::error_code emit_taking_body(T& value, Send&& send) {
    std::string& body = body_of(value);
    if (body.size() < shared_body_threshold) return send(std::as_const(value));
    auto owner = std::make_shared<std::string>(std::move(body));
    const std::error_code ec = send(with_body(std::as_const(value), SharedBytes(owner, *owner, SharedBytes::Kind::text)));
    // Refused: nothing was queued, so no one else holds the bytes.
    if (ec) body = std::move(*owner);
    return ec;
}

}  // namespace ipcxx::detail
