// What this process holds: open file descriptors and resident memory (Linux /proc).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <string>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

namespace test {

// Open file descriptors; with `sockets_only`, those that are sockets.
inline std::size_t open_fds(bool sockets_only = false) {
    std::size_t n = 0;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        const int own = ::dirfd(dir);
        while (const dirent* e = ::readdir(dir)) {
            if (e->d_name[0] == '.' || std::atoi(e->d_name) == own) continue;
            if (sockets_only) {
                char target[64] = {};
                const std::string link = std::string("/proc/self/fd/") + e->d_name;
                if (::readlink(link.c_str(), target, sizeof(target) - 1) < 0 ||
                    std::string(target).compare(0, 7, "socket:") != 0) {
                    continue;
                }
            }
            ++n;
        }
        ::closedir(dir);
    }
    return n;
}

inline std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// Raises the soft limit on open files to at least `wanted` (and the hard limit, when allowed).
// Returns the soft limit now in force.
inline std::size_t raise_fd_limit(std::size_t wanted) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_max < wanted) {
        rlimit higher{wanted, wanted};
        if (::setrlimit(RLIMIT_NOFILE, &higher) == 0) return wanted;
    }
    lim.rlim_cur = std::max<rlim_t>(lim.rlim_cur, std::min<rlim_t>(wanted, lim.rlim_max));
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
    return lim.rlim_cur;
}

}  // namespace test
