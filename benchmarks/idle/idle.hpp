// What the idle-connection programs share: flags, the descriptor limit, and the driver's protocol.
//
// Every server prints "ready" once it listens and then serves until it is killed. Every client
// raises its descriptor limit, prints "ready", waits for a line on stdin (the driver reads its memory
// first), opens --clients connections, sends one message on each, and prints "answered N" once every
// connection got its answer; it then holds them, idle, until it is killed. run.py measures both
// processes from /proc.
#pragma once

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace idle {

// Connections opened and not yet answered, at most: the listen backlog is not what is measured.
constexpr std::size_t in_flight = 500;

struct Options {
    std::string transport = "unix";  // unix | tcp
    std::string endpoint;            // unix: socket path; tcp: HOST:PORT
    std::size_t clients = 200;

    bool tcp() const { return transport == "tcp"; }
    std::string host() const { return endpoint.substr(0, endpoint.rfind(':')); }
    unsigned short port() const { return static_cast<unsigned short>(std::stoul(endpoint.substr(endpoint.rfind(':') + 1))); }
};

[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "idle: %s\n", what.c_str());
    std::exit(1);
}

inline Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--transport") o.transport = value;
        else if (flag == "--endpoint") o.endpoint = value;
        else if (flag == "--clients") o.clients = std::stoul(value);
        else fail("unknown flag " + flag);
    }
    if (o.endpoint.empty()) fail("--endpoint is required");
    return o;
}

// Each connection is a descriptor or more on both sides (ZeroMQ: three per client socket, with
// its mailbox): the soft limit goes up to the hard one, and the hard one too where allowed (root).
inline void raise_fd_limit(std::size_t connections) {
    const rlim_t needed = 3 * connections;
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) fail("getrlimit");
    if (limit.rlim_max < needed + 64) {
        const rlimit higher{needed + 64, needed + 64};
        if (::setrlimit(RLIMIT_NOFILE, &higher) == 0) limit = higher;
    }
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) fail("setrlimit");
    if (limit.rlim_cur < connections + 64) fail("the descriptor limit (" + std::to_string(limit.rlim_cur) + ") is too low");
}

inline void say(const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

// The client's start: "ready", then the driver's go-ahead.
inline void ready_then_wait() {
    say("ready");
    std::string line;
    if (!std::getline(std::cin, line)) fail("no go-ahead on stdin");
}

}  // namespace idle
