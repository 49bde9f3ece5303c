// Large message bodies whose bytes show a shift or a mix-up, and a server handler that checks them:
// for the tests of bodies sent by reference (moved in, lent, SharedBytes).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <tuple>

#include "ipcxx/server.hpp"
#include "support/fixtures.hpp"

namespace test {

// Body number `i`: 300 KiB by default, large enough to go by reference (64 KiB or more).
inline std::string large_body(int i, std::size_t size = 300 * 1024) {
    std::string text(size, ' ');
    for (std::size_t k = 0; k < size; ++k) text[k] = static_cast<char>('a' + (k * 7 + static_cast<std::size_t>(i)) % 26);
    return text;
}

// Logs "i" for each (i, text) of `event` whose text is large_body(i), "corrupt i" otherwise; the
// handler first calls `wait` (e.g. to stop the server reading for a while), when given.
inline void log_large_bodies(ipcxx::Server& server, const std::string& event, Log& log,
                             std::function<void()> wait = {}) {
    server.on(event, [&log, wait](const ipcxx::Payload& data) {
        if (wait) wait();
        const auto [i, text] = data.as<std::tuple<int, std::string>>();
        log.add(text == large_body(i, text.size()) ? std::to_string(i) : "corrupt " + std::to_string(i));
    });
}

}  // namespace test
