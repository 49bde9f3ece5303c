// RESP2 encoding of a command: an array of bulk strings, binary-safe (the only form Redis takes
// from clients that is safe for any byte).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ipcxx::detail {

// Appends `*N\r\n` and each argument as `$len\r\n<bytes>\r\n` to `out`.
void append_resp_command(const std::vector<std::string>& args, std::string& out);
void append_resp_command(const std::vector<std::string_view>& args, std::string& out);

}  // namespace ipcxx::detail
