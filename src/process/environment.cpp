#include "process/environment.hpp"

#include <algorithm>

extern char** environ;

namespace ipcxx::detail {

std::vector<std::string> make_environment(const SpawnOptions& options) {
    std::vector<std::string> out;
    auto changed = [&](const std::string& name) {
        return options.env.count(name) != 0 ||
               std::find(options.unset_env.begin(), options.unset_env.end(), name) != options.unset_env.end();
    };
    if (options.env_mode == EnvMode::inherit) {
        for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
            const std::string text(*entry);
            if (!changed(text.substr(0, text.find('=')))) out.push_back(text);
        }
    }
    for (const auto& [name, value] : options.env) out.push_back(name + "=" + value);
    return out;
}

}  // namespace ipcxx::detail
