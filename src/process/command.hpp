// The program and argument vector a spawn runs: the caller's vector as it is, or a shell command.
#pragma once

#include <string>
#include <vector>

#include "ipcxx/spawn_options.hpp"

namespace ipcxx::detail {

struct Command {
    std::string file;               // what is executed (searched in PATH when it has no '/')
    std::vector<std::string> argv;  // argv[0] included
};

// With options.shell: `shell_path -c "program args..."` (joined with spaces, as Node does: the
// caller quotes). Without: the vector unchanged, never seen by a shell.
Command make_command(const std::string& program, const std::vector<std::string>& args, const SpawnOptions& options);

}  // namespace ipcxx::detail
