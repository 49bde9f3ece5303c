// `ipcxx rsmq ...` (usage in rsmq_options.cpp).
#pragma once

#include <string>
#include <vector>

namespace ipcxx_cli {

// Runs `ipcxx rsmq` with the arguments after "rsmq"; returns the exit status.
int run_rsmq(const std::vector<std::string>& args);

}  // namespace ipcxx_cli
