// Number formatting as JavaScript prints it.
#pragma once

#include <cstdint>
#include <string>

namespace ipcxx::detail {

// Appends Number.prototype.toString(v) as JSON.stringify writes it: shortest round-trip digits,
// ECMAScript's fixed/exponential choice, -0 as 0, NaN and +-Infinity as null.
void append_js_double(double v, std::string& out);

void append_decimal(std::int64_t v, std::string& out);
void append_decimal(std::uint64_t v, std::string& out);

}  // namespace ipcxx::detail
