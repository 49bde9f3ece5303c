// node-ipc's `encoding` for raw writes: how a text becomes the bytes Buffer.from(text, encoding)
// would give, without sockets. Text is UTF-8 on our side (JavaScript's strings are UTF-16).
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "encoding_names.hpp"

namespace ipcxx::detail {

// Appends the bytes of `text` in `encoding` to `out`. Where Node would guess (odd or non-hex
// digits, a character latin1 cannot hold, invalid UTF-8), this refuses: invalid_argument or
// invalid_utf8, `out` unchanged, `detail` naming the problem.
std::error_code encode_text(std::string_view text, std::string_view encoding, std::string& out, std::string& detail);

}  // namespace ipcxx::detail
