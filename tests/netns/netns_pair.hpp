// Two network namespaces joined by a veth pair, each end with its own address, made for one test
// and removed afterwards (also those a crashed earlier run left behind).
#pragma once

#include <string>
#include <vector>

namespace netns {

// Why namespaces cannot be made here ("" when they can): not root, no iproute2, no kernel support.
std::string unavailable_reason();

// Ends the test program as skipped (ctest's SKIP_RETURN_CODE) when namespaces cannot be made.
void skip_unless_available();

// Runs a program (argv[0] is looked up in PATH) and returns its exit status (-1 if it did not run).
// Its stdout is discarded, and its stderr too when `quiet`.
int run(const std::vector<std::string>& argv, bool quiet = false);

class Pair {
public:
    Pair();   // throws std::runtime_error naming the command that failed
    ~Pair();  // removes both namespaces (and with them the veth pair)
    Pair(const Pair&) = delete;
    Pair& operator=(const Pair&) = delete;

    const std::string& server_ns() const { return server_ns_; }
    const std::string& client_ns() const { return client_ns_; }
    const std::string& server_address() const { return server_address_; }
    const std::string& client_address() const { return client_address_; }
    // The server side's end of the link, for `ip link set ... down/up` inside server_ns().
    const std::string& server_link() const { return server_link_; }

    // `ip netns exec NS argv...`, for ChildProcess.
    std::vector<std::string> exec_in(const std::string& ns, std::vector<std::string> argv) const;
    // Takes the link down or up (both ends), returning whether `ip` succeeded.
    bool set_link(bool up) const;

private:
    void remove();

    std::string server_ns_, client_ns_, server_link_, client_link_;
    std::string server_address_, client_address_;
};

}  // namespace netns
