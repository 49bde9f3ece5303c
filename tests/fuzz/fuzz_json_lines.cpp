// libFuzzer target: the JSON-lines reader and writer.
//
// The input is a byte stream read at boundaries taken from its first bytes, with a small line
// limit; it must give the same values and errors as one read of the whole. Every value read must
// survive a round trip through append_json_line: exactly one line, which reads back as the same
// value. The reader's buffer stays bounded by the limit plus one read.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "codec/json_lines.hpp"
#include "fuzz_support.hpp"

namespace fuzz_json_lines {

constexpr std::size_t max_line = 512;  // small, so that inputs reach the limit

struct Seen {
    std::vector<std::string> values;  // msgpack of each value, or "!" + the error message
    std::string end;
    bool operator==(const Seen& o) const { return values == o.values && end == o.end; }
};

void round_trip(std::string_view value) {
    std::string line;
    fuzz::check(!ipcxx::detail::append_json_line(value, line), "append_json_line refuses what the reader produced",
                value);
    fuzz::check(!line.empty() && line.find('\n') == line.size() - 1, "a written value is not exactly one line",
                line);
    ipcxx::detail::JsonLineReader again(0);
    const auto span = again.prepare(line.size());
    std::memcpy(span.data, line.data(), line.size());
    again.commit(line.size());
    std::string_view back;
    std::error_code ec;
    fuzz::check(again.next(back, ec), "a written line does not read back", line);
    fuzz::check_same_msgpack(value, back, true, "the value changed in a JSON-lines round trip");
}

Seen read(std::string_view input, const std::vector<std::size_t>& sizes, bool check_values) {
    ipcxx::detail::JsonLineReader reader(max_line);
    Seen seen;
    std::size_t pos = 0;
    for (std::size_t i = 0; pos < input.size(); ++i) {
        const std::size_t n = std::min(sizes[i % sizes.size()], input.size() - pos);
        const auto span = reader.prepare(n);
        std::memcpy(span.data, input.data() + pos, n);
        reader.commit(n);
        pos += n;
        for (;;) {
            std::string_view value;
            std::error_code ec;
            if (reader.next(value, ec)) {
                if (check_values) round_trip(value);
                seen.values.emplace_back(value);
            } else if (ec) {
                seen.values.push_back("!" + ec.message());
            } else {
                break;
            }
        }
        fuzz::check(reader.partial_size() <= max_line + n, "the reader holds more than the limit plus one read");
    }
    seen.end = reader.finish().message();
    return seen;
}

}  // namespace fuzz_json_lines

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(bytes), size);
    const auto split = fuzz_json_lines::read(input, fuzz::read_sizes_from(input), true);
    const auto whole = fuzz_json_lines::read(input, {input.size() + 1}, false);
    fuzz::check(split == whole, "JsonLineReader gives other values when the reads are split differently");
    return 0;
}
