#include "ipcxx/payload.hpp"

#include "codec/json_wire.hpp"
#include "payload_data.hpp"

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

}  // namespace detail

Payload Payload::from_msgpack(std::string_view bytes) {
    auto data = std::make_shared<detail::PayloadData>(bytes);
    std::size_t offset = 0;
    try {
        data->handle = msgpack::unpack(data->bytes.data(), data->bytes.size(), offset);
    } catch (const std::exception& e) {
        throw Error(make_error_code(errc::invalid_argument), std::string("not a msgpack value: ") + e.what());
    }
    if (offset != data->bytes.size()) {
        throw Error(make_error_code(errc::invalid_argument), "more than one msgpack value");
    }
    std::call_once(data->unpacked, [] {});
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
    std::call_once(data_->unpacked, [this] {
        data_->handle = msgpack::unpack(data_->bytes.data(), data_->bytes.size());
    });
    return data_->handle.get();
}

std::string Payload::to_json() const {
    std::string out;
    if (empty()) return "{}";
    std::string what;
    if (auto ec = detail::append_json_value(msgpack(), out, &what)) throw Error(ec, what);
    return out;
}

}  // namespace ipcxx
