// pipeline: the shell's `find . -type f | wc -l` built from two children joined by a pipe, as
// Node's docs build `ps ax | grep ssh` from two spawn() calls. find's stdout is the write end of a
// pipe and wc's stdin its read end (StdioSlot::from_fd): the file names go from one child to the
// other without passing through this program, which only reads wc's answer.
// Prints the number of files under DIR (default: the current directory). Exits 1 if either child
// could not start or failed.
// Usage: pipeline [DIR]
#include <cstdio>
#include <future>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <ipcxx/child_process.hpp>

namespace {

// One child's outcome, set by its handlers on the process I/O thread and read by main once `close`
// has been seen (the future orders the two).
struct Outcome {
    std::promise<ipcxx::ExitStatus> closed;
    std::string error;
};

void watch(ipcxx::ChildProcess& child, Outcome& outcome) {
    child.on_error([&outcome](const ipcxx::ProcessError& e) { outcome.error = e.message; });
    child.on_close([&outcome](ipcxx::ExitStatus status) { outcome.closed.set_value(status); });
}

// True when the child started and exited 0; otherwise says why on stderr.
bool succeeded(const char* name, Outcome& outcome) {
    const ipcxx::ExitStatus status = outcome.closed.get_future().get();
    if (!outcome.error.empty()) {
        std::fprintf(stderr, "pipeline: %s\n", outcome.error.c_str());
        return false;
    }
    if (status.code == 0) return true;
    if (status.signal) {
        std::fprintf(stderr, "pipeline: %s killed by %s\n", name, ipcxx::signal_name(*status.signal).c_str());
    } else {
        std::fprintf(stderr, "pipeline: %s exited with %d\n", name, status.code.value_or(-1));
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string dir = argc > 1 ? argv[1] : ".";
    int ends[2];
    // Close-on-exec in this program: each child gets its own duplicate at the slot it is given.
    if (::pipe2(ends, O_CLOEXEC) != 0) {
        std::perror("pipeline: pipe2");
        return 1;
    }
    const int read_end = ends[0];
    const int write_end = ends[1];

    ipcxx::ChildProcess find;
    ipcxx::ChildProcess wc;
    Outcome find_outcome;
    Outcome wc_outcome;
    watch(find, find_outcome);
    watch(wc, wc_outcome);
    std::string count;
    wc.on_stdout([&count](std::string_view bytes) { count.append(bytes); });

    ipcxx::SpawnOptions find_options;
    find_options.cwd = dir;
    find_options.stdio = {ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::from_fd(write_end),
                          ipcxx::StdioSlot::inherit()};
    if (const auto error = find.spawn("find", {".", "-type", "f"}, find_options)) {
        std::fprintf(stderr, "pipeline: find: %s\n", error.message().c_str());
        return 1;
    }

    ipcxx::SpawnOptions wc_options;
    wc_options.stdio = {ipcxx::StdioSlot::from_fd(read_end), ipcxx::StdioSlot::pipe(),
                        ipcxx::StdioSlot::inherit()};
    if (const auto error = wc.spawn("wc", {"-l"}, wc_options)) {
        std::fprintf(stderr, "pipeline: wc: %s\n", error.message().c_str());
        return 1;
    }

    // The children hold their own duplicates now. wc reads EOF once find, the last writer, is gone:
    // this program must not keep the write end open.
    ::close(write_end);
    ::close(read_end);

    const bool find_ok = succeeded("find", find_outcome);
    const bool wc_ok = succeeded("wc", wc_outcome);
    if (!find_ok || !wc_ok) return 1;
    const auto first = count.find_first_not_of(" \t");
    const auto last = count.find_last_not_of(" \t\n");
    if (first == std::string::npos) {
        std::fprintf(stderr, "pipeline: wc printed nothing\n");
        return 1;
    }
    std::printf("%s\n", count.substr(first, last - first + 1).c_str());
    return 0;
}
