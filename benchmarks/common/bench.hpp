// What every C++ benchmark program shares: the command line, the workload kinds, timing and the
// one JSON result line. The driver (benchmarks/run.py) treats all systems alike through these.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string workload = "W1";  // W1, W2, W2c, W3s, W3b, W4, W4s
    std::string transport = "tcp";  // tcp | unix
    std::string endpoint;         // tcp: HOST:PORT; unix: socket path
    std::uint64_t messages = 1000;
    std::uint64_t warmup = 0;
    std::size_t size = 64;        // payload bytes
    std::size_t inflight = 1;     // round trips in flight (W1, W2)
    std::size_t clients = 1;      // connections (W4; W1 with more than 1: each pipelines --inflight)
    std::uint64_t rate = 0;       // paced round trips (P1k, P10k): requests per second; 0: not paced
    std::size_t io_threads = 1;   // the server's I/O threads (ipcxx's Config::io_threads, ZeroMQ's context)

    bool tcp() const { return transport == "tcp"; }
    // W4s: W4 with one subscriber more, which subscribes and then never reads.
    bool stuck() const { return workload == "W4s"; }
    // The subscribers a fan-out server waits for before broadcasting.
    std::size_t subscribers() const { return clients + (stuck() ? 1 : 0); }
    std::string host() const { return endpoint.substr(0, endpoint.rfind(':')); }
    std::uint16_t port() const { return static_cast<std::uint16_t>(std::stoul(endpoint.substr(endpoint.rfind(':') + 1))); }
};

// The three shapes of workload.
enum class Kind { round_trip, stream, fan_out };

inline Kind kind(const Options& o) {
    if (o.workload == "W1" || o.workload == "W2" || o.workload == "W2c" || o.rate > 0) return Kind::round_trip;
    if (o.workload == "W3s" || o.workload == "W3b") return Kind::stream;
    return Kind::fan_out;
}

[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "bench: %s\n", what.c_str());
    std::exit(1);
}

inline Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--workload") o.workload = value;
        else if (flag == "--transport") o.transport = value;
        else if (flag == "--endpoint") o.endpoint = value;
        else if (flag == "--messages") o.messages = std::stoull(value);
        else if (flag == "--warmup") o.warmup = std::stoull(value);
        else if (flag == "--size") o.size = std::stoull(value);
        else if (flag == "--inflight") o.inflight = std::stoull(value);
        else if (flag == "--clients") o.clients = std::stoull(value);
        else if (flag == "--rate") o.rate = std::stoull(value);
        else if (flag == "--io-threads") o.io_threads = std::stoull(value);
        else fail("unknown flag " + flag);
    }
    if (argc % 2 == 0) fail("flags come in pairs: --flag value");
    if (o.endpoint.empty()) fail("--endpoint is required");
    if (o.transport != "tcp" && o.transport != "unix") fail("--transport is tcp or unix");
    if (std::string(" W1 W2 W2c W3s W3b W4 W4s P1k P10k ").find(" " + o.workload + " ") == std::string::npos)
        fail("--workload is one of W1 W2 W2c W3s W3b W4 W4s P1k P10k");
    if ((o.workload[0] == 'P') != (o.rate > 0)) fail("--rate is given for the paced workloads P1k and P10k only");
    if (o.size < 16) o.size = 16;  // room for the sequence number in byte-oriented systems
    if (o.inflight < 1) o.inflight = 1;
    if (o.clients < 1) o.clients = 1;
    if (o.io_threads < 1) o.io_threads = 1;
    return o;
}

// Servers print this once they listen; the driver starts the client only then.
inline void ready() {
    std::printf("ready\n");
    std::fflush(stdout);
}

// Round-trip timing: send times in a ring (replies come back in order, at most `inflight` ahead),
// latencies of the timed part kept for percentiles.
class RoundTrips {
public:
    explicit RoundTrips(const Options& o) : o_(o), sent_at_(o.inflight), latencies_(o.messages) {}

    std::uint64_t total() const { return o_.warmup + o_.messages; }
    void sent(std::uint64_t seq) { sent_at_[seq % o_.inflight] = Clock::now(); }
    // Checks that replies come back in sequence; starts the clock when the warm-up is over.
    // Returns true when the last reply has arrived.
    bool received(std::uint64_t seq) {
        auto now = Clock::now();
        if (seq != next_) fail("reply out of sequence: got " + std::to_string(seq) + ", want " + std::to_string(next_));
        if (seq >= o_.warmup) latencies_[seq - o_.warmup] = now - sent_at_[seq % o_.inflight];
        if (++next_ == o_.warmup) start_ = now;
        if (next_ == total()) end_ = now;
        return next_ == total();
    }
    void start_now() { start_ = Clock::now(); }  // warm-up of 0: the clock starts with the first send
    Clock::time_point started() const { return start_; }
    Clock::time_point ended() const { return end_; }
    const std::vector<Clock::duration>& latencies() const { return latencies_; }

