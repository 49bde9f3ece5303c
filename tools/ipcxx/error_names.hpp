// The short name of an error code, as the tool prints it before the error's message.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace ipcxx_cli {

// ipcxx's codes by their errc name ("tls_unknown_ca"), operating-system codes by their errno
// name ("ECONNREFUSED"), anything else as "<category>:<value>".
std::string error_name(std::error_code ec);

// "<name>: <message>": how the tool prints an error.
std::string error_text(std::error_code ec, std::string_view message);

}  // namespace ipcxx_cli
