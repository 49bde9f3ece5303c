#include "process/command.hpp"

namespace ipcxx::detail {

Command make_command(const std::string& program, const std::vector<std::string>& args, const SpawnOptions& options) {
    Command command;
    if (options.shell) {
        std::string line = program;
        for (const auto& arg : args) line += " " + arg;
        command.file = options.shell_path;
        command.argv = {options.argv0.value_or(options.shell_path), "-c", line};
        return command;
    }
    command.file = program;
    command.argv.push_back(options.argv0.value_or(program));
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    return command;
}

}  // namespace ipcxx::detail
