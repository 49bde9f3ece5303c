// One immutable copy of a Config for every client built from an equal one: 10,000 clients of one
// application then keep one Config, not 10,000 (docs/memory.md).
#pragma once

#include <memory>

#include "ipcxx/config.hpp"

namespace ipcxx::detail {

// Every field equal. A Config with an `authenticate` or `logger` function is equal to none but
// itself (functions cannot be compared), so it is never shared.
bool same_config(const Config& a, const Config& b);

// The shared copy of a Config equal to `config` while some holder keeps one alive, else `config`
// made the shared copy. Any thread.
std::shared_ptr<const Config> shared_config(Config config);

}  // namespace ipcxx::detail
