#include "rsmq/rsmq_rules.hpp"

#include <iterator>
#include <random>

#include "codec/utf8.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail::rsmq {
namespace rsmq_rules_impl {

bool is_alnum(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Verdict missing(std::string_view item) {
    return {make_error_code(errc::rsmq_missing_parameter), "No " + std::string(item) + " supplied"};
}

Verdict bad_format(std::string_view item) {
    return {make_error_code(errc::rsmq_invalid_format), "Invalid " + std::string(item) + " format"};
}

Verdict out_of_range(std::string_view item, long long min, long long max) {
    return {make_error_code(errc::rsmq_invalid_value), std::string(item) + " must be between " +
                                                           std::to_string(min) + " and " + std::to_string(max)};
}

constexpr std::string_view id_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int base36_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return -1;
}

}  // namespace rsmq_rules_impl

using namespace rsmq_rules_impl;

Verdict check_queue_name(std::string_view qname) {
    if (qname.empty()) return missing("qname");
    if (qname.size() > max_queue_name) return bad_format("qname");
    for (char c : qname) {
        if (!is_alnum(c) && c != '_' && c != '-') return bad_format("qname");
    }
    return {};
}

Verdict check_message_id(std::string_view id) {
    if (id.empty()) return missing("id");
    if (id.size() != message_id_length) return bad_format("id");
    for (char c : id) {
        if (!is_alnum(c) && c != ':') return bad_format("id");
    }
    return {};
}

Verdict check_seconds(std::string_view item, long long value) {
    if (value < 0 || value > max_seconds) return out_of_range(item, 0, max_seconds);
    return {};
}

Verdict check_maxsize(long long value) {
    if (value != unlimited_maxsize && (value < min_maxsize || value > max_maxsize)) {
        return out_of_range("maxsize", min_maxsize, max_maxsize);
    }
    return {};
}

Verdict check_message(std::string_view message, long long maxsize) {
    const std::size_t bad = find_invalid_utf8(message.data(), message.size());
    if (bad != message.size()) {
        // rsmq's messageNotString: the other side reads bodies as JavaScript strings.
        return {make_error_code(errc::invalid_argument),
                "Message must be a string: invalid UTF-8 at byte " + std::to_string(bad)};
    }
    if (maxsize != unlimited_maxsize && utf16_length(message) > static_cast<std::size_t>(maxsize)) {
        return {make_error_code(errc::rsmq_message_too_long), "Message too long"};
    }
    return {};
}

std::size_t utf16_length(std::string_view utf8) noexcept {
    std::size_t units = 0;
    for (unsigned char c : utf8) {
        if ((c & 0xC0) == 0x80) continue;  // continuation bytes add nothing
        units += c >= 0xF0 ? 2 : 1;        // four-byte sequences are surrogate pairs
    }
    return units;
}

long long time_ms(ServerTime time) noexcept { return time.seconds * 1000 + time.micros / 1000; }

std::string make_message_id(ServerTime time, std::string_view random22) {
    auto micros = static_cast<unsigned long long>(time.seconds) * 1000000ULL +
                  static_cast<unsigned long long>(time.micros);
    char digits[16];  // 36^13 > 2^64: 13 are enough
    char* first = std::end(digits);
    do {
        *--first = "0123456789abcdefghijklmnopqrstuvwxyz"[micros % 36];
        micros /= 36;
    } while (micros != 0);
    std::string id;
    id.reserve(static_cast<std::size_t>(std::end(digits) - first) + random22.size());
    id.append(first, std::end(digits)).append(random22);
    return id;
}

std::string random_id_suffix() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::uniform_int_distribution<std::size_t> pick(0, id_alphabet.size() - 1);
    std::string out(22, '\0');
    for (char& c : out) c = id_alphabet[pick(generator)];
    return out;
}

double sent_from_id(std::string_view id) noexcept {
    // parseInt stops at the first character that is not a base-36 digit.
    double value = 0;
    for (char c : id.substr(0, 10)) {
        const int digit = base36_digit(c);
        if (digit < 0) break;
        value = value * 36 + digit;
    }
    return value / 1000;
}

QueueKeys queue_keys(std::string_view ns, std::string_view qname) {
    std::string base = std::string(ns) + ":" + std::string(qname);
    return {base, base + ":Q", std::string(ns) + ":rt:" + std::string(qname)};
}

std::string queues_key(std::string_view ns) { return std::string(ns) + ":QUEUES"; }

}  // namespace ipcxx::detail::rsmq
