// test_peer processes in the namespaces of a netns::Pair, for the fault tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "netns/netns_pair.hpp"
#include "support/child_process.hpp"

namespace netns {

inline bool is_seq(const test::PeerLine& l, const char* ev, long seq) { return l.is(ev) && l.num("seq") == seq; }

// A test_peer in one namespace of the pair.
inline std::unique_ptr<test::ChildProcess> peer(const Pair& pair, const std::string& ns, std::vector<std::string> args) {
    args.insert(args.begin(), IPCXX_TEST_PEER);
    return std::make_unique<test::ChildProcess>(pair.exec_in(ns, std::move(args)));
}

struct Server {
    std::unique_ptr<test::ChildProcess> process;
    std::string port;
};

// `options`: test_peer options such as --heartbeat.
inline Server start_server(const Pair& pair, const std::string& port = "0", std::vector<std::string> options = {}) {
    std::vector<std::string> args{"server", pair.server_address(), port};
    args.insert(args.end(), options.begin(), options.end());
    Server s{peer(pair, pair.server_ns(), std::move(args)), {}};
    const auto line = s.process->wait_line(test::ev_is("port"));
    INFO(s.process->describe());
    REQUIRE(line);
    s.port = std::to_string(line->num("port"));
    return s;
}

// A client in the client namespace, connected.
inline std::unique_ptr<test::ChildProcess> connected_client(const Pair& pair, const Server& server, const std::string& id,
                                                            std::vector<std::string> options = {}) {
    std::vector<std::string> args{"client", pair.server_address(), server.port, id};
    args.insert(args.end(), options.begin(), options.end());
    auto client = peer(pair, pair.client_ns(), std::move(args));
    INFO(client->describe());
    REQUIRE(client->wait_line(test::ev_is("connect")));
    return client;
}

// Sends `count` more numbered messages and waits for the echo of the last one, number `last`.
inline void send_and_await_echo(test::ChildProcess& client, long count, long last) {
    using namespace std::chrono_literals;
    REQUIRE(client.send("send " + std::to_string(count)));
    INFO(client.describe());
    REQUIRE(client.wait_line([last](const test::PeerLine& l) { return is_seq(l, "echo", last); }, 20s));
}

}  // namespace netns
