// rsmq 0.12.4's rules without Redis: parameter validation with its error names and texts, message
// ids, times from Redis TIME, message length in UTF-16 code units, and the key layout.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace ipcxx::detail::rsmq {

// What a check found wrong, as rsmq names and words it ("Invalid qname format"); no code: fine.
struct Verdict {
    std::error_code code;
    std::string message;
    explicit operator bool() const noexcept { return static_cast<bool>(code); }
};

// rsmq's limits (its _validate).
inline constexpr std::size_t max_queue_name = 160;
inline constexpr std::size_t message_id_length = 32;
inline constexpr long long max_seconds = 9999999;  // vt and delay
inline constexpr long long min_maxsize = 1024;
inline constexpr long long max_maxsize = 65536;
inline constexpr long long unlimited_maxsize = -1;

// `qname`: /^([a-zA-Z0-9_-]){1,160}$/; empty: missingParameter.
Verdict check_queue_name(std::string_view qname);
// A message id: /^([a-zA-Z0-9:]){32}$/; empty: missingParameter.
Verdict check_message_id(std::string_view id);
// `vt` or `delay` (named by `item`): 0..9999999 seconds.
Verdict check_seconds(std::string_view item, long long value);
// `maxsize`: 1024..65536, or -1 for no limit.
Verdict check_maxsize(long long value);
// A message body for a queue of `maxsize`: strict UTF-8 (a JavaScript string on the other side),
// at most `maxsize` UTF-16 code units (JavaScript's String.length) unless maxsize is -1.
Verdict check_message(std::string_view message, long long maxsize);

// JavaScript's String.length of valid UTF-8 text: one unit per code point, two above U+FFFF.
std::size_t utf16_length(std::string_view utf8) noexcept;

// Redis TIME: seconds and microseconds of the server's clock.
struct ServerTime {
    long long seconds = 0;
    long long micros = 0;
};
// rsmq's `ts`: milliseconds (the seconds followed by the first three digits of the microseconds).
long long time_ms(ServerTime time) noexcept;
// The microseconds since the epoch in base 36 (lower case) followed by `random22`.
std::string make_message_id(ServerTime time, std::string_view random22);
// 22 characters of [A-Za-z0-9] from a per-thread generator, like rsmq's _makeid(22).
std::string random_id_suffix();
// A received message's `sent`: parseInt(id.slice(0, 10), 36) / 1000 (milliseconds with a fraction).
double sent_from_id(std::string_view id) noexcept;

// The key layout under namespace `ns` ("rsmq" by default).
struct QueueKeys {
    std::string messages;  // sorted set: id -> ms when visible
    std::string hash;      // attributes, bodies, receive counts, first receives
    std::string realtime;  // pub/sub channel of the realtime notifications
};
QueueKeys queue_keys(std::string_view ns, std::string_view qname);
// The set of queue names.
std::string queues_key(std::string_view ns);

}  // namespace ipcxx::detail::rsmq
