#include "process/launch.hpp"

namespace ipcxx::detail {

pid_t launch(const LaunchRequest& request, std::error_code& error) {
    // posix_spawn has no way to change credentials.
    if (request.uid || request.gid) return launch_with_fork(request, error);
    return launch_with_posix_spawn(request, error);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace ipcxx::detail
