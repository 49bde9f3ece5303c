#include "codec/js_number.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace ipcxx::detail {

void append_js_double(double v, std::string& out) {
    if (!std::isfinite(v)) {
        out.append("null", 4);
        return;
    }
    if (v == 0) {  // also -0
        out.push_back('0');
        return;
    }
    // Scientific form with no precision is the shortest round-trip form: d[.ddd]e[+-]XX.
    char sci[32];
    const auto res = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
    const char* p = sci;
    if (*p == '-') {
        out.push_back('-');
        ++p;
    }
    char digits[20];
    int k = 0;
    for (; *p != 'e'; ++p) {
        if (*p != '.') digits[k++] = *p;
    }
    ++p;  // 'e'
    const bool negative_exp = *p++ == '-';
    int exp10 = 0;
    for (; p != res.ptr; ++p) exp10 = exp10 * 10 + (*p - '0');
    if (negative_exp) exp10 = -exp10;
    const int n = exp10 + 1;  // value = 0.d1..dk * 10^n (ECMAScript's n)

    if (k <= n && n <= 21) {
        out.append(digits, static_cast<std::size_t>(k));
        out.append(static_cast<std::size_t>(n - k), '0');
    } else if (0 < n && n <= 21) {
        out.append(digits, static_cast<std::size_t>(n));
        out.push_back('.');
        out.append(digits + n, static_cast<std::size_t>(k - n));
    } else if (-6 < n && n <= 0) {
        out.append("0.", 2);
        out.append(static_cast<std::size_t>(-n), '0');
        out.append(digits, static_cast<std::size_t>(k));
    } else {
        out.push_back(digits[0]);
        if (k > 1) {
            out.push_back('.');
            out.append(digits + 1, static_cast<std::size_t>(k - 1));
        }
        out.push_back('e');
        out.push_back(n - 1 >= 0 ? '+' : '-');
        append_decimal(static_cast<std::int64_t>(std::abs(n - 1)), out);
    }
}

void append_decimal(std::int64_t v, std::string& out) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(res.ptr - buf));
}

void append_decimal(std::uint64_t v, std::string& out) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(res.ptr - buf));
}

}  // namespace ipcxx::detail
