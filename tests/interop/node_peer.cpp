#include "node_peer.hpp"

namespace interop {
namespace {

std::vector<std::string> node_argv(std::vector<std::string> args) {
    std::vector<std::string> argv{IPCXX_NODE_EXECUTABLE, std::string(IPCXX_INTEROP_DIR) + "/peer.js"};
    argv.insert(argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
    return argv;
}

}  // namespace

NodePeer::NodePeer(std::vector<std::string> args, std::vector<std::string> env)
    : ChildProcess(node_argv(std::move(args)), std::move(env)) {}

}  // namespace interop
