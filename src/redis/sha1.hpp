// SHA-1 (FIPS 180-4), for the names Redis gives scripts (EVALSHA). Not for security: Redis chose
// the digest, and a build without OpenSSL needs it too.
#pragma once

#include <string>
#include <string_view>

namespace ipcxx::detail {

// The digest of `data` as 40 lower-case hex digits.
std::string sha1_hex(std::string_view data);

}  // namespace ipcxx::detail
