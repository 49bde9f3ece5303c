// The child's environment from SpawnOptions (inherit plus changes, or replace).
#pragma once

#include <string>
#include <vector>

#include "ipcxx/spawn_options.hpp"

namespace ipcxx::detail {

// NAME=value entries, in the parent's order for inherited names, then the added ones.
std::vector<std::string> make_environment(const SpawnOptions& options);

}  // namespace ipcxx::detail
