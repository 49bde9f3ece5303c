// JSON.stringify's string quoting.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ipcxx::detail {

// Appends `s` as a JSON string literal exactly as JSON.stringify writes it.
// `s` is UTF-8 in which a lone surrogate may appear in its 3-byte generalized form (ED A0..BF xx);
// it is written as a lower-case \udxxx escape. Returns s.size() on success, otherwise the offset
// of the first invalid byte (then `out` holds partial output; the caller restores it).
std::size_t append_json_string(std::string_view s, std::string& out);

}  // namespace ipcxx::detail