    void report(const char* system) {
        std::sort(latencies_.begin(), latencies_.end());
        auto us = [&](double q) {
            auto i = std::min(latencies_.size() - 1, static_cast<std::size_t>(q * latencies_.size()));
            return std::chrono::duration<double, std::micro>(latencies_[i]).count();
        };
        double seconds = std::chrono::duration<double>(end_ - start_).count();
        std::printf("{\"system\":\"%s\",\"workload\":\"%s\",\"transport\":\"%s\",\"count\":%llu,\"seconds\":%.6f,"
                    "\"p50_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f}\n",
                    system, o_.workload.c_str(), o_.transport.c_str(), static_cast<unsigned long long>(o_.messages),
                    seconds, us(0.5), us(0.99), us(1.0));
        std::fflush(stdout);
    }

private:
    const Options& o_;
    std::vector<Clock::time_point> sent_at_;
    std::vector<Clock::duration> latencies_;
    std::uint64_t next_ = 0;
    Clock::time_point start_, end_;
};

// Paced round trips (P1k, P10k): request n leaves at start + n / rate, an absolute schedule, so that
// a late reply or a late wake-up does not lower the rate; each reply is awaited before the next
// turn. `round_trip(seq)` sends request `seq` and returns the sequence number its reply carries.
template <class RoundTrip>
void paced_round_trips(const Options& o, RoundTrips& rt, RoundTrip&& round_trip) {
    rt.start_now();
    const auto start = Clock::now();
    for (std::uint64_t seq = 0; seq < rt.total(); ++seq) {
        std::this_thread::sleep_until(start + std::chrono::nanoseconds(seq * 1'000'000'000ull / o.rate));
        rt.sent(seq);
        rt.received(round_trip(seq));
    }
}

// W1 over --clients connections: each connection's share of the round trips (the remainder to the first).
inline Options share_of_connection(const Options& o, std::size_t connection) {
    Options share = o;
    share.messages = o.messages / o.clients + (connection == 0 ? o.messages % o.clients : 0);
    share.warmup = o.warmup / o.clients + (connection == 0 ? o.warmup % o.clients : 0);
    share.clients = 1;
    return share;
}

// One result line for the round trips of several connections: every timed round trip, from the first
// connection's end of warm-up to the last connection's last reply; percentiles over all of them.
template <class Connections>
void report_round_trips(const char* system, const Options& o, const Connections& connections) {
    std::vector<Clock::duration> all;
    Clock::time_point start = Clock::time_point::max(), end = Clock::time_point::min();
    for (const auto& rt : connections) {
        all.insert(all.end(), rt->latencies().begin(), rt->latencies().end());
        start = std::min(start, rt->started());
        end = std::max(end, rt->ended());
    }
    std::sort(all.begin(), all.end());
    auto us = [&](double q) {
        auto i = std::min(all.size() - 1, static_cast<std::size_t>(q * all.size()));
        return std::chrono::duration<double, std::micro>(all[i]).count();
    };
    std::printf("{\"system\":\"%s\",\"workload\":\"%s\",\"transport\":\"%s\",\"count\":%llu,\"seconds\":%.6f,"
                "\"p50_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f}\n",
                system, o.workload.c_str(), o.transport.c_str(), static_cast<unsigned long long>(all.size()),
                std::chrono::duration<double>(end - start).count(), us(0.5), us(0.99), us(1.0));
    std::fflush(stdout);
}

// Streams and fan-out: `count` messages (W4: deliveries) of `bytes` payload bytes in total.
inline void report(const char* system, const Options& o, std::uint64_t count, double seconds) {
    std::printf("{\"system\":\"%s\",\"workload\":\"%s\",\"transport\":\"%s\",\"count\":%llu,\"bytes\":%llu,"
                "\"seconds\":%.6f}\n",
                system, o.workload.c_str(), o.transport.c_str(), static_cast<unsigned long long>(count),
                static_cast<unsigned long long>(count * o.size), seconds);
    std::fflush(stdout);
}

inline double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Byte-oriented systems (raw, ZeroMQ) put a 64-bit tag first in every message: the sequence number
// of data, the count of an ack, or one of these control values.
constexpr std::uint64_t tag_bye = ~0ull;        // client -> server: done, exit
constexpr std::uint64_t tag_start = ~0ull - 1;  // W4 client -> server: broadcast <next 8 bytes> messages

inline std::uint64_t get64(const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}
inline void put64(char* p, std::uint64_t v) { std::memcpy(p, &v, 8); }

}  // namespace bench
