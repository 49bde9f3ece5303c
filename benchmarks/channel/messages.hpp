// The messages of the channel benchmark, as both C++ programs pack and read them (the Node programs
// write the same JSON): {"type":"tick","data":{"i":n}}, "ping"/"pong" with {"i":n}, "mark" with
// nothing and its answer {"count","outOfOrder","cpu"}.
#pragma once

#include <sys/resource.h>

#include <msgpack.hpp>

namespace channel_bench {

struct Sequence {
    long long i = 0;
    MSGPACK_DEFINE_MAP(i);
};

// What the child counted since the last mark, and its CPU seconds so far.
struct Mark {
    long long count = 0;
    bool outOfOrder = false;
    double cpu = 0;
    MSGPACK_DEFINE_MAP(count, outOfOrder, cpu);
};

// User + system CPU seconds of this process, every thread included.
inline double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace channel_bench
