// A node-ipc endpoint in a child process: `node peer.js ...` driven by JSON lines (see README.md).
#pragma once

#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace interop {

using namespace std::chrono_literals;
using test::LinePredicate;
using test::PeerLine;
using test::ev_is;
using test::message_is;

// The negotiation frame an ipcxx client may send first (protocol/PROTOCOL.md, "hello"): node-ipc
// receives it as an ordinary event named ipcxx.hello.
inline bool is_hello(const PeerLine& l) { return l.is_message("ipcxx.hello"); }
// A message line other than ipcxx's hello.
inline bool is_app_message(const PeerLine& l) { return l.is("message") && !is_hello(l); }

class NodePeer : public test::ChildProcess {
public:
    // Runs `node peer.js args...`. `env` holds NAME=value entries that override the inherited
    // environment.
    explicit NodePeer(std::vector<std::string> args, std::vector<std::string> env = {});
};

}  // namespace interop
