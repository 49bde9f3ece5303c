// Starting the child: posix_spawn, or fork where posix_spawn cannot (uid / gid).
#pragma once

#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <sys/types.h>

#include "process/command.hpp"
#include "process/stdio_plan.hpp"

namespace ipcxx::detail {

struct LaunchRequest {
    const Command& command;
    const std::vector<std::string>& environment;
    const std::string& cwd;  // empty: the parent's
    const StdioPlan& stdio;
    bool detached;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
};

// The child's pid, or -1 with `error` the errno of what failed (exec included: ENOENT, EACCES).
// In the child: the stdio slots in place, every other descriptor closed, signal dispositions
// reset and the mask cleared, then cwd, session and credentials as asked.
pid_t launch(const LaunchRequest& request, std::error_code& error);

// The two ways launch() takes.
pid_t launch_with_posix_spawn(const LaunchRequest& request, std::error_code& error);
pid_t launch_with_fork(const LaunchRequest& request, std::error_code& error);

// A vector of C strings over `strings`, null-terminated, for exec and posix_spawn.
std::vector<char*> c_strings(const std::vector<std::string>& strings);

}  // namespace ipcxx::detail
