// ZeroMQ through cppzmq: DEALER -> ROUTER for W1-W3, XPUB -> SUB with high-water marks off for W4.
// A message is the raw floor's body without the length prefix (ZeroMQ frames it): a 64-bit tag
// (sequence, ack count or control value), a 64-bit argument, then filler, --size bytes in all.
#pragma once

#include <zmq.hpp>

#include <string>

#include "bench.hpp"

namespace zmq_bench {

constexpr const char* system_name = "zmq";

inline std::string endpoint(const bench::Options& o) {
    return (o.tcp() ? "tcp://" : "ipc://") + o.endpoint;
}

// W4's control channel (start, bye) beside the XPUB: a SUB socket cannot send.
inline std::string control_endpoint(const bench::Options& o) {
    if (o.tcp()) return "tcp://" + o.host() + ":" + std::to_string(o.port() + 1);
    return "ipc://" + o.endpoint + ".ctl";
}

inline zmq::message_t body(const bench::Options& o, std::uint64_t tag, std::uint64_t arg = 0) {
    zmq::message_t m(o.size);
    auto* p = static_cast<char*>(m.data());
    std::memset(p + 16, 'x', o.size - 16);
    bench::put64(p, tag);
    bench::put64(p + 8, arg);
    return m;
}

inline std::uint64_t tag_of(const zmq::message_t& m) {
    if (m.size() < 16) bench::fail("short message");
    return bench::get64(static_cast<const char*>(m.data()));
}
inline std::uint64_t arg_of(const zmq::message_t& m) { return bench::get64(static_cast<const char*>(m.data()) + 8); }

}  // namespace zmq_bench
