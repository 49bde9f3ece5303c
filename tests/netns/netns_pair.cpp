#include "netns/netns_pair.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace netns {
namespace {

// Namespaces are named ipcxx-test-<pid>-<n>-{s,c}, so that parallel runs never clash and a later
// run can tell which ones belong to a process that is gone.
const std::string prefix = "ipcxx-test-";

std::string ip_path() {
    for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
        if (::access(p, X_OK) == 0) return p;
    }
    return {};
}

bool ip(const std::vector<std::string>& args, bool quiet = false) {
    std::vector<std::string> argv{ip_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, quiet) == 0;
}

// Namespaces of earlier runs whose process died before removing them.
void remove_orphans() {
    DIR* dir = ::opendir("/run/netns");
    if (!dir) return;
    std::vector<std::string> orphans;
    while (const dirent* e = ::readdir(dir)) {
        const std::string name = e->d_name;
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) orphans.push_back(name);
    }
    ::closedir(dir);
    for (const auto& name : orphans) ip({"netns", "delete", name}, true);
}

}  // namespace

int run(const std::vector<std::string>& argv, bool quiet) {
    std::vector<std::string> strings = argv;
    std::vector<char*> args;
    for (auto& a : strings) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (quiet) posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string unavailable_reason() {
    if (::geteuid() != 0) return "network namespaces need root (CI runs as root)";
    if (ip_path().empty()) return "iproute2's `ip` is not installed (scripts/bootstrap.sh installs it)";
    const std::string probe = prefix + std::to_string(::getpid()) + "-probe";
    if (!ip({"netns", "add", probe})) return "`ip netns add` failed: no network namespace support here";
    ip({"netns", "delete", probe}, true);
    return {};
}

void skip_unless_available() {
    static const std::string reason = unavailable_reason();
    if (reason.empty()) return;
    std::printf("SKIPPED: %s\n", reason.c_str());
    std::fflush(stdout);
    std::_Exit(77);
}

Pair::Pair() {
    static std::atomic<int> counter{0};
    remove_orphans();
    const int n = counter++;
    const std::string base = prefix + std::to_string(::getpid()) + "-" + std::to_string(n);
    server_ns_ = base + "-s";
    client_ns_ = base + "-c";
    // Interface names have at most 15 characters; they only need to be unique until moved.
    const std::string link = "ix" + std::to_string(::getpid() % 1000000) + "x" + std::to_string(n % 100);
    server_link_ = link + "s";
    client_link_ = link + "c";
    // The addresses live only inside these two namespaces, so every pair may use the same ones.
    server_address_ = "10.213.0.1";
    client_address_ = "10.213.0.2";
    const std::vector<std::vector<std::string>> steps = {
        {"netns", "add", server_ns_},
        {"netns", "add", client_ns_},
        {"link", "add", server_link_, "type", "veth", "peer", "name", client_link_},
        {"link", "set", server_link_, "netns", server_ns_},
        {"link", "set", client_link_, "netns", client_ns_},
        {"-n", server_ns_, "addr", "add", server_address_ + "/30", "dev", server_link_},
        {"-n", client_ns_, "addr", "add", client_address_ + "/30", "dev", client_link_},
        {"-n", server_ns_, "link", "set", "lo", "up"},
        {"-n", client_ns_, "link", "set", "lo", "up"},
        {"-n", server_ns_, "link", "set", server_link_, "up"},
        {"-n", client_ns_, "link", "set", client_link_, "up"},
    };
    for (const auto& step : steps) {
        if (!ip(step)) {
            std::string command = "ip";
            for (const auto& a : step) command += " " + a;
            remove();
            throw std::runtime_error("failed: " + command);
        }
    }
}

Pair::~Pair() { remove(); }

void Pair::remove() {
    // Removing a namespace destroys the veth end inside it, and with it the other end.
    ip({"netns", "delete", server_ns_}, true);
    ip({"netns", "delete", client_ns_}, true);
    ip({"link", "delete", server_link_}, true);  // still in this namespace if setup failed early
}

std::vector<std::string> Pair::exec_in(const std::string& ns, std::vector<std::string> argv) const {
    std::vector<std::string> full{ip_path(), "netns", "exec", ns};
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
}

bool Pair::set_link(bool up) const {
    const char* state = up ? "up" : "down";
    return ip({"-n", server_ns_, "link", "set", server_link_, state}) &&
           ip({"-n", client_ns_, "link", "set", client_link_, state});
}

}  // namespace netns
