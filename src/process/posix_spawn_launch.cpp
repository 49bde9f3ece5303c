#include <cerrno>
#include <csignal>

#include <spawn.h>
#include <unistd.h>

#include "process/launch.hpp"

namespace ipcxx::detail {

namespace {

// Frees the attributes and file actions on every path out.
struct SpawnSetup {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    SpawnSetup() {
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_init(&actions);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
};

}  // namespace

pid_t launch_with_posix_spawn(const LaunchRequest& request, std::error_code& error) {
    SpawnSetup setup;
    // A parent that ignores SIGPIPE (or blocks signals) must not pass that on: the child starts
    // as from a shell, as libuv's do.
    sigset_t all;
    sigset_t none;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    sigemptyset(&none);
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (request.detached) flags |= POSIX_SPAWN_SETSID;
    posix_spawnattr_setsigdefault(&setup.attr, &all);
    posix_spawnattr_setsigmask(&setup.attr, &none);
    posix_spawnattr_setflags(&setup.attr, flags);

    const int slots = static_cast<int>(request.stdio.size());
    for (int i = 0; i < slots; ++i) {
        const int source = request.stdio.child_source(static_cast<std::size_t>(i));
        if (source >= 0) {
            posix_spawn_file_actions_adddup2(&setup.actions, source, i);
        } else {
            posix_spawn_file_actions_addclose(&setup.actions, i);
        }
    }
    // Nothing but the slots: Asio's sockets are not close-on-exec (chriskohlhoff/asio#523).
    posix_spawn_file_actions_addclosefrom_np(&setup.actions, slots);
    if (!request.cwd.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions, request.cwd.c_str());

    auto argv = c_strings(request.command.argv);
    auto envp = c_strings(request.environment);
    pid_t pid = -1;
    const bool search = request.command.file.find('/') == std::string::npos;
    const int rc = search ? ::posix_spawnp(&pid, request.command.file.c_str(), &setup.actions, &setup.attr,
                                           argv.data(), envp.data())
                          : ::posix_spawn(&pid, request.command.file.c_str(), &setup.actions, &setup.attr,
                                          argv.data(), envp.data());
    if (rc != 0) {
        error = std::error_code(rc, std::system_category());
        return -1;
    }
    return pid;
}

}  // namespace ipcxx::detail
