// What the ipcxx server and client share. Built three times: IPCXX_BENCH_JSON=0 (`ipcxx`, the native
// wire between ipcxx peers), IPCXX_BENCH_JSON=1 (`ipcxx_json`, node-ipc's JSON wire) and
// IPCXX_BENCH_NO_BUSY_POLL=1 (`ipcxx_poll0`, the native wire with busy_poll = 0); also
// IPCXX_BENCH_STRING_BODY=1 (`ipcxx_str`, the native wire with large bodies as plain std::string).
//
// Events: "req" [seq, payload] is answered by "rep" with the same data (W1, W2); "msg" [seq, payload]
// is counted and "ack" count answers the end of each phase (W3); "go" n asks for n broadcasts
// "b" [seq, payload] (W4); "bye" ends the server. The payload is a string of --size bytes.
#pragma once

#include <ipcxx/ipcxx.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <tuple>

#include "bench.hpp"

namespace ipcxx_bench {

constexpr const char* system_name = IPCXX_BENCH_JSON                 ? "ipcxx_json"
                                   : IPCXX_BENCH_NO_BUSY_POLL       ? "ipcxx_poll0"
                                   : IPCXX_BENCH_STRING_BODY        ? "ipcxx_str"
                                                                    : "ipcxx";

inline ipcxx::Config config(const bench::Options& o, std::string id) {
    ipcxx::Config c;
    c.id = std::move(id);
    c.silent = true;
    c.wire = IPCXX_BENCH_JSON ? ipcxx::Wire::json : ipcxx::Wire::native;
    c.max_connections = std::max<std::size_t>(c.max_connections, o.subscribers());
    c.stop_retrying = true;  // a lost connection is a failed run, not something to wait out
    if (IPCXX_BENCH_NO_BUSY_POLL) c.busy_poll = std::chrono::microseconds(0);
    // The system's default socket buffers, as the other systems have them: issue 17's targets are
    // stated for those, and Config::unix_send_buffer only takes effect where net.core.wmem_max allows.
    c.unix_send_buffer = 0;
    // The send queues keep their default bound (16 MiB): W4's 10,000 broadcasts queue about 1 MB per
    // connection, and the streaming client waits on errc::queue_full (see the client).
    return c;
}

inline auto message(std::uint64_t seq, const std::string& payload) {
    return std::make_tuple(seq, std::string_view(payload));
}
inline auto message(std::uint64_t seq, const ipcxx::SharedBytes& payload) { return std::make_tuple(seq, payload); }

inline std::uint64_t seq_of(const ipcxx::Payload& p) {
    const msgpack::object& o = p.object();
    if (o.type != msgpack::type::ARRAY || o.via.array.size != 2) bench::fail("malformed message");
    return o.via.array.ptr[0].as<std::uint64_t>();
}

inline void fail_on_error(ipcxx::EventSource& source) {
    source.on("error", [](const ipcxx::ErrorEvent& e) { bench::fail("ipcxx error: " + e.message); });
}

}  // namespace ipcxx_bench
