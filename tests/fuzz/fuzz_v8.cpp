// libFuzzer target: advanced serialization (Node's V8 ValueSerializer subset) and its framing.
//
// The input is read as a stream of length-prefixed messages at boundaries taken from its first
// bytes, which must give the same values and errors as one read. Every value read must settle: its
// msgpack re-encodes, and decoding that gives the same msgpack again. The whole input is also taken
// as one V8 message, and as one msgpack value for the encoder, with the same checks.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codec/v8_wire.hpp"
#include "fuzz_support.hpp"
#include "ipcxx/error.hpp"

namespace {

using ipcxx::detail::msgpack_to_v8;
using ipcxx::detail::V8FrameReader;
using ipcxx::detail::v8_to_msgpack;

constexpr std::size_t max_message = 4096;  // small, so that inputs reach the limit

// A msgpack value the decoder made: the encoder takes it (unless it is a Map of string keys that
// repeat, which V8 itself never writes and which a Node peer could not read back), and one more
// round trip through V8 bytes gives the same bytes.
void check_settles(std::string_view decoded, std::string_view context) {
    msgpack::object_handle value;
    fuzz::check(fuzz::msgpack_c_unpack(decoded, value), "the decoder produced msgpack that msgpack-c cannot read",
                context);
    std::string v8;
    std::string detail;
    const std::error_code ec = msgpack_to_v8(decoded, v8, &detail);
    if (ec == ipcxx::errc::invalid_argument && detail.find("same string key twice") != std::string::npos) return;
    fuzz::check(!ec, "the encoder refuses what the decoder produced", decoded);
    std::string again;
    fuzz::check(!v8_to_msgpack(v8, again), "the decoder refuses what the encoder produced", v8);
    fuzz::check(again == decoded, "a value changed in a V8 round trip", decoded);
}

void check_message(std::string_view message) {
    std::string decoded;
    std::string detail;
    const std::error_code ec = v8_to_msgpack(message, decoded, &detail);
    if (ec) {
        fuzz::check(decoded.empty(), "a failed decode left output behind", message);
        fuzz::check(detail.find(" at offset ") != std::string::npos, "an error without its offset", message);
        return;
    }
    check_settles(decoded, message);
}

// What a reader made of a whole stream: values and errors in order, what it held at the end.
struct Stream {
    std::vector<std::string> items;
    std::size_t partial = 0;
    std::error_code end;
};

Stream read_stream(std::string_view input, const std::vector<std::size_t>& read_sizes) {
    V8FrameReader reader(max_message);
    Stream result;
    std::size_t pos = 0;
    for (std::size_t i = 0; pos < input.size(); ++i) {
        const std::size_t n = std::min(read_sizes[i % read_sizes.size()], input.size() - pos);
        reader.feed(input.substr(pos, n));
        pos += n;
        for (;;) {
            std::string_view value;
            std::error_code ec;
            if (reader.next(value, ec)) {
                check_settles(value, input);
                result.items.emplace_back(value);
            } else if (ec) {
                fuzz::check(!reader.error_detail().empty(), "a bad message without its detail", input);
                result.items.push_back(ec.message());
            } else {
                break;
            }
        }
    }
    result.partial = reader.partial_size();
    result.end = reader.finish();
    fuzz::check((result.end == ipcxx::errc::partial_message) == (result.partial != 0) &&
                    (!result.end || result.end == ipcxx::errc::partial_message),
                "finish() disagrees with what the reader holds", input);
    return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(bytes), size);
    const Stream split = read_stream(input, fuzz::read_sizes_from(input));
    const Stream whole = read_stream(input, {input.size() + 1});
    fuzz::check(split.items == whole.items && split.partial == whole.partial && split.end == whole.end,
                "the V8 frame reader gives other messages when the reads are split differently");

    check_message(input);

    std::string v8;
    if (!msgpack_to_v8(input, v8)) {
        std::string decoded;
        fuzz::check(!v8_to_msgpack(v8, decoded), "the decoder refuses what the encoder produced", input);
        check_settles(decoded, input);
    }
    return 0;
}
